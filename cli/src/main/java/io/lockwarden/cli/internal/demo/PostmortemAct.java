package io.lockwarden.cli.internal.demo;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Act 5: {@code lockwarden postmortem} on the demo server's own log tells what just happened: who waited behind
 * whom on which key, and how the wait ended. Run alone, the act first stages the leak and ends it with
 * {@code lockwarden release}, so the log has a story.
 */
final class PostmortemAct implements DemoAct {
    private final CommandRunner commands;

    PostmortemAct(CommandRunner commands) {
        this.commands = commands;
    }

    @Override
    public String name() {
        return "postmortem";
    }

    @Override
    public void play(DemoStage stage, DemoOutput out, int number) throws Exception {
        out.heading(number, "the post-mortem", "the server log alone tells the incident: the wait, the holder, how "
                + "it ended");
        if (!stage.everLeaked()) {
            stage.ensureLeak();
        }
        if (stage.leakedPid() > 0) {
            int pid = stage.leakedPid();
            Thread.sleep(500); // longer than deadlock_timeout: the wait is logged
            out.say("(ending the staged leak first: lockwarden release --pid " + pid + " --yes)");
            int exit = commands.run(new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8),
                    "release", "--url", stage.server().jdbcUrl(), "--pid", Integer.toString(pid), "--namespace",
                    "orders", "--yes");
            stage.waiting().get(20, TimeUnit.SECONDS);
            stage.leakEnded();
            out.expect(exit == 0, "release ended pid " + pid);
        }
        Path log = stage.server().dataDirectory().getParent().resolve("server.log");
        out.say("$ lockwarden postmortem " + log);
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit = commands.run(new PrintStream(new Tee(out.out(), captured), true, StandardCharsets.UTF_8),
                "postmortem", log.toString(), "--namespace", "orders");
        String text = captured.toString(StandardCharsets.UTF_8);
        out.expect(exit == 1, "postmortem exits 1: an incident in the log (it was " + exit + ")");
        out.expect(text.contains("orders/nightly-settlement") || text.contains("orders/#"),
                "it names the key, decoded: orders/...");
        out.say("");
    }
}
