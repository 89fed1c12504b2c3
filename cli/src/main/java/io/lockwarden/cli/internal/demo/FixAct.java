package io.lockwarden.cli.internal.demo;

import io.lockwarden.AdvisoryLocks;
import java.sql.Statement;
import java.time.Duration;

/** The last act: the same failing work through Lockwarden's transaction-scoped lock leaks nothing. */
final class FixAct implements DemoAct {
    @Override
    public String name() {
        return "fix";
    }

    @Override
    public void play(DemoStage stage, DemoOutput out, int number) throws Exception {
        out.heading(number, "the library's fix", "the same failing work through Lockwarden leaves no lock behind");
        out.say("  locks.withLock(LockKey.named(\"orders\", \"nightly-settlement\"), Duration.ofSeconds(5), work)");
        int before = stage.heldLocks();
        AdvisoryLocks locks = AdvisoryLocks.using(stage.pool());
        boolean failed = false;
        try {
            locks.withLock(DemoStage.KEY, Duration.ofSeconds(5), c -> {
                try (Statement st = c.createStatement()) {
                    st.execute("INSERT INTO settlement VALUES (1, NULL)");
                }
                return null;
            });
        } catch (RuntimeException expected) {
            failed = true;
            out.say("The work failed (" + Messages.root(expected) + "), the transaction rolled back, and "
                    + "pg_locks shows " + (stage.heldLocks() - before) + " new advisory locks: nothing leaked.");
        }
        out.expect(failed, "the work failed as in act 1 (a NULL amount)");
        out.expect(stage.heldLocks() == before, "the lock ended with the transaction");
        out.say("");
    }
}
