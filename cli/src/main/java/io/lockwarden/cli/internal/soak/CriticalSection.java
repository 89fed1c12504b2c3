package io.lockwarden.cli.internal.soak;

import java.sql.Connection;
import java.sql.SQLException;

/** The work a soak worker does while it holds a lock, on the connection whose session or transaction holds it. */
@FunctionalInterface
public interface CriticalSection {
    /**
     * Runs the work.
     *
     * @throws SQLException when the database fails (including after an injected fault)
     * @throws InjectedFault when a fault is injected on purpose
     */
    void run(Connection connection) throws SQLException;
}
