package io.lockwarden.guard.internal;

import java.sql.CallableStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one guarded statement follows between calls, whichever form the statement takes ({@link GuardedStatement}
 * or the {@link StatementGuard} proxy): runs whose plan mentions advisory locks are checked first
 * ({@link ConnectionGuard#beforeLocking}) and applied to the connection's tracker once they succeed; batched
 * plans wait for the batch; {@code pg_try_*} results are read from the ResultSet of the segment that holds them
 * (or from a CallableStatement's out parameter). Used by one thread at a time, as JDBC statements are.
 */
final class StatementTracking {
    /** One call to the driver. */
    interface Call<T, E extends Throwable> {
        T run() throws E;
    }

    private record BatchEntry(StatementPlan plan, Map<Integer, Object> params) {
    }

    private final ConnectionGuard connection;
    private List<BatchEntry> batch;
    private Execution last;
    private int resultIndex;

    StatementTracking(ConnectionGuard connection) {
        this.connection = connection;
    }

    /**
     * Runs one execution of {@code plan} with its bound {@code params} (null when it binds none).
     *
     * @param raw       the driver's statement (read for an out parameter when it is a CallableStatement)
     * @param statement what a watched ResultSet answers to {@code getStatement()}
     */
    <T, E extends Throwable> T run(StatementPlan plan, Map<Integer, Object> params, Statement raw, Object statement,
                                   Call<T, E> call) throws E, SQLException {
        if (!plan.relevant()) {
            last = null;
            return call.run();
        }
        connection.beforeLocking(plan, params, true);
        T result;
        try {
            result = call.run();
        } catch (Throwable e) {
            failed(e);
            throw e; // rethrows only what call.run() declares
        }
        last = connection.applied(plan, params, true);
        resultIndex = 0;
        if (raw instanceof CallableStatement cs) {
            last.readOutParameter(cs, connection.tracker());
        }
        if (result instanceof ResultSet rs) {
            @SuppressWarnings("unchecked")
            T watched = (T) result(rs, statement);
            return watched;
        }
        return result;
    }

    /** Adds a plan to the batch, with a copy of its bound parameters (null when it binds none). */
    void addBatch(StatementPlan plan, Map<Integer, Object> params) {
        if (batch == null) {
            batch = new ArrayList<>();
        }
        batch.add(new BatchEntry(plan, params == null ? null : new HashMap<>(params)));
    }

    /** Forgets the batch. */
    void clearBatch() {
        batch = null;
    }

    /** Runs the batch; the plans that mention advisory locks are applied once it succeeds. */
    <T, E extends Throwable> T runBatch(Call<T, E> call) throws E, SQLException {
        List<BatchEntry> entries = batch == null ? List.of() : batch;
        batch = null;
        boolean relevant = false;
        for (BatchEntry e : entries) {
            if (e.plan().relevant()) {
                connection.beforeLocking(e.plan(), e.params(), false);
                relevant = true;
            }
        }
        if (!relevant) {
            return call.run();
        }
        T result;
        try {
            result = call.run();
        } catch (Throwable e) {
            failed(e); // entries of a batch that ran count on the server
            throw e;
        }
        for (BatchEntry e : entries) {
            if (e.plan().relevant()) {
                connection.applied(e.plan(), e.params(), false);
            }
        }
        return result;
    }

    /** After a failed driver call: what it may have locked before failing is for pg_locks to settle at return. */
    private void failed(Throwable e) {
        if (e instanceof SQLException) {
            connection.tracker().unfollowed(ConnectionGuard.site());
        }
    }

    /** The statement moved on to its next result. */
    void nextResult() {
        resultIndex++;
    }

    /** The ResultSet as the application should see it: watched when it holds try-lock results of the last run. */
    ResultSet result(ResultSet rs, Object statement) {
        if (rs == null || last == null || !last.hasPendingTries(resultIndex)) {
            return rs;
        }
        return last.watch(rs, resultIndex, connection.tracker(), statement);
    }
}
