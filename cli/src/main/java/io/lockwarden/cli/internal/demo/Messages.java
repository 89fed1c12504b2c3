package io.lockwarden.cli.internal.demo;

/** The first line of an exception chain's root message, for one-line reports. */
final class Messages {
    private Messages() {
    }

    static String root(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
        return m.lines().findFirst().orElse(m);
    }
}
