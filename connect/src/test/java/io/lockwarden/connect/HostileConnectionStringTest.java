package io.lockwarden.connect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 21.9 and 21.10: a mistyped scheme or a shell-split password is refused without echoing the secret,
 * and a host value can never smuggle pgjdbc parameters (socketFactory, options) into the URL.
 */
class HostileConnectionStringTest {
    @TempDir
    Path home;

    private ConnectionSettings resolve(String connection, Map<String, String> flags) {
        return ConnectionResolver.of(Map.of()).home(home).osUser("osuser").resolve(connection, flags, Map.of());
    }

    @Test
    void mistypedSchemesAreRefusedWithoutEchoingThePasswordOrUsingItAsADatabaseName() {
        for (String url : new String[] {"PostgreSQL://ops:s3cret-pw@db/shop", "postgresql:/ops:s3cret-pw@db/shop",
            "postgres:/ops:s3cret-pw@db/shop", "postgresq://ops:s3cret-pw@db/shop", "Postgres://ops:s3cret-pw@db"}) {
            assertThatThrownBy(() -> resolve(url, Map.of())).as(url)
                    .isInstanceOf(ConnectionSettingsException.class)
                    .hasMessageContaining("postgresql://").hasMessageNotContaining("s3cret")
                    .hasMessageNotContaining("ops:");
        }
    }

    @Test
    void aPasswordSplitAtItsSpaceByTheShellIsNotEchoed() {
        // lockwarden diagnose --url postgresql://ops:pa ss@db/shop: the shell passes "postgresql://ops:pa"
        assertThatThrownBy(() -> resolve("postgresql://ops:pa", Map.of()))
                .isInstanceOf(ConnectionSettingsException.class).hasMessageContaining("invalid port number")
                .hasMessageNotContaining("pa\"").hasMessageNotContaining("'pa'");
        assertThatThrownBy(() -> resolve("host=db password=pa s3cr3t", Map.of()))
                .isInstanceOf(ConnectionSettingsException.class).hasMessageNotContaining("s3cr3t");
        assertThatThrownBy(() -> resolve("postgresql://db:99999/x", Map.of()))
                .hasMessageContaining("\"99999\"");
    }

    @Test
    void hostValuesCannotAddParametersToTheJdbcUrl() {
        String[] hostile = {"db/x?socketFactory=java.io.FileOutputStream&socketFactoryArg=/tmp/x",
            "db:5432/x?options=-c%20log_statement=all&", "db&sslfactory=evil.Factory", "db x", "db#frag"};
        for (String h : hostile) {
            assertThatThrownBy(() -> resolve("host='" + h + "' dbname=app", Map.of())).as(h)
                    .isInstanceOf(ConnectionSettingsException.class).hasMessageContaining("host is not a host name");
            assertThatThrownBy(() -> resolve(null, Map.of("host", h))).as(h)
                    .isInstanceOf(ConnectionSettingsException.class);
            assertThatThrownBy(() -> resolve("hostaddr='" + h + "'", Map.of())).as(h)
                    .isInstanceOf(ConnectionSettingsException.class);
        }
        assertThat(resolve("host=db-1.example.com", Map.of()).jdbcUrl()).startsWith("jdbc:postgresql://db-1.example.com:5432/");
        assertThat(resolve("host=fe80::1%eth0", Map.of()).jdbcUrl()).startsWith("jdbc:postgresql://[fe80::1%eth0]:5432/");
        assertThat(resolve("hostaddr=10.0.0.7", Map.of()).host()).isEqualTo("10.0.0.7");
    }

    @Test
    void jdbcUrlParametersThatLoadClassesAreRefused() {
        for (String p : new String[] {"socketFactory=java.io.FileOutputStream", "sslfactory=x.Y",
            "sslhostnameverifier=x.Y", "authenticationPluginClassName=x.Y", "loggerFile=/tmp/log"}) {
            assertThatThrownBy(() -> resolve("jdbc:postgresql://db/app?" + p, Map.of())).as(p)
                    .isInstanceOf(ConnectionSettingsException.class).hasMessageContaining("not accepted");
        }
        assertThat(resolve("jdbc:postgresql://db/app?prepareThreshold=0", Map.of()).jdbcUrl())
                .contains("prepareThreshold=0");
    }
}
