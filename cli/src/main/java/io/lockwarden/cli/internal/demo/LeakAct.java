package io.lockwarden.cli.internal.demo;

/** Act 1: a session lock leaks out of a rolled-back transaction into the pool, and the next worker waits. */
final class LeakAct implements DemoAct {
    @Override
    public String name() {
        return "leak";
    }

    @Override
    public void play(DemoStage stage, DemoOutput out, int number) throws Exception {
        out.heading(number, "the leak", "a session lock taken in a transaction outlives its ROLLBACK and blocks "
                + "the next worker");
        out.say("The orders service takes a session-level lock inside a transaction:");
        // lockwarden:ignore all the demo prints the seed bug's SQL
        out.say("  BEGIN; SELECT pg_advisory_lock(" + DemoStage.KEY.sqlArguments() + "); INSERT ... -- fails; ROLLBACK;");
        int pid = stage.ensureLeak();
        int held = stage.heldBy(pid);
        out.say("The transaction rolled back and the connection went back to the pool, but pg_locks still shows "
                + held + " advisory lock held by pid " + pid + ".");
        out.say("The next worker (another instance) now waits behind it, and will wait until someone acts.");
        out.expect(held == 1, "pg_locks: the pooled connection (pid " + pid + ") still holds the lock");
        out.expect(stage.waitingSessions() == 1, "pg_stat_activity: one session waits (wait_event 'advisory')");
        out.say("");
    }
}
