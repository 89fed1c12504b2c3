package io.lockwarden.cli.internal.demo;

import java.io.PrintStream;

/**
 * What the demo prints: act headings, what each act proves, and the checks it makes of itself. Remembers whether
 * every check held. Not thread-safe: one demo thread prints.
 */
public final class DemoOutput {
    private final PrintStream out;
    private boolean allHeld = true;

    /** Prints to {@code out}. */
    public DemoOutput(PrintStream out) {
        this.out = out;
    }

    /** The stream acts print their own lines to. */
    public PrintStream out() {
        return out;
    }

    /** {@code == Act N: title}, then what the act is about to prove. */
    public void heading(int number, String title, String proves) {
        out.println("== Act " + number + ": " + title);
        out.println("   proves: " + proves);
    }

    /** One line of the story. */
    public void say(String line) {
        out.println(line);
    }

    /** Prints the check as held or not and returns it; a check that fails makes the demo exit 1. */
    public boolean expect(boolean held, String what) {
        out.println((held ? "  ok: " : "  NOT AS EXPECTED: ") + what);
        allHeld &= held;
        return held;
    }

    /** True when no check failed so far. */
    public boolean allHeld() {
        return allHeld;
    }
}
