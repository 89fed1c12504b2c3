package io.lockwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Java: a receiver type is judged by what the file imports, not by its simple name. Spring's
 * {@code JdbcTemplate} borrows a pooled connection per call; a project's own class named {@code JdbcTemplate}
 * over one connection (as a migration tool has) does not. Code written for this test.
 */
class JavaImportedTypeTest {
    private static final String LOCKER = """
            package app;

            import %s;

            class Locker {
                private final JdbcTemplate jdbcTemplate;

                Locker(JdbcTemplate jdbcTemplate) {
                    this.jdbcTemplate = jdbcTemplate;
                }

                void run(long key, Runnable work) {
                    jdbcTemplate.execute("SET lock_timeout = '5s'");
                    Boolean got = jdbcTemplate.queryForObject("SELECT pg_try_advisory_lock(?)", Boolean.class, key);
                    if (!Boolean.TRUE.equals(got)) {
                        throw new IllegalStateException("busy: " + key);
                    }
                    try {
                        work.run();
                    } finally {
                        Boolean released = jdbcTemplate.queryForObject("SELECT pg_advisory_unlock(?)", Boolean.class, key);
                        if (!Boolean.TRUE.equals(released)) {
                            throw new IllegalStateException("lock " + key + " was not held at unlock");
                        }
                    }
                }
            }
            """;

    @TempDir
    Path dir;

    private List<String> scan(String name, String java) throws IOException {
        Path f = dir.resolve(name);
        Files.createDirectories(f.getParent());
        Files.writeString(f, java);
        return Scanner.builder().baseDirectory(dir).build().scan(List.of(f)).findings().stream()
                .map(x -> x.rule().id() + "@" + x.line()).toList();
    }

    @Test
    void springsJdbcTemplateIsAPoolButAProjectsOwnSingleConnectionTemplateIsNot() throws IOException {
        List<String> spring = scan("spring/Locker.java", LOCKER.formatted("org.springframework.jdbc.core.JdbcTemplate"));
        List<String> own = scan("own/Locker.java", LOCKER.formatted("com.example.migrate.jdbc.JdbcTemplate"));

        assertThat(spring).contains("LW109@14", "LW109@21");
        assertThat(own).noneMatch(id -> id.startsWith("LW109"));
    }
}
