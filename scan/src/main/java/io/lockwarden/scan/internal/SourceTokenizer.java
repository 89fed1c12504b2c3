package io.lockwarden.scan.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits Python, Ruby, Go, JavaScript/TypeScript, Kotlin, C#, PHP, Rust and Elixir sources into string
 * literals, words and punctuation, dropping comments. Understands each language's comment and string
 * syntax: Python triple quotes and prefixes, Ruby heredocs and {@code %q()}, Go raw strings, JS template
 * literals, Kotlin raw strings and nested block comments, C# verbatim/interpolated/raw strings, PHP
 * heredocs/nowdocs and {@code #}/{@code //} comments, Rust raw strings, lifetimes and nested comments,
 * Elixir heredocs and {@code ~s} sigils. Not a full lexer: regular expression literals and
 * string interpolation are kept inside the surrounding token. Stateless and thread safe.
 */
public final class SourceTokenizer {
    private SourceTokenizer() {
    }

    /** Tokenizes {@code f} according to its language. */
    public static List<Token> tokenize(SourceFile f) {
        return new Run(f).run();
    }

    private static final class Run {
        private final SourceFile f;
        private final String s;
        private final Language lang;
        private final List<Token> out = new ArrayList<>();
        private int lastLine = -1;

        Run(SourceFile f) {
            this.f = f;
            this.s = f.text();
            this.lang = f.language();
        }

        List<Token> run() {
            int n = s.length();
            int i = 0;
            while (i < n) {
                char c = s.charAt(i);
                int heredoc;
                if (Character.isWhitespace(c)) {
                    i++;
                } else if (hashComments() && c == '#' && !(lang == Language.PHP && i + 1 < n && s.charAt(i + 1) == '[')) {
                    i = eol(i);
                } else if (lang == Language.RUBY && c == '=' && atLineStart(i) && s.startsWith("=begin", i)) {
                    int e = s.indexOf("\n=end", i);
                    i = e < 0 ? n : eol(e + 1);
                } else if (slashComments() && c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                    i = eol(i);
                } else if (slashComments() && c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                    i = lang == Language.KOTLIN || lang == Language.RUST ? SqlText.skipBlockComment(s, i) : blockEnd(i);
                } else if (lang == Language.PHP && c == '<' && s.startsWith("<<<", i) && (heredoc = phpHeredoc(i)) > 0) {
                    i = heredoc;
                } else if (lang == Language.CSHARP && (c == '@' || c == '$') && (heredoc = csharpString(i)) > 0) {
                    i = heredoc;
                } else if (lang == Language.RUST && (c == 'r' || c == 'b') && (heredoc = rustRawString(i)) > 0) {
                    i = heredoc;
                } else if (lang == Language.RUST && c == '\'' && !isCharLiteral(i)) {
                    add(Token.Kind.PUNCT, "'", i); // a lifetime, not a character literal
                    i++;
                } else if (lang == Language.ELIXIR && c == '~' && i + 2 < n && "sS".indexOf(s.charAt(i + 1)) >= 0) {
                    i = elixirSigil(i);
                } else if ((lang == Language.ELIXIR || lang == Language.CSHARP) && c == '"' && s.startsWith("\"\"\"", i)) {
                    i = tripleQuoted(i, i);
                } else if (lang == Language.PYTHON && isPyStringStart(i)) {
                    i = pyString(i);
                } else if (lang == Language.RUBY && c == '<' && s.startsWith("<<", i) && (heredoc = heredocAt(i)) > 0) {
                    // heredocAt emits the heredoc's tokens: call it once
                    i = heredoc;
                } else if (lang == Language.RUBY && c == '%' && i + 2 < n && "qQ".indexOf(s.charAt(i + 1)) >= 0
                        && "({[<|!/".indexOf(s.charAt(i + 2)) >= 0) {
                    i = percentString(i, i + 2);
                } else if (c == '"' || c == '\'' || c == '`') {
                    i = quoted(i);
                } else if (Character.isLetterOrDigit(c) || c == '_' || c == '$' && dollarWords()) {
                    int e = i;
                    while (e < n && (Character.isLetterOrDigit(s.charAt(e)) || s.charAt(e) == '_'
                            || s.charAt(e) == '$' && dollarWords())) {
                        e++;
                    }
                    add(Token.Kind.WORD, s.substring(i, e), i);
                    i = e;
                } else {
                    add(Token.Kind.PUNCT, String.valueOf(c), i);
                    i++;
                }
            }
            return out;
        }

        private boolean hashComments() {
            return lang == Language.PYTHON || lang == Language.RUBY || lang == Language.ELIXIR || lang == Language.PHP;
        }

        private boolean slashComments() {
            return !hashComments() || lang == Language.PHP;
        }

        private boolean dollarWords() {
            return lang == Language.JAVASCRIPT || lang == Language.PHP;
        }

        /** PHP heredoc {@code <<<ID} / nowdoc {@code <<<'ID'}: the body up to a line starting with ID. */
        private int phpHeredoc(int i) {
            int j = i + 3;
            while (j < s.length() && (s.charAt(j) == ' ' || s.charAt(j) == '\'' || s.charAt(j) == '"')) {
                j++;
            }
            int idStart = j;
            while (j < s.length() && (Character.isLetterOrDigit(s.charAt(j)) || s.charAt(j) == '_')) {
                j++;
            }
            int bodyStart = s.indexOf('\n', j);
            if (j == idStart || bodyStart < 0) {
                return -1;
            }
            String id = s.substring(idStart, j);
            for (int p = bodyStart + 1; p < s.length(); p = eol(p) + 1) {
                String line = s.substring(p, eol(p)).strip();
                if (line.startsWith(id) && (line.length() == id.length()
                        || !Character.isLetterOrDigit(line.charAt(id.length())))) {
                    add(Token.Kind.STRING, s.substring(bodyStart + 1, p), i);
                    return s.indexOf(id, p) + id.length();
                }
            }
            return -1;
        }

        /** C# {@code @"verbatim"}, {@code $"interpolated"}, {@code $@"..."}; -1 when this is no string. */
        private int csharpString(int i) {
            int j = i;
            boolean verbatim = false;
            while (j < s.length() && j - i < 3 && (s.charAt(j) == '@' || s.charAt(j) == '$')) {
                verbatim |= s.charAt(j) == '@';
                j++;
            }
            if (j >= s.length() || s.charAt(j) != '"') {
                return -1;
            }
            if (s.startsWith("\"\"\"", j)) {
                return tripleQuoted(i, j);
            }
            if (!verbatim) {
                return quotedFrom(i, j);
            }
            StringBuilder b = new StringBuilder();
            int e = j + 1;
            while (e < s.length()) {
                if (s.charAt(e) == '"') {
                    if (e + 1 < s.length() && s.charAt(e + 1) == '"') {
                        b.append('"');
                        e += 2;
                        continue;
                    }
                    break;
                }
                b.append(s.charAt(e++));
            }
            add(Token.Kind.STRING, b.toString(), i);
            return Math.min(s.length(), e + 1);
        }

        /** Rust {@code r"..."}, {@code r#"..."#}, {@code br"..."}; -1 when this is no raw string. */
        private int rustRawString(int i) {
            if (i > 0 && (Character.isLetterOrDigit(s.charAt(i - 1)) || s.charAt(i - 1) == '_')) {
                return -1;
            }
            int j = i + (s.startsWith("br", i) ? 2 : s.charAt(i) == 'r' ? 1 : 0);
            if (j == i) {
                return -1; // b"..." is an ordinary quoted byte string
            }
            int hashes = 0;
            while (j < s.length() && s.charAt(j) == '#') {
                hashes++;
                j++;
            }
            if (j >= s.length() || s.charAt(j) != '"') {
                return -1;
            }
            String close = "\"" + "#".repeat(hashes);
            int e = s.indexOf(close, j + 1);
            int end = e < 0 ? s.length() : e;
            add(Token.Kind.STRING, s.substring(j + 1, end), i);
            return e < 0 ? s.length() : e + close.length();
        }

        private boolean isCharLiteral(int i) {
            int n = s.length();
            if (i + 2 < n && s.charAt(i + 1) == '\\') {
                return true;
            }
            return i + 2 < n && s.charAt(i + 2) == '\'';
        }

        /** Elixir {@code ~s(...)}, {@code ~S"..."}, {@code ~s"""..."""}. */
        private int elixirSigil(int i) {
            int open = i + 2;
            if (s.startsWith("\"\"\"", open)) {
                return tripleQuoted(i, open);
            }
            if ("({[<|\"'/".indexOf(s.charAt(open)) < 0) {
                add(Token.Kind.PUNCT, "~", i);
                return i + 1;
            }
            return percentString(i, open);
        }

        /** A {@code """..."""} string (C# raw string literal, Elixir heredoc). */
        private int tripleQuoted(int tokenStart, int q) {
            int e = s.indexOf("\"\"\"", q + 3);
            int end = e < 0 ? s.length() : e;
            add(Token.Kind.STRING, s.substring(q + 3, end), tokenStart);
            return e < 0 ? s.length() : e + 3;
        }

        private boolean atLineStart(int i) {
            return i == 0 || s.charAt(i - 1) == '\n';
        }

        private int eol(int i) {
            int e = s.indexOf('\n', i);
            return e < 0 ? s.length() : e;
        }

        private int blockEnd(int i) {
            int e = s.indexOf("*/", i + 2);
            return e < 0 ? s.length() : e + 2;
        }

        private void add(Token.Kind kind, String text, int start) {
            int line = f.line(start);
            boolean first = line != lastLine;
            lastLine = line;
            int ls = f.offset(line, 1);
            int indent = 0;
            while (ls + indent < s.length() && (s.charAt(ls + indent) == ' ' || s.charAt(ls + indent) == '\t')) {
                indent++;
            }
            out.add(new Token(kind, text, start, line, start - ls + 1, indent, first));
        }

        private boolean isPyStringStart(int i) {
            int j = i;
            while (j < s.length() && j - i < 2 && "rRbBuUfF".indexOf(s.charAt(j)) >= 0) {
                j++;
            }
            if (j < s.length() && (s.charAt(j) == '"' || s.charAt(j) == '\'')) {
                return j == i || i == 0 || !Character.isLetterOrDigit(s.charAt(i - 1)) && s.charAt(i - 1) != '_';
            }
            return false;
        }

        private int pyString(int i) {
            int j = i;
            while (s.charAt(j) != '"' && s.charAt(j) != '\'') {
                j++;
            }
            char q = s.charAt(j);
            String triple = String.valueOf(q).repeat(3);
            if (s.startsWith(triple, j)) {
                int e = j + 3;
                while (e < s.length() && !s.startsWith(triple, e)) {
                    e += s.charAt(e) == '\\' ? 2 : 1;
                }
                int end = Math.min(s.length(), e + 3);
                add(Token.Kind.STRING, s.substring(j + 3, Math.min(e, s.length())), i);
                return end;
            }
            return quotedFrom(i, j);
        }

        private int quoted(int i) {
            return quotedFrom(i, i);
        }

        private int quotedFrom(int tokenStart, int q) {
            char quote = s.charAt(q);
            boolean raw = lang == Language.GO && quote == '`';
            boolean multiline = quote == '`' || lang == Language.KOTLIN && s.startsWith("\"\"\"", q)
                    || lang == Language.RUST || lang == Language.PHP || lang == Language.ELIXIR;
            if (lang == Language.KOTLIN && s.startsWith("\"\"\"", q)) {
                int e = s.indexOf("\"\"\"", q + 3);
                int end = e < 0 ? s.length() : e;
                while (end + 3 < s.length() && s.charAt(end + 3) == '"') {
                    end++;
                }
                add(Token.Kind.STRING, s.substring(q + 3, end), tokenStart);
                return Math.min(s.length(), end + 3);
            }
            int e = q + 1;
            StringBuilder b = new StringBuilder();
            while (e < s.length()) {
                char c = s.charAt(e);
                if (c == '\\' && !raw && e + 1 < s.length()) {
                    char nx = s.charAt(e + 1);
                    b.append(nx == 'n' ? '\n' : nx == 't' ? '\t' : nx);
                    e += 2;
                    continue;
                }
                if (c == quote) {
                    break;
                }
                if (c == '\n' && !multiline) {
                    break; // unterminated on this line: stop at the line end
                }
                b.append(c);
                e++;
            }
            add(Token.Kind.STRING, b.toString(), tokenStart);
            return Math.min(s.length(), e + 1);
        }

        private int percentString(int start, int open) {
            char o = s.charAt(open);
            char close = o == '(' ? ')' : o == '{' ? '}' : o == '[' ? ']' : o == '<' ? '>' : o;
            int depth = 1;
            int e = open + 1;
            while (e < s.length()) {
                char c = s.charAt(e);
                if (c == '\\') {
                    e += 2;
                    continue;
                }
                if (c == o && o != close) {
                    depth++;
                } else if (c == close && --depth == 0) {
                    break;
                }
                e++;
            }
            add(Token.Kind.STRING, s.substring(open + 1, Math.min(e, s.length())), start);
            return Math.min(s.length(), e + 1);
        }

        /** Returns the end offset of a Ruby heredoc starting at {@code i}, or -1 when this is no heredoc. */
        private int heredocAt(int i) {
            int j = i + 2;
            boolean squiggly = j < s.length() && (s.charAt(j) == '~' || s.charAt(j) == '-');
            if (squiggly) {
                j++;
            }
            char q = j < s.length() ? s.charAt(j) : 0;
            boolean quotedId = q == '\'' || q == '"';
            if (quotedId) {
                j++;
            }
            int idStart = j;
            while (j < s.length() && (Character.isUpperCase(s.charAt(j)) || s.charAt(j) == '_'
                    || Character.isDigit(s.charAt(j)) && j > idStart)) {
                j++;
            }
            if (j == idStart) {
                return -1;
            }
            String id = s.substring(idStart, j);
            int bodyStart = s.indexOf('\n', j);
            if (bodyStart < 0) {
                return -1;
            }
            int p = bodyStart + 1;
            while (p < s.length()) {
                int le = eol(p);
                if (s.substring(p, le).strip().equals(id)) {
                    add(Token.Kind.STRING, s.substring(bodyStart + 1, p), i);
                    // the rest of the heredoc's first line is code: rescan it by returning to after the id
                    restAfterHeredoc = j + (quotedId ? 1 : 0);
                    heredocEnd = le;
                    return scanLineRest();
                }
                p = le + 1;
            }
            return -1;
        }

        private int restAfterHeredoc;
        private int heredocEnd;

        private int scanLineRest() {
            int lineEnd = eol(restAfterHeredoc);
            String rest = s.substring(restAfterHeredoc, lineEnd);
            for (int k = 0; k < rest.length(); k++) {
                char c = rest.charAt(k);
                if (c == '#') {
                    break;
                }
                if (Character.isLetterOrDigit(c) || c == '_') {
                    int e = k;
                    while (e < rest.length() && (Character.isLetterOrDigit(rest.charAt(e)) || rest.charAt(e) == '_')) {
                        e++;
                    }
                    add(Token.Kind.WORD, rest.substring(k, e), restAfterHeredoc + k);
                    k = e - 1;
                } else if (!Character.isWhitespace(c)) {
                    add(Token.Kind.PUNCT, String.valueOf(c), restAfterHeredoc + k);
                }
            }
            return heredocEnd;
        }
    }
}
