package io.lockwarden.scan.internal;

/**
 * A token of a non-Java source file.
 *
 * @param kind   string literal, identifier/number, or punctuation
 * @param text   the literal's content (without quotes) for strings, the text otherwise
 * @param start  offset of the token in the file
 * @param line   1-based line of the token start
 * @param column 1-based column of the token start
 * @param indent indentation (columns) of the line the token starts on
 * @param lineStart true when this is the first token on its line
 */
public record Token(Kind kind, String text, int start, int line, int column, int indent, boolean lineStart) {
    /** Token kinds. */
    public enum Kind { STRING, WORD, PUNCT }

    /** True for a word token with exactly this text. */
    public boolean is(String word) {
        return kind != Kind.STRING && text.equals(word);
    }
}
