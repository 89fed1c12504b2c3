package io.lockwarden.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    @Test
    void demoReproducesDiagnosesReleasesAndPreventsTheLeak() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int exit = Main.run(CliContext.of(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), Map.of()), "demo");
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(exit).as("stdout:%n%s%nstderr:%n%s", text, err).isZero();
        assertThat(text)
                .contains("still shows 1 advisory lock held by pid")
                .contains("orders/#")
                .contains("got the lock once the leaked session was ended")
                .contains("shows 0 advisory locks: nothing leaked")
                .doesNotContain("NOT AS EXPECTED")
                .doesNotContain("lockwarden-test"); // the embedded server's password is never shown
    }
}
