package io.lockwarden.cli.internal.soak;

/** Thrown inside a unit of work to inject a fault on purpose; counted, never reported as an error. */
public final class InjectedFault extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** A fault of this kind. */
    public InjectedFault(Fault fault) {
        super("injected fault: " + fault.cliName(), null, false, false);
    }
}
