package io.lockwarden.dist;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** The outcome of one external command: exit code and both streams, fully read. */
record CommandRun(List<String> command, int exit, String out, String err) {

    /**
     * Runs {@code command} in {@code dir} with exactly {@code env} as its environment (nothing inherited),
     * no standard input, and waits up to {@code timeoutMinutes}.
     *
     * @throws AssertionError when it does not finish in time (the process is killed)
     */
    static CommandRun run(Path dir, Map<String, String> env, long timeoutMinutes, List<String> command) {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile());
        pb.environment().clear();
        pb.environment().putAll(env);
        try {
            Process p = pb.start();
            p.getOutputStream().close();
            CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(p.getInputStream()));
            CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
            if (!p.waitFor(timeoutMinutes, TimeUnit.MINUTES)) {
                p.descendants().forEach(ProcessHandle::destroyForcibly);
                p.destroyForcibly();
                throw new AssertionError("did not finish within " + timeoutMinutes + " min: " + command);
            }
            return new CommandRun(command, p.exitValue(), out.join(), err.join());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted while running " + command, e);
        }
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Everything a failed assertion needs to show. */
    String describe() {
        return String.join(" ", command) + " exited " + exit + "\n--- stdout\n" + out + "\n--- stderr\n" + err;
    }
}
