package io.lockwarden.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Lays text out for a terminal of a given width: prose wrapped at spaces with a hanging indent (a word longer
 * than the line, such as a URL, is kept whole on a line of its own, never split), commands wrapped between
 * arguments with shell line continuations (so the printed lines paste as one command), and tables whose columns
 * shrink, with {@code …}, to fit. Widths count visible characters (ANSI colour codes are not counted).
 * Stateless; thread-safe.
 */
final class TextLayout {
    private static final Pattern ANSI = Pattern.compile("\u001b\\[[0-9;]*m");

    private final int width;

    /** A layout for {@code width} columns. */
    TextLayout(int width) {
        this.width = width;
    }

    int width() {
        return width;
    }

    /** Visible length: without ANSI colour codes. */
    static int visible(String s) {
        return ANSI.matcher(s).replaceAll("").length();
    }

    /**
     * {@code text} word-wrapped: the first line starts with {@code first}, the others with {@code next}. Runs of
     * spaces inside a line are kept (aligned labels); a line break swallows the spaces where it falls.
     */
    List<String> wrap(String text, String first, String next) {
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder(first);
        int len = visible(first);
        boolean empty = true;
        int pendingSpaces = 0;
        for (String word : text.split(" ", -1)) {
            if (word.isEmpty()) {
                pendingSpaces++;
                continue;
            }
            int w = visible(word);
            int gap = empty ? 0 : pendingSpaces + 1;
            if (!empty && len + gap + w > width) {
                out.add(line.toString());
                line = new StringBuilder(next);
                len = visible(next);
                empty = true;
                gap = 0;
            }
            line.append(" ".repeat(gap)).append(word);
            len += gap + w;
            empty = false;
            pendingSpaces = 0;
        }
        out.add(line.toString());
        return out;
    }

    /**
     * A shell command wrapped between its arguments, each continued line ending in {@code " \"}: an option and its
     * value stay together, and a long comma-separated {@code --pid} list is split into several {@code --pid}
     * options (the command accepts it repeated), so every pid stays visible and the lines paste as one command.
     */
    List<String> command(String command, String first, String next) {
        List<String> parts = new ArrayList<>();
        String[] words = command.split(" ");
        for (int i = 0; i < words.length; i++) {
            String w = words[i];
            if (w.startsWith("-") && i + 1 < words.length && !words[i + 1].startsWith("-")) {
                String value = words[++i];
                if (w.equals("--pid")) {
                    parts.addAll(pidGroups(value, width - visible(next) - 8));
                    continue;
                }
                w = w + " " + value;
            }
            parts.add(w);
        }
        List<String> out = new ArrayList<>();
        StringBuilder line = new StringBuilder(first);
        int len = visible(first);
        boolean empty = true;
        for (String part : parts) {
            int w = part.length();
            if (!empty && len + 1 + w + 2 > width) {
                out.add(line.append(" \\").toString());
                line = new StringBuilder(next);
                len = visible(next);
                empty = true;
            }
            if (!empty) {
                line.append(' ');
                len++;
            }
            line.append(part);
            len += w;
            empty = false;
        }
        out.add(line.toString());
        return out;
    }

    private static List<String> pidGroups(String list, int room) {
        List<String> groups = new ArrayList<>();
        StringBuilder g = new StringBuilder();
        for (String pid : list.split(",")) {
            if (g.length() > 0 && g.length() + 1 + pid.length() > Math.max(12, room)) {
                groups.add("--pid " + g);
                g.setLength(0);
            }
            if (g.length() > 0) {
                g.append(',');
            }
            g.append(pid);
        }
        groups.add("--pid " + g);
        return groups;
    }

    /**
     * A table indented by {@code indent}, its columns separated by two spaces, fitted to the width: the columns
     * named in {@code shrinkable} (by index, most expendable first) lose characters (shown with {@code …}), each
     * down to {@code min} (or its header's width) before the next one is touched, until the rows fit. Cells are used as given (escape them first).
     */
    List<String> table(String indent, String[] header, List<String[]> rows, int[] shrinkable, int min) {
        int n = header.length;
        int[] w = new int[n];
        for (int i = 0; i < n; i++) {
            w[i] = header[i].length();
            for (String[] r : rows) {
                w[i] = Math.max(w[i], r[i].length());
            }
        }
        int total = indent.length() + 2 * (n - 1);
        for (int x : w) {
            total += x;
        }
        for (int i : shrinkable) {
            int floor = Math.max(min, header[i].length());
            while (total > width && w[i] > floor) {
                w[i]--;
                total--;
            }
        }
        List<String> out = new ArrayList<>();
        out.add(row(indent, header, w));
        for (String[] r : rows) {
            out.add(row(indent, r, w));
        }
        return out;
    }

    private static String row(String indent, String[] cells, int[] w) {
        StringBuilder b = new StringBuilder(indent);
        for (int i = 0; i < cells.length; i++) {
            String c = cells[i].length() > w[i] ? cells[i].substring(0, Math.max(0, w[i] - 1)) + "…" : cells[i];
            b.append(c);
            if (i < cells.length - 1) {
                b.append(" ".repeat(w[i] - c.length() + 2));
            }
        }
        return b.toString().stripTrailing();
    }
}
