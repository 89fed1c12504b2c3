package io.lockwarden.postmortem.internal;

/**
 * A {@link LinePrefix} matched on the bytes of an ASCII line without the regular expression: the same elements,
 * tried in the same order (greedy longest first, lazy shortest first, {@code %q} parts present first), so the
 * severity it finds is the one {@link LinePrefix#match(String)} finds. It answers {@link #UNSURE} when it cannot
 * be certain (a prefix with non-ASCII text, or too much backtracking), and the caller then runs the regular
 * expression. Captures the spans of the {@code time}, {@code pid} and {@code db} groups on a match. Not
 * thread-safe: one per reading thread ({@link #copy()}).
 */
public final class PrefixMatcher {
    /** The line starts with the prefix and {@code SEVERITY:  }. */
    public static final int MATCH = 1;
    /** It does not. */
    public static final int NO_MATCH = 0;
    /** Undecided here: run {@link LinePrefix#match(String)}. */
    public static final int UNSURE = -1;
    /** Capture slots. */
    public static final int TIME = 0;
    /** Capture slot of the first {@code %p}. */
    public static final int PID = 1;
    /** Capture slot of the first {@code %d}. */
    public static final int DB = 2;

    private static final int LIT = 0;
    private static final int STAMP = 1;
    private static final int EPOCH = 2;
    private static final int DIGITS1 = 3;
    private static final int DIGITS0 = 4;
    private static final int NONSPACE_LAZY = 5;
    private static final int ANY_LAZY = 6;
    private static final int SESSION = 7;
    private static final int SQLSTATE = 8;
    private static final int QID = 9;
    private static final int OPTIONAL = 10;
    private static final int PAD = 11;
    private static final int MAX_STEPS = 20_000;

    private final int[] type;
    private final byte[] lit;
    private final int[] capture;
    private final boolean supported;
    private final int[] capStart = new int[3];
    private final int[] capEnd = new int[3];
    private int sevStart;
    private int sevEnd;
    private int steps;

    private PrefixMatcher(int[] type, byte[] lit, int[] capture, boolean supported) {
        this.type = type;
        this.lit = lit;
        this.capture = capture;
        this.supported = supported;
    }

    /** The matcher of {@code prefix}, built from its text exactly as {@link LinePrefix} builds its pattern. */
    public static PrefixMatcher of(LinePrefix prefix) {
        String text = prefix.text();
        int[] type = new int[text.length() * 3 + 2];
        byte[] lit = new byte[type.length];
        int[] cap = new int[type.length];
        int n = 0;
        boolean supported = true;
        boolean time = false;
        boolean pid = false;
        boolean db = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c != '%' || i + 1 >= text.length()) {
                if (c > 127) {
                    supported = false;
                }
                cap[n] = -1;
                lit[n] = (byte) c;
                type[n++] = LIT;
                continue;
            }
            int j = i + 1;
            boolean padded = false;
            while (j < text.length() && (text.charAt(j) == '-' || Character.isDigit(text.charAt(j)))) {
                padded = true;
                j++;
            }
            if (j >= text.length()) {
                break;
            }
            char e = text.charAt(j);
            i = j;
            if (padded) {
                cap[n] = -1;
                type[n++] = PAD;
            }
            int t;
            int k = -1;
            switch (e) {
                case 'm', 't', 's' -> {
                    t = STAMP;
                    if (e != 's' && !time) {
                        k = TIME;
                        time = true;
                    }
                }
                case 'n' -> {
                    t = EPOCH;
                    if (!time) {
                        k = TIME;
                        time = true;
                    }
                }
                case 'p' -> {
                    t = DIGITS1;
                    if (!pid) {
                        k = PID;
                        pid = true;
                    }
                }
                case 'l' -> t = DIGITS1;
                case 'P', 'x' -> t = DIGITS0;
                case 'u', 'r', 'h', 'v' -> t = NONSPACE_LAZY;
                case 'd' -> {
                    t = NONSPACE_LAZY;
                    if (!db) {
                        k = DB;
                        db = true;
                    }
                }
                case 'a', 'b', 'i' -> t = ANY_LAZY;
                case 'c' -> t = SESSION;
                case 'e' -> t = SQLSTATE;
                case 'Q' -> t = QID;
                case 'q' -> t = OPTIONAL;
                case '%' -> {
                    t = LIT;
                    lit[n] = '%';
                }
                default -> {
                    if (e > 127) {
                        supported = false;
                    }
                    cap[n] = -1;
                    lit[n] = '%';
                    type[n++] = LIT;
                    t = LIT;
                    lit[n] = (byte) e;
                }
            }
            cap[n] = k;
            type[n++] = t;
            if (padded) {
                cap[n] = -1;
                type[n++] = PAD;
            }
        }
        return new PrefixMatcher(java.util.Arrays.copyOf(type, n), java.util.Arrays.copyOf(lit, n),
                java.util.Arrays.copyOf(cap, n), supported);
    }

    /** A matcher with the same prefix and its own capture state, for another thread. */
    public PrefixMatcher copy() {
        return new PrefixMatcher(type, lit, capture, supported);
    }

    /**
     * Matches the ASCII line {@code b[from, to)} (no line terminators in it).
     *
     * @return {@link #MATCH}, {@link #NO_MATCH} or {@link #UNSURE}
     */
    public int match(byte[] b, int from, int to) {
        if (!supported) {
            return UNSURE;
        }
        capStart[0] = capStart[1] = capStart[2] = -1;
        capEnd[0] = capEnd[1] = capEnd[2] = -1;
        steps = 0;
        try {
            return m(b, from, to, 0) ? MATCH : NO_MATCH;
        } catch (TooComplex e) {
            return UNSURE;
        }
    }

    /** Start of the severity word of the last match. */
    public int sevStart() {
        return sevStart;
    }

    /** End (exclusive) of the severity word of the last match; the message starts 3 bytes later. */
    public int sevEnd() {
        return sevEnd;
    }

    /** Start of capture {@code slot} ({@link #TIME}, {@link #PID}, {@link #DB}) of the last match, or -1. */
    public int start(int slot) {
        return capStart[slot];
    }

    /** End of capture {@code slot} of the last match, or -1. */
    public int end(int slot) {
        return capEnd[slot];
    }

    private boolean m(byte[] b, int i, int to, int el) {
        if (++steps > MAX_STEPS) {
            throw TooComplex.INSTANCE;
        }
        if (el == type.length) {
            return sev(b, i, to);
        }
        int next = el + 1;
        switch (type[el]) {
            case LIT -> {
                return i < to && b[i] == lit[el] && m(b, i + 1, to, next);
            }
            case PAD -> {
                int k = i;
                while (k < to && b[k] == ' ') {
                    k++;
                }
                for (int j = k; j >= i; j--) {
                    if (m(b, j, to, next)) {
                        return true;
                    }
                }
                return false;
            }
            case DIGITS1, DIGITS0 -> {
                int k = digits(b, i, to);
                int min = type[el] == DIGITS1 ? i + 1 : i;
                for (int j = k; j >= min; j--) {
                    if (m(b, j, to, next)) {
                        return got(el, i, j);
                    }
                }
                return false;
            }
            case QID -> {
                if (i < to && b[i] == '-') {
                    for (int j = digits(b, i + 1, to); j >= i + 1; j--) {
                        if (m(b, j, to, next)) {
                            return true;
                        }
                    }
                }
                for (int j = digits(b, i, to); j >= i; j--) {
                    if (m(b, j, to, next)) {
                        return true;
                    }
                }
                return false;
            }
            case NONSPACE_LAZY -> {
                for (int j = i; ; j++) {
                    if (m(b, j, to, next)) {
                        return got(el, i, j);
                    }
                    if (j >= to || space(b[j])) {
                        return false;
                    }
                }
            }
            case ANY_LAZY -> {
                for (int j = i; j <= to; j++) {
                    if (m(b, j, to, next)) {
                        return true;
                    }
                }
                return false;
            }
            case SESSION -> {
                int k = hex(b, i, to);
                if (k == i || k >= to || b[k] != '.') {
                    return false;
                }
                for (int j = hex(b, k + 1, to); j > k + 1; j--) {
                    if (m(b, j, to, next)) {
                        return true;
                    }
                }
                return false;
            }
            case SQLSTATE -> {
                if (i + 5 > to) {
                    return false;
                }
                for (int j = i; j < i + 5; j++) {
                    byte c = b[j];
                    if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'Z')) {
                        return false;
                    }
                }
                return m(b, i + 5, to, next);
            }
            case OPTIONAL -> {
                return m(b, i, to, next) || sev(b, i, to);
            }
            case EPOCH -> {
                int k = digits(b, i, to);
                if (k == i || k >= to || b[k] != '.') {
                    return false;
                }
                for (int j = digits(b, k + 1, to); j > k + 1; j--) {
                    if (m(b, j, to, next)) {
                        return got(el, i, j);
                    }
                }
                return false;
            }
            case STAMP -> {
                return stamp(b, i, to, el, next);
            }
            default -> throw new IllegalStateException("element " + type[el]);
        }
    }

    private boolean got(int el, int from, int to) {
        int k = capture[el];
        if (k >= 0) {
            capStart[k] = from;
            capEnd[k] = to;
        }
        return true;
    }

    // \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d+)?(?: (?:[A-Za-z]{1,6}|[+-]\d\d(?::?\d\d)?))?
    private boolean stamp(byte[] b, int i, int to, int el, int next) {
        if (i + 19 > to) {
            return false;
        }
        for (int k = 0; k < 19; k++) {
            byte c = b[i + k];
            boolean ok = switch (k) {
                case 4, 7 -> c == '-';
                case 10 -> c == ' ';
                case 13, 16 -> c == ':';
                default -> c >= '0' && c <= '9';
            };
            if (!ok) {
                return false;
            }
        }
        int p = i + 19;
        if (p < to && b[p] == '.') {
            int k = digits(b, p + 1, to);
            for (int f = k; f > p + 1; f--) {
                if (zone(b, i, f, to, el, next)) {
                    return true;
                }
            }
        }
        return zone(b, i, p, to, el, next);
    }

    private boolean zone(byte[] b, int start, int q, int to, int el, int next) {
        if (q < to && b[q] == ' ') {
            int l = q + 1;
            while (l < to && l < q + 7 && letter(b[l])) {
                l++;
            }
            for (int j = l; j > q + 1; j--) {
                if (m(b, j, to, next)) {
                    return got(el, start, j);
                }
            }
            if (q + 3 < to && (b[q + 1] == '+' || b[q + 1] == '-') && digit(b[q + 2]) && digit(b[q + 3])) {
                int r = q + 4;
                if (r + 2 < to && b[r] == ':' && digit(b[r + 1]) && digit(b[r + 2]) && m(b, r + 3, to, next)) {
                    return got(el, start, r + 3);
                }
                if (r + 1 < to && digit(b[r]) && digit(b[r + 1]) && m(b, r + 2, to, next)) {
                    return got(el, start, r + 2);
                }
                if (m(b, r, to, next)) {
                    return got(el, start, r);
                }
            }
        }
        return m(b, q, to, next) && got(el, start, q);
    }

    // (?<sev>\p{L}[\p{L}0-9]*):  (?<msg>.*)$ on an ASCII line without terminators
    private boolean sev(byte[] b, int i, int to) {
        if (i >= to || !letter(b[i])) {
            return false;
        }
        int k = i + 1;
        while (k < to && (letter(b[k]) || digit(b[k]))) {
            k++;
        }
        if (k + 3 > to || b[k] != ':' || b[k + 1] != ' ' || b[k + 2] != ' ') {
            return false;
        }
        sevStart = i;
        sevEnd = k;
        return true;
    }

    private static int digits(byte[] b, int i, int to) {
        while (i < to && digit(b[i])) {
            i++;
        }
        return i;
    }

    private static int hex(byte[] b, int i, int to) {
        while (i < to && (digit(b[i]) || b[i] >= 'a' && b[i] <= 'f')) {
            i++;
        }
        return i;
    }

    private static boolean digit(byte c) {
        return c >= '0' && c <= '9';
    }

    private static boolean letter(byte c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z';
    }

    // \s in java.util.regex: [ \t\n\x0B\f\r]
    private static boolean space(byte c) {
        return c == ' ' || c == '\t' || c == '\n' || c == 0x0B || c == '\f' || c == '\r';
    }

    private static final class TooComplex extends RuntimeException {
        private static final long serialVersionUID = 1L;
        static final TooComplex INSTANCE = new TooComplex();

        private TooComplex() {
            super(null, null, false, false);
        }
    }
}
