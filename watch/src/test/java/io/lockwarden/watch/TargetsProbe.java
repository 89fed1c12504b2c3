package io.lockwarden.watch;

import java.util.function.BooleanSupplier;

/** {@link Targets#await} for the tests of the internal package. */
public final class TargetsProbe {
    private TargetsProbe() {
    }

    /** Polls until true, for up to {@code seconds}; fails with {@code what} otherwise. */
    public static void await(String what, int seconds, BooleanSupplier condition) throws InterruptedException {
        Targets.await(what, seconds, condition);
    }
}
