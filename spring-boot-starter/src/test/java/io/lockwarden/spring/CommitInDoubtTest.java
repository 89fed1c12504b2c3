package io.lockwarden.spring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.CommitOutcomeUnknownException;
import io.lockwarden.testkit.fixture.FreezableRelay;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A commit whose reply never arrives, made deterministic by a relay between the application and the
 * server that stops passing replies right before the commit: the starter reports it as core does,
 * {@link CommitOutcomeUnknownException}, and the row is in fact committed.
 */
class CommitInDoubtTest {
    static volatile FreezableRelay relay;

    /** The application. */
    @SpringBootConfiguration
    @EnableAutoConfiguration
    static class Application {
        @Bean
        Writer writer(JdbcTemplate jdbc) {
            return new Writer(jdbc);
        }
    }

    /** Writes a row under a transaction-scope lock in its own transaction, then loses the commit's reply. */
    static class Writer {
        private final JdbcTemplate jdbc;

        Writer(JdbcTemplate jdbc) {
            this.jdbc = jdbc;
        }

        @AdvisoryLock(namespace = "doubt", key = "#id", beginTransaction = true)
        public void write(String id) {
            jdbc.update("INSERT INTO doubt_rows VALUES (?)", id);
            relay.freezeReplies();
        }
    }

    @Test
    void aCommitWhoseReplyIsLostIsReportedAsInDoubtAndTheRowIsThere() throws Exception {
        ServerLocks.exec("CREATE TABLE IF NOT EXISTS doubt_rows (id text PRIMARY KEY)");
        try (FreezableRelay r = new FreezableRelay(ServerLocks.SERVER.port())) {
            relay = r;
            String url = "jdbc:postgresql://127.0.0.1:" + r.port() + "/postgres?socketTimeout=3";
            try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Application.class)
                    .properties(ServerLocks.datasource(url)).run()) {
                Writer writer = context.getBean(Writer.class);
                assertThatThrownBy(() -> writer.write("lost-reply"))
                        .isInstanceOf(CommitOutcomeUnknownException.class)
                        .hasMessageContaining("may have committed it or not").hasMessageContaining("doubt/lost-reply");
                r.close();
            }
        }
        assertThat(ServerLocks.count("SELECT count(*) FROM doubt_rows WHERE id = 'lost-reply'"))
                .as("the server committed: a blind retry would apply the work twice").isEqualTo(1);
    }
}
