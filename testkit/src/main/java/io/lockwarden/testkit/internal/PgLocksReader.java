package io.lockwarden.testkit.internal;

import io.lockwarden.LockKey;
import io.lockwarden.inspect.AdvisoryLockRow;
import io.lockwarden.inspect.Inspector;
import io.lockwarden.inspect.SessionInfo;
import io.lockwarden.inspect.Snapshot;
import io.lockwarden.testkit.HeldAdvisoryLock;
import io.lockwarden.testkit.LockCheckScope;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Reads the granted advisory locks in scope through {@code inspect}'s {@link Snapshot} (one statement
 * over {@code pg_locks} and {@code pg_stat_activity}), on a connection the caller owns. Stateless and
 * thread-safe.
 */
public final class PgLocksReader {
    private PgLocksReader() {
    }

    /**
     * The granted advisory locks in scope, keys named as the scope knows them.
     *
     * @param connection an open autocommit connection to the server, not closed here
     * @throws io.lockwarden.inspect.InspectionException when the query fails (e.g. the connection is broken)
     */
    public static List<HeldAdvisoryLock> read(Connection connection, LockCheckScope scope) {
        Inspector.Builder builder = Inspector.builder().statements(false);
        scope.namespaces().forEach(builder::namespace);
        scope.knownKeys().forEach(builder::knownKey);
        Snapshot snapshot = builder.build().snapshot(connection);
        List<HeldAdvisoryLock> result = new ArrayList<>();
        for (AdvisoryLockRow row : snapshot.holders()) {
            Optional<SessionInfo> session = snapshot.session(row.pid());
            String user = session.map(SessionInfo::user).orElse(null);
            String app = session.map(SessionInfo::applicationName).orElse(null);
            if (!scope.includes(row.database(), user, app)) {
                continue;
            }
            LockKey key = KeyLabels.resolve(row.key(), scope);
            result.add(new HeldAdvisoryLock(row.pid(), key, KeyLabels.label(key, scope), row.mode(), row.database(),
                    user, app, session.map(SessionInfo::state).orElse(null),
                    session.map(SessionInfo::query).orElse(null)));
        }
        return result;
    }
}
