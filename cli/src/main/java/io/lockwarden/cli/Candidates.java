package io.lockwarden.cli;

import java.util.Iterator;
import java.util.List;

/**
 * The fixed values of options that are typed as text, for shell completion ({@code completionCandidates}) and
 * help: picocli's generated bash (and, through bashcompinit, zsh) completion offers them. One nested class per
 * value set. Immutable; thread-safe.
 */
final class Candidates {
    private Candidates() {
    }

    private abstract static class Values implements Iterable<String> {
        private final List<String> values;

        Values(String... values) {
            this.values = List.of(values);
        }

        @Override
        public Iterator<String> iterator() {
            return values.iterator();
        }
    }

    /** {@code soak --mode}. */
    static final class SoakModes extends Values {
        SoakModes() {
            super("lockwarden", "session-raw", "xact-raw");
        }
    }

    /** {@code soak --faults} (also comma-separated combinations). */
    static final class SoakFaults extends Values {
        SoakFaults() {
            super("all", "none", "exception", "terminate", "pool-evict", "client-kill");
        }
    }

    /** {@code watch --enforce}. */
    static final class EnforceModes extends Values {
        EnforceModes() {
            super("off", "dry-run", "enforce");
        }
    }

    /** {@code postmortem --log-format}. */
    static final class LogFormats extends Values {
        LogFormats() {
            super("stderr", "csvlog", "jsonlog", "syslog");
        }
    }

    /** {@code postmortem --format}. */
    static final class PostmortemFormats extends Values {
        PostmortemFormats() {
            super("text", "json", "html");
        }
    }

    /** {@code scan --format}. */
    static final class ScanFormats extends Values {
        ScanFormats() {
            super("text", "json", "sarif");
        }
    }
}
