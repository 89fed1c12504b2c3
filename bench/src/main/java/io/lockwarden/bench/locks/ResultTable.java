package io.lockwarden.bench.locks;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * The one table the lock benchmarks print: one row per measured point, grouped by section. Rows are
 * added as sections finish (and echoed, so a long run shows progress); {@link #print} writes them all
 * at the end, aligned. Thread-safe for adding.
 */
final class ResultTable {
    /** One measured point: what was measured, its value with spread, a ratio to the baseline, a note. */
    record Row(String section, String variant, String point, String value, String ratio, String note) {
    }

    private final List<Row> rows = new ArrayList<>();

    synchronized void add(String section, String variant, String point, String value, String ratio, String note) {
        Row row = new Row(section, variant, point, value, ratio, note);
        rows.add(row);
        System.err.println("  " + String.join(" | ", section, variant, point, value, ratio, note));
    }

    synchronized void print(PrintStream out) {
        String[] head = {"section", "variant", "point", "value: median [min..max]", "ratio", "note"};
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            w[i] = head[i].length();
        }
        for (Row r : rows) {
            String[] c = cells(r);
            for (int i = 0; i < c.length; i++) {
                w[i] = Math.max(w[i], c[i].length());
            }
        }
        out.println(line(head, w));
        StringBuilder rule = new StringBuilder("|");
        for (int width : w) {
            rule.append("-".repeat(width + 2)).append('|');
        }
        out.println(rule);
        for (Row r : rows) {
            out.println(line(cells(r), w));
        }
    }

    private static String[] cells(Row r) {
        return new String[] {r.section(), r.variant(), r.point(), r.value(), r.ratio(), r.note()};
    }

    private static String line(String[] cells, int[] w) {
        StringBuilder b = new StringBuilder("|");
        for (int i = 0; i < cells.length; i++) {
            b.append(' ').append(cells[i]).append(" ".repeat(w[i] - cells[i].length())).append(" |");
        }
        return b.toString();
    }
}
