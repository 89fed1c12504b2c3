package io.lockwarden.inspect;

import io.lockwarden.LockKey;
import io.lockwarden.connect.ConnectionSettings;
import io.lockwarden.inspect.internal.Incidents;
import io.lockwarden.inspect.internal.PgBouncerReader;
import io.lockwarden.inspect.internal.SnapshotQuery;
import io.lockwarden.inspect.rules.Rule;
import io.lockwarden.inspect.rules.RuleContext;
import io.lockwarden.inspect.rules.RuleOptions;
import io.lockwarden.inspect.rules.Rules;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;

/**
 * Reads a PostgreSQL server's advisory lock state ({@link #snapshot()}) and explains it
 * ({@link #findings(Snapshot)}, {@link #diagnose()}). Read-only: it never takes or releases a lock.
 *
 * <pre>{@code
 * Inspector inspector = Inspector.builder(dataSource)
 *         .namespace("billing")                           // decode named keys of this namespace
 *         .pgBouncer(consoleSettings)                     // optional: link pooled connections by remote_pid
 *         .build();
 * Diagnosis d = inspector.diagnose();
 * }</pre>
 *
 * <p>Each snapshot borrows one connection from the data source for one round trip (plus one
 * optional {@code pg_stat_statements} query) and returns it. Immutable and thread-safe: concurrent
 * snapshots use separate connections.
 */
public final class Inspector {
    private final DataSource dataSource;
    private final ConnectionSettings pgBouncer;
    private final KeyDecoder decoder;
    private final List<Rule> rules;
    private final RuleOptions options;
    private final boolean statements;
    private final boolean fullQueryText;

    private Inspector(Builder b) {
        this.dataSource = b.dataSource;
        this.pgBouncer = b.pgBouncer;
        this.decoder = new KeyDecoder(List.copyOf(b.namespaces), List.copyOf(b.knownKeys));
        this.rules = List.copyOf(b.rules);
        this.options = b.options;
        this.statements = b.statements;
        this.fullQueryText = b.fullQueryText;
    }

    /** An inspector with the default rules and options and no PgBouncer console. */
    public static Inspector of(DataSource dataSource) {
        return builder(dataSource).build();
    }

    /** A builder for an inspector reading through {@code dataSource} (any role; see {@link Visibility}). */
    public static Builder builder(DataSource dataSource) {
        return new Builder(Objects.requireNonNull(dataSource, "dataSource"));
    }

    /**
     * A builder for an inspector that only reads over connections its caller owns: use
     * {@link #snapshot(Connection)}; {@link #snapshot()} and {@link #diagnose()} then throw
     * {@link IllegalStateException}.
     */
    public static Builder builder() {
        return new Builder(null);
    }

    /**
     * Reads the server (and the PgBouncer console, when configured) once, over a connection borrowed
     * from the data source.
     *
     * @throws InspectionException when the server or console cannot be reached or a query fails; the
     *         message names the problem and the fix, never a password
     * @throws IllegalStateException when built with {@link #builder()}, without a data source
     */
    public Snapshot snapshot() {
        if (dataSource == null) {
            throw new IllegalStateException("this Inspector was built without a DataSource: use snapshot(Connection), "
                    + "or build it with Inspector.builder(dataSource)");
        }
        PgBouncerView bouncer = pgBouncer == null ? null : new PgBouncerReader(pgBouncer).read();
        try (Connection c = dataSource.getConnection()) {
            return read(c, bouncer);
        } catch (SQLException e) {
            throw new InspectionException("cannot read advisory locks from PostgreSQL (" + describe(e)
                    + "): check the URL, that the server is up and the credentials", e);
        }
    }

    /**
     * Reads the server over a connection the caller owns and keeps open (for repeated sampling). The
     * connection must be in autocommit mode; it is not closed.
     *
     * @throws InspectionException when a query fails
     */
    public Snapshot snapshot(Connection connection) {
        PgBouncerView bouncer = pgBouncer == null ? null : new PgBouncerReader(pgBouncer).read();
        try {
            return read(connection, bouncer);
        } catch (SQLException e) {
            throw new InspectionException("cannot read advisory locks from PostgreSQL (" + describe(e) + ")", e);
        }
    }

    private Snapshot read(Connection c, PgBouncerView bouncer) throws SQLException {
        return new SnapshotQuery(decoder, fullQueryText).read(c, bouncer, statements);
    }

    /** Runs every rule on a snapshot; findings worst first, then by rule id. Never fails on valid input. */
    public List<Finding> findings(Snapshot snapshot) {
        return findings(new RuleContext(snapshot, options));
    }

    private List<Finding> findings(RuleContext context) {
        List<Finding> out = new ArrayList<>();
        for (Rule rule : rules) {
            out.addAll(rule.evaluate(context));
        }
        out.sort(Comparator.comparing(Finding::severity).reversed().thenComparing(Finding::rule));
        return out;
    }

    /**
     * Takes a snapshot and evaluates it.
     *
     * @throws InspectionException as {@link #snapshot()}
     */
    public Diagnosis diagnose() {
        return diagnose(snapshot());
    }

    /**
     * Evaluates a snapshot: every rule, then the findings grouped into incidents, over one index of the snapshot
     * (cheaper than {@link #findings(Snapshot)} followed by {@code new Diagnosis(snapshot, findings)}, which index
     * it twice). Never fails on valid input; thread-safe.
     */
    public Diagnosis diagnose(Snapshot snapshot) {
        // Lockwarden's own sessions (the watchdog's leader lock) are not leaks: the rules never see them
        RuleContext context = new RuleContext(withoutOwnSessions(snapshot), options);
        List<Finding> findings = findings(context);
        return new Diagnosis(snapshot, findings, Incidents.group(context, findings));
    }

    /** The snapshot without Lockwarden's own sessions and their locks ({@link LockwardenSessions}). */
    static Snapshot withoutOwnSessions(Snapshot s) {
        java.util.Set<Integer> own = new java.util.HashSet<>();
        for (int pid : s.holderPids()) {
            if (LockwardenSessions.own(s, pid)) {
                own.add(pid);
            }
        }
        if (own.isEmpty()) {
            return s;
        }
        return new Snapshot(s.takenAt(), s.serverVersion(), s.serverVersionNum(), s.settings(), s.visibility(),
                s.locks().stream().filter(r -> !own.contains(r.pid())).toList(),
                s.sessions().stream().filter(x -> !own.contains(x.pid())).toList(), s.lockTableEntries(),
                s.pgBouncer(), s.statements(), s.prepared());
    }

    /** The rule thresholds this inspector uses. */
    public RuleOptions options() {
        return options;
    }

    private static String describe(SQLException e) {
        String state = e.getSQLState() == null ? "" : "SQLSTATE " + e.getSQLState() + ": ";
        return state + e.getMessage();
    }

    /** Configures an {@link Inspector}. Not thread-safe; the built inspector is. */
    public static final class Builder {
        private final DataSource dataSource;
        private ConnectionSettings pgBouncer;
        private final List<String> namespaces = new ArrayList<>();
        private final List<LockKey> knownKeys = new ArrayList<>();
        private final List<Rule> rules = new ArrayList<>(Rules.defaults());
        private RuleOptions options = RuleOptions.defaults();
        private boolean statements = true;
        private boolean fullQueryText;

        private Builder(DataSource dataSource) {
            this.dataSource = dataSource;
        }

        /** Pair keys whose first int is the hash of {@code namespace} are shown as belonging to it. */
        public Builder namespace(String namespace) {
            LockKey.hash(namespace);
            namespaces.add(namespace);
            return this;
        }

        /** A named key to recognize in {@code pg_locks} and show by name (its namespace is also registered). */
        public Builder knownKey(LockKey key) {
            knownKeys.add(Objects.requireNonNull(key, "key"));
            return this;
        }

        /**
         * PgBouncer's admin console (database {@code pgbouncer}, as a user in {@code admin_users} or
         * {@code stats_users}; build the settings with {@link io.lockwarden.connect.ConnectionResolver}):
         * server connections are linked to backends by {@code remote_pid}. Read with Lockwarden's own
         * console client, which works on a stock PgBouncer, in one round trip after the login.
         */
        public Builder pgBouncer(ConnectionSettings console) {
            this.pgBouncer = Objects.requireNonNull(console, "console");
            return this;
        }

        /** Replaces the rule thresholds. */
        public Builder options(RuleOptions options) {
            this.options = Objects.requireNonNull(options, "options");
            return this;
        }

        /** Adds a rule after the defaults. */
        public Builder rule(Rule rule) {
            rules.add(Objects.requireNonNull(rule, "rule"));
            return this;
        }

        /** Replaces all rules (e.g. with a subset of {@link Rules#defaults()}). */
        public Builder rules(List<Rule> replacement) {
            rules.clear();
            rules.addAll(replacement);
            return this;
        }

        /** Whether to read {@code pg_stat_statements} when installed (default true; one extra query). */
        public Builder statements(boolean read) {
            this.statements = read;
            return this;
        }

        /**
         * Whether snapshots keep query texts whole (default false). By default every literal in a query text
         * ({@link SessionInfo#query()}, {@link StatementStat#query()}) is replaced by a placeholder
         * ({@link QueryText#normalize}), so passwords, personal data and tokens in statements never leave
         * through a snapshot. <b>Sensitive:</b> true exposes whatever the sessions' statements contain to every
         * consumer of the snapshot (terminal, JSON, the watchdog's API and logs).
         */
        public Builder fullQueryText(boolean full) {
            this.fullQueryText = full;
            return this;
        }

        /** Builds the inspector. Does not connect. */
        public Inspector build() {
            return new Inspector(this);
        }
    }
}
