package io.lockwarden.scan.internal;

import java.util.ArrayList;
import java.util.List;

/**
 * Splits Python, Ruby, Go, JavaScript/TypeScript and Kotlin sources into string literals, words and
 * punctuation, dropping comments. Understands each language's comment and string syntax: Python
 * triple quotes and prefixes, Ruby heredocs and {@code %q()}, Go raw strings, JS template literals,
 * Kotlin raw strings and nested block comments. Not a full lexer: regular expression literals and
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
                } else if (hashComments() && c == '#') {
                    i = eol(i);
                } else if (lang == Language.RUBY && c == '=' && atLineStart(i) && s.startsWith("=begin", i)) {
                    int e = s.indexOf("\n=end", i);
                    i = e < 0 ? n : eol(e + 1);
                } else if (!hashComments() && c == '/' && i + 1 < n && s.charAt(i + 1) == '/') {
                    i = eol(i);
                } else if (!hashComments() && c == '/' && i + 1 < n && s.charAt(i + 1) == '*') {
                    i = lang == Language.KOTLIN ? SqlText.skipBlockComment(s, i) : blockEnd(i);
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
                } else if (Character.isLetterOrDigit(c) || c == '_' || c == '$' && lang == Language.JAVASCRIPT) {
                    int e = i;
                    while (e < n && (Character.isLetterOrDigit(s.charAt(e)) || s.charAt(e) == '_'
                            || s.charAt(e) == '$' && lang == Language.JAVASCRIPT)) {
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
            return lang == Language.PYTHON || lang == Language.RUBY;
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
            boolean multiline = quote == '`' || lang == Language.KOTLIN && s.startsWith("\"\"\"", q);
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
