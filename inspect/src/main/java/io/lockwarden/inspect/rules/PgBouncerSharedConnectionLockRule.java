package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.PgBouncerServer;
import io.lockwarden.inspect.PgBouncerView;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Severity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code pgbouncer-lock-on-shared-connection} (ERROR): a backend that is a PgBouncer server connection
 * in transaction (or statement) pooling holds advisory locks outside any transaction. The lock is
 * session-level and stays on the server connection, which PgBouncer hands to the next client: that
 * client "holds" the lock too, and mutual exclusion is broken. Linked by {@code SHOW SERVERS.remote_pid}.
 */
public final class PgBouncerSharedConnectionLockRule implements Rule {
    /** The stable id. */
    public static final String ID = "pgbouncer-lock-on-shared-connection";

    /** {@inheritDoc} */
    @Override
    public String id() {
        return ID;
    }

    /** {@inheritDoc} */
    @Override
    public List<Finding> evaluate(RuleContext ctx) {
        PgBouncerView view = ctx.snapshot().pgBouncer().orElse(null);
        if (view == null) {
            return List.of();
        }
        List<Finding> out = new ArrayList<>();
        for (int pid : ctx.pids()) {
            List<AdvisoryLockRow> held = ctx.held(pid);
            PgBouncerServer server = view.serverByRemotePid(pid).orElse(null);
            if (held.isEmpty() || server == null || !server.sharedBetweenClients()) {
                continue;
            }
            SessionInfo s = ctx.session(pid).orElse(null);
            boolean outsideTransaction = (s != null && s.idle()) || (!server.linked() && (s == null || s.state() == null));
            if (!outsideTransaction) {
                continue;
            }
            String message = "Backend " + pid + " is PgBouncer server connection for database '" + server.database()
                    + "' user '" + server.user() + "' in " + server.poolMode() + " pooling, and holds " + held.size()
                    + " session-level advisory lock(s) (" + Evidence.labels(held, ctx.heldKeys(pid)) + ") outside any transaction. "
                    + "PgBouncer gives this connection to whichever client runs the next transaction, and that "
                    + "client silently holds the lock as well: mutual exclusion is broken.";
            String fix = "Release it now: " + Evidence.release(pid) + ". Then stop taking session-level locks through transaction pooling: use pg_advisory_xact_lock "
                    + "inside a transaction, or connect lock holders to a session-mode pool or directly to PostgreSQL.";
            Map<String, Object> evidence = new LinkedHashMap<>();
            evidence.put("pgbouncer_database", server.database());
            evidence.put("pgbouncer_user", server.user());
            evidence.put("pool_mode", server.poolMode());
            evidence.put("lock_count", held.size());
            out.add(new Finding(ID, Severity.ERROR, List.of(pid), Evidence.capped(ctx.heldKeys(pid)), message, fix,
                    List.of(ctx.verdict(pid)), evidence));
        }
        return out;
    }
}
