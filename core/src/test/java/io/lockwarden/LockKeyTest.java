package io.lockwarden;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lockwarden.testkit.fixture.PostgresServer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LockKeyTest {

    @Test
    void namedKeyHashMatchesTheDocumentedSqlForThousandsOfRandomNames() throws SQLException {
        Random random = new Random(7);
        List<String> names = new ArrayList<>(List.of("orders", "invoice-42", "", "Zürich", "日本語", "emoji 🔒"));
        for (int i = 0; i < 3000; i++) {
            StringBuilder s = new StringBuilder();
            int len = random.nextInt(40);
            for (int j = 0; j < len; j++) {
                // Mix ASCII, Latin-1, CJK and astral code points; skip surrogates and NUL.
                int cp = switch (random.nextInt(4)) {
                    case 0 -> 32 + random.nextInt(95);
                    case 1 -> 0xA0 + random.nextInt(0x100);
                    case 2 -> 0x4E00 + random.nextInt(0x5000);
                    default -> 0x1F300 + random.nextInt(0x300);
                };
                s.appendCodePoint(cp);
            }
            names.add(s.toString());
        }
        try (Connection c = PostgresServer.shared().connect();
             PreparedStatement ps = c.prepareStatement("SELECT " + LockKey.HASH_SQL.replace("$1", "?"))) {
            for (String name : names) {
                ps.setString(1, name);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    assertThat(rs.getInt(1)).as("hash of %s", name).isEqualTo(LockKey.hash(name));
                }
            }
        }
    }

    @Test
    void pgLocksColumnsRoundTripForBothForms() throws SQLException {
        List<LockKey> keys = List.of(LockKey.of(-1L), LockKey.of(Long.MIN_VALUE), LockKey.of(42L),
                LockKey.of(-5, 7), LockKey.of(Integer.MIN_VALUE, -1), LockKey.named("billing", "invoice-42"));
        try (Connection c = PostgresServer.shared().connect()) {
            for (LockKey key : keys) {
                c.createStatement().execute("SELECT pg_advisory_lock(" + key.sqlArguments() + ")");
                try (ResultSet rs = c.createStatement().executeQuery("SELECT classid::text::bigint, objid::text::bigint,"
                        + " objsubid FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")) {
                    rs.next();
                    assertThat(LockKey.fromPgLocks(rs.getLong(1), rs.getLong(2), rs.getInt(3))).isEqualTo(key);
                    assertThat(rs.getLong(1)).isEqualTo(key.classid());
                    assertThat(rs.getLong(2)).isEqualTo(key.objid());
                }
                c.createStatement().execute("SELECT pg_advisory_unlock(" + key.sqlArguments() + ")");
            }
        }
    }

    @Test
    void badNamesAreRefusedWithAHint() {
        assertThatThrownBy(() -> LockKey.named(" ", "x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("namespace");
        assertThatThrownBy(() -> LockKey.named("billing", "")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("billing");
    }

    @Test
    void namedKeyEqualsItsPairAndShowsItsName() {
        LockKey named = LockKey.named("billing", "invoice-42");
        assertThat(named).isEqualTo(LockKey.of(LockKey.hash("billing"), LockKey.hash("invoice-42")));
        assertThat(named.toString()).startsWith("billing/invoice-42 [classid=").endsWith("objsubid=2]");
        assertThat(LockKey.of(1L)).isNotEqualTo(LockKey.of(0, 1));
    }
}
