package io.lockwarden.cli.internal.demo;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Act 3: {@code lockwarden diagnose} names the leaking session, why it is stuck and the fix. */
final class DiagnoseAct implements DemoAct {
    private final CommandRunner commands;

    DiagnoseAct(CommandRunner commands) {
        this.commands = commands;
    }

    @Override
    public String name() {
        return "diagnose";
    }

    @Override
    public void play(DemoStage stage, DemoOutput out, int number) throws Exception {
        int pid = stage.ensureLeak();
        String url = stage.server().jdbcUrl();
        out.heading(number, "diagnose", "diagnose finds the idle session holding the lock, the worker behind it, "
                + "and the one safe fix");
        out.say("$ lockwarden diagnose --url " + url + " --namespace orders --idle-threshold 0s");
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        int exit = commands.run(new PrintStream(new Tee(out.out(), captured), true, StandardCharsets.UTF_8),
                "diagnose", "--url", url, "--namespace", "orders", "--idle-threshold", "0s");
        String text = captured.toString(StandardCharsets.UTF_8);
        out.expect(exit == 1, "diagnose exits 1: findings (it was " + exit + ")");
        out.expect(text.contains(Integer.toString(pid)), "diagnose names the leaking pid " + pid);
        out.say("");
    }
}
