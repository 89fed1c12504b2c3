package io.lockwarden.scan.internal;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The patterns of one {@code .gitignore} file, matched against paths relative to its directory. Supports
 * what git documents: blank lines and {@code #} comments, {@code !} negation, trailing {@code /} for
 * directories, anchoring by a leading or inner {@code /}, {@code *}, {@code ?}, {@code [...]} and
 * {@code **}. Immutable and thread safe.
 */
public final class GitIgnore {
    private record Rule(Pattern pattern, boolean negate, boolean dirOnly) {
    }

    private final Path dir;
    private final List<Rule> rules;

    private GitIgnore(Path dir, List<Rule> rules) {
        this.dir = dir;
        this.rules = rules;
    }

    /** Reads {@code dir/.gitignore}; null when there is none or it cannot be read. */
    public static GitIgnore load(Path dir) {
        Path f = dir.resolve(".gitignore");
        if (!Files.isRegularFile(f)) {
            return null;
        }
        try {
            return parse(dir, Files.readString(f, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** Parses gitignore text for a directory. */
    public static GitIgnore parse(Path dir, String text) {
        List<Rule> rules = new ArrayList<>();
        for (String raw : text.split("\r?\n")) {
            String line = raw.replaceAll("(?<!\\\\)\\s+$", "");
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            boolean negate = line.startsWith("!");
            if (negate) {
                line = line.substring(1);
            }
            if (line.startsWith("\\")) {
                line = line.substring(1);
            }
            boolean dirOnly = line.endsWith("/");
            if (dirOnly) {
                line = line.substring(0, line.length() - 1);
            }
            boolean anchored = line.contains("/");
            if (line.startsWith("/")) {
                line = line.substring(1);
            }
            if (line.isEmpty()) {
                continue;
            }
            String regex = (anchored ? "" : "(?:.*/)?") + globToRegex(line);
            rules.add(new Rule(Pattern.compile(regex), negate, dirOnly));
        }
        return new GitIgnore(dir, rules);
    }

    static String globToRegex(String glob) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < glob.length(); i++) {
            char c = glob.charAt(i);
            if (c == '*') {
                if (glob.startsWith("**/", i)) {
                    b.append("(?:.*/)?");
                    i += 2;
                } else if (glob.startsWith("**", i)) {
                    b.append(".*");
                    i++;
                } else {
                    b.append("[^/]*");
                }
            } else if (c == '?') {
                b.append("[^/]");
            } else if (c == '[') {
                int close = glob.indexOf(']', i + 1);
                if (close < 0) {
                    b.append("\\[");
                } else {
                    String cls = glob.substring(i + 1, close);
                    if (cls.startsWith("!")) {
                        cls = "^" + cls.substring(1);
                    }
                    b.append('[').append(cls.replace("\\", "\\\\")).append(']');
                    i = close;
                }
            } else if (c == '\\' && i + 1 < glob.length()) {
                b.append(Pattern.quote(String.valueOf(glob.charAt(++i))));
            } else {
                b.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return b.toString();
    }

    /**
     * The verdict of this file for a path: {@code TRUE} ignored, {@code FALSE} re-included by a negation,
     * null when no pattern matches.
     */
    public Boolean matches(Path path, boolean isDirectory) {
        if (!path.startsWith(dir)) {
            return null;
        }
        String rel = dir.relativize(path).toString().replace('\\', '/');
        Boolean verdict = null;
        for (Rule r : rules) {
            if (r.dirOnly() && !isDirectory) {
                continue;
            }
            if (r.pattern().matcher(rel).matches()) {
                verdict = !r.negate();
            }
        }
        return verdict;
    }
}
