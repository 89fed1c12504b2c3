package io.lockwarden.inspect.internal;

import io.lockwarden.inspect.InspectionException;
import io.lockwarden.inspect.PgBouncerServer;
import io.lockwarden.inspect.PgBouncerView;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;

/**
 * Reads PgBouncer's admin console ({@code SHOW SERVERS/POOLS/CLIENTS/DATABASES/CONFIG}). The console
 * speaks only the simple query protocol: its JDBC URL needs {@code preferQueryMode=simple} (and, with
 * pgjdbc, {@code assumeMinServerVersion=9.0} so no {@code SET} is sent on connect). Thread-safe.
 */
public final class PgBouncerConsole {
    private final DataSource console;

    /** A reader of the console behind {@code console}. */
    public PgBouncerConsole(DataSource console) {
        this.console = console;
    }

    /**
     * Reads the console once.
     *
     * @throws InspectionException when the console cannot be reached or refuses the login or a command
     */
    public PgBouncerView read() {
        try (Connection c = console.getConnection(); Statement st = c.createStatement()) {
            List<Map<String, String>> servers = show(st, "SERVERS");
            List<Map<String, String>> pools = show(st, "POOLS");
            List<Map<String, String>> clients = show(st, "CLIENTS");
            List<Map<String, String>> databases = show(st, "DATABASES");
            Map<String, String> config = new LinkedHashMap<>();
            for (Map<String, String> row : show(st, "CONFIG")) {
                config.put(row.get("key"), row.get("value"));
            }
            Map<String, String> modeByPool = new HashMap<>();
            for (Map<String, String> p : pools) {
                modeByPool.put(p.get("database") + "\u0000" + p.get("user"), p.get("pool_mode"));
            }
            Map<String, String> modeByDatabase = new HashMap<>();
            for (Map<String, String> d : databases) {
                String m = d.get("pool_mode");
                if (m != null && !m.isBlank()) {
                    modeByDatabase.put(d.get("name"), m);
                }
            }
            List<PgBouncerServer> out = new ArrayList<>();
            for (Map<String, String> s : servers) {
                String pid = s.get("remote_pid");
                if (pid == null || pid.isBlank()) {
                    continue;
                }
                String mode = modeByPool.get(s.get("database") + "\u0000" + s.get("user"));
                if (mode == null) {
                    mode = modeByDatabase.getOrDefault(s.get("database"), config.get("pool_mode"));
                }
                String link = s.get("link");
                boolean linked = link != null && !link.isBlank() && !link.equals("0x0") && !link.equals("(nil)");
                out.add(new PgBouncerServer(s.get("database"), s.get("user"), s.get("state"),
                        Integer.parseInt(pid.trim()), mode, linked));
            }
            return new PgBouncerView(out, pools, clients, databases, config);
        } catch (SQLException e) {
            throw new InspectionException("cannot read the PgBouncer admin console (" + e.getMessage()
                    + "): connect to database 'pgbouncer' as a user listed in admin_users or stats_users, with "
                    + "preferQueryMode=simple&assumeMinServerVersion=9.0 in the JDBC URL", e);
        }
    }

    private static List<Map<String, String>> show(Statement st, String what) throws SQLException {
        List<Map<String, String>> rows = new ArrayList<>();
        try (ResultSet rs = st.executeQuery("SHOW " + what)) {
            ResultSetMetaData md = rs.getMetaData();
            while (rs.next()) {
                Map<String, String> row = new LinkedHashMap<>();
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    row.put(md.getColumnLabel(i), rs.getString(i));
                }
                rows.add(row);
            }
        }
        return rows;
    }
}
