package io.lockwarden.inspect.internal;

import io.lockwarden.connect.ConnectionSettings;
import io.lockwarden.connect.ConsoleException;
import io.lockwarden.connect.PgBouncerConsole;
import io.lockwarden.inspect.InspectionException;
import io.lockwarden.inspect.PgBouncerServer;
import io.lockwarden.inspect.PgBouncerView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads PgBouncer's admin console ({@code SHOW SERVERS/POOLS/CLIENTS/DATABASES/CONFIG}) with Lockwarden's
 * own console client ({@link PgBouncerConsole}: pgjdbc cannot log in to a stock console): one login, then
 * the five commands in one round trip. Thread-safe (each read opens its own connection).
 */
public final class PgBouncerReader {
    private final ConnectionSettings console;

    /** A reader of the console these settings reach (database {@code pgbouncer}, an admin or stats user). */
    public PgBouncerReader(ConnectionSettings console) {
        this.console = console;
    }

    /**
     * Reads the console once.
     *
     * @throws InspectionException when the console cannot be reached or refuses the login or a command; its
     *         cause is the {@link ConsoleException} saying which case it was
     */
    public PgBouncerView read() {
        try (PgBouncerConsole c = PgBouncerConsole.connect(console)) {
            List<List<Map<String, String>>> r = c.queryAll(
                    List.of("SHOW SERVERS", "SHOW POOLS", "SHOW CLIENTS", "SHOW DATABASES", "SHOW CONFIG"));
            List<Map<String, String>> servers = r.get(0);
            List<Map<String, String>> pools = r.get(1);
            List<Map<String, String>> clients = r.get(2);
            List<Map<String, String>> databases = r.get(3);
            Map<String, String> config = new LinkedHashMap<>();
            for (Map<String, String> row : r.get(4)) {
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
        } catch (ConsoleException e) {
            throw new InspectionException(e.getMessage(), e);
        }
    }
}
