package io.lockwarden.scan.internal;

import java.nio.file.Path;
import java.util.Arrays;

/** A text file being scanned, with offset to line/column mapping. Immutable and thread safe. */
public final class SourceFile {
    private final Path path;
    private final String displayPath;
    private final String text;
    private final Language language;
    private final int[] lineStarts;

    /** Creates the file view. */
    public SourceFile(Path path, String displayPath, String text, Language language) {
        this.path = path;
        this.displayPath = displayPath;
        this.text = text;
        this.language = language;
        int[] starts = new int[64];
        int count = 1;
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) == '\n') {
                if (count == starts.length) {
                    starts = Arrays.copyOf(starts, count * 2);
                }
                starts[count++] = i + 1;
            }
        }
        this.lineStarts = Arrays.copyOf(starts, count);
    }

    /** The file. */
    public Path path() {
        return path;
    }

    /** The path as shown in reports. */
    public String displayPath() {
        return displayPath;
    }

    /** The whole text. */
    public String text() {
        return text;
    }

    /** The language. */
    public Language language() {
        return language;
    }

    /** Number of lines. */
    public int lineCount() {
        return text.isEmpty() ? 0 : (text.endsWith("\n") ? lineStarts.length - 1 : lineStarts.length);
    }

    /** 1-based line of an offset. */
    public int line(int offset) {
        int i = Arrays.binarySearch(lineStarts, offset);
        return i >= 0 ? i + 1 : -i - 1;
    }

    /** 1-based column of an offset. */
    public int column(int offset) {
        return offset - lineStarts[line(offset) - 1] + 1;
    }

    /** Offset of a 1-based line and column. */
    public int offset(int line, int column) {
        int l = Math.max(1, Math.min(line, lineStarts.length));
        return Math.min(text.length(), lineStarts[l - 1] + Math.max(0, column - 1));
    }

    /** The text of a 1-based line without its line break; empty when out of range. */
    public String lineText(int line) {
        if (line < 1 || line > lineStarts.length) {
            return "";
        }
        int start = lineStarts[line - 1];
        int end = line < lineStarts.length ? lineStarts[line] - 1 : text.length();
        if (end > start && text.charAt(end - 1) == '\r') {
            end--;
        }
        return text.substring(start, Math.max(start, end));
    }
}
