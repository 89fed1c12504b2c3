package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code lockwarden demo} in-process: every act, with and without PgBouncer, one act alone, bad options. */
class DemoCommandTest {

    private record Run(int exit, String out, String err) {
    }

    private static Run demo(String path, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] all = new String[args.length + 1];
        all[0] = "demo";
        System.arraycopy(args, 0, all, 1, args.length);
        int exit = Main.run(CliContext.of(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of("PATH", path)), all);
        return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void everyActTellsItsPartAndChecksItselfWithPgBouncerInTransactionPooling() {
        Run r = demo("/usr/sbin:/usr/bin:/bin");

        assertThat(r.exit()).as("stdout:%n%s%nstderr:%n%s", r.out(), r.err()).isZero();
        assertThat(r.out())
                .contains("== Act 1: the leak", "== Act 2: behind PgBouncer (transaction pooling)",
                        "== Act 3: diagnose", "== Act 4: the watchdog", "== Act 5: the post-mortem",
                        "== Act 6: the library's fix")
                .contains("still shows 1 advisory lock held by pid")
                // PgBouncer: the demo's own counter proves mutual exclusion broken, diagnose links the pooled connection
                .contains("The demo's counter: 2 clients inside the critical section at once")
                .contains("ok: diagnose links the lock to PgBouncer's server connection")
                .contains("PgBouncer server connection in transaction pooling holds 1 session-level advisory lock")
                // the watchdog: metrics, dashboard URL, dry-run, then enforcement with its audit line
                .containsPattern("Dashboard: http://127\\.0\\.0\\.1:\\d+/")
                .contains("lockwarden_idle_holders{target=\"demo\"} 1.0")
                .contains("\"decision\":\"dry-run\"", "\"decision\":\"terminate\",\"outcome\":\"terminated\"")
                .contains("ok: the waiting worker got the lock; the leak is gone")
                // postmortem from the server's own log
                .contains("Terminations:  1", "(administrator command)")
                .contains("shows 0 new advisory locks: nothing leaked")
                .contains("Demo complete: every act behaved as described.")
                .doesNotContain("NOT AS EXPECTED")
                .doesNotContain("lockwarden-test"); // the embedded server's password is never shown
        assertThat(r.err()).doesNotContain("lockwarden-test");
    }

    @Test
    void withoutPgBouncerThePooledActIsOneLineAndTheDemoStillPasses() {
        Run r = demo("/nonexistent", "--act", "pgbouncer");

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("== Act 2"))).containsExactly(
                "== Act 2: PgBouncer: skipped, pgbouncer is not on the PATH (install it, or give --pgbouncer-bin "
                        + "/usr/sbin/pgbouncer); act 1 showed the direct version.");
        assertThat(r.out()).doesNotContain("== Act 1", "== Act 3");
    }

    @Test
    void thePostmortemActAloneStagesTheIncidentItExplains() {
        Run r = demo("/nonexistent", "--act", "postmortem");

        assertThat(r.exit()).as(r.out() + r.err()).isZero();
        assertThat(r.out()).contains("== Act 5: the post-mortem", "ok: release ended pid", "Terminations:  1")
                .doesNotContain("NOT AS EXPECTED", "== Act 4");
    }

    @Test
    void anUnknownActOrAMissingPgBouncerBinaryIsOneLineAndExitTwo() {
        Run act = demo("/usr/bin", "--act", "encore");
        assertThat(act.exit()).isEqualTo(2);
        assertThat(act.err().strip()).isEqualTo("lockwarden: --act 'encore' is not an act: use one of leak, "
                + "pgbouncer, diagnose, watch, postmortem, fix");

        Run bin = demo("/usr/bin", "--pgbouncer-bin", "/nonexistent/pgbouncer");
        assertThat(bin.exit()).isEqualTo(2);
        assertThat(bin.err().lines()).hasSize(1);
        assertThat(bin.err()).contains("--pgbouncer-bin /nonexistent/pgbouncer is not an executable file");
    }
}
