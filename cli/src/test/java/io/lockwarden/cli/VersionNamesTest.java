package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Issue 22.10: README's install lines name the archive and directory the build writes (lockwarden-VERSION, from the
 * build's own version), --version says the same version, and PostgreSQL versions read as PostgreSQL writes them.
 */
class VersionNamesTest {
    @Test
    void readmeVersionAndArchiveNamesAgree() throws Exception {
        Properties build = new Properties();
        try (InputStream in = Main.class.getResourceAsStream("build.properties")) {
            build.load(in);
        }
        String version = build.getProperty("version");
        String readme = Files.readString(Path.of("..", "README.md"));
        Matcher m = Pattern.compile("lockwarden-([0-9][0-9A-Za-z.-]*?)(?:\\.tar\\.gz|/)").matcher(readme);
        int mentions = 0;
        while (m.find()) {
            mentions++;
            assertThat(m.group(1)).as(m.group()).isEqualTo(version);
        }
        assertThat(mentions).isGreaterThanOrEqualTo(4);

        CliRun r = CliRun.run(Map.of(), "--version");
        assertThat(r.out()).startsWith("lockwarden " + version + "\n");
        assertThat(r.out()).containsPattern("tested with PostgreSQL \\d+\\.\\d+, \\d+\\.\\d+ and PgBouncer")
                .doesNotContainPattern("PostgreSQL[^\\n]*\\d+\\.\\d+\\.0");
    }
}
