package io.lockwarden.inspect;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What PgBouncer's admin console reported at snapshot time.
 *
 * @param servers   {@code SHOW SERVERS}, with pool modes filled in from {@code SHOW POOLS}
 * @param pools     {@code SHOW POOLS} rows, column name to text value
 * @param clients   {@code SHOW CLIENTS} rows, column name to text value
 * @param databases {@code SHOW DATABASES} rows, column name to text value
 * @param config    {@code SHOW CONFIG}: setting name to value (e.g. {@code pool_mode},
 *                  {@code server_reset_query}, {@code server_reset_query_always})
 */
public record PgBouncerView(List<PgBouncerServer> servers, List<Map<String, String>> pools,
                            List<Map<String, String>> clients, List<Map<String, String>> databases,
                            Map<String, String> config) {

    /** Copies all collections. */
    public PgBouncerView {
        servers = List.copyOf(servers);
        pools = List.copyOf(pools);
        clients = List.copyOf(clients);
        databases = List.copyOf(databases);
        config = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(config));
    }

    /** The server connection whose backend pid is {@code pid}, if PgBouncer owns it. */
    public Optional<PgBouncerServer> serverByRemotePid(int pid) {
        return servers.stream().filter(s -> s.remotePid() == pid).findFirst();
    }

    /** A {@code SHOW CONFIG} value; empty when absent. */
    public Optional<String> configValue(String key) {
        return Optional.ofNullable(config.get(key));
    }

    /** True when at least one pool (other than the admin console's own) runs in transaction or statement mode. */
    public boolean anyPoolSharesConnections() {
        return pools.stream().filter(p -> !"pgbouncer".equals(p.get("database"))).map(p -> p.get("pool_mode"))
                .anyMatch(m -> "transaction".equals(m) || "statement".equals(m));
    }
}
