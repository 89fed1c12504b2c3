package io.lockwarden.scan.internal;

import java.util.List;
import java.util.Set;

/**
 * How the call that carries a SQL string is used, read from the tokens around it: which call it is
 * ({@code ExecContext}, {@code query}, {@code execute}), which handle it goes through (its receiver, the
 * executor argument of sqlx, the repo of Ecto), whether its result is read, and whether an error of it is
 * swallowed. One instance per file; not thread safe.
 */
final class CallShape {
    private static final Set<String> DISCARDING = Set.of("Exec", "ExecContext", "MustExec", "MustExecContext",
            "ExecuteNonQuery", "ExecuteNonQueryAsync", "Execute", "ExecuteAsync", "exec", "batch_execute");
    private static final Set<String> SQLX_EXECUTORS = Set.of("execute", "fetch_one", "fetch_optional", "fetch_all",
            "fetch", "fetch_many");
    private static final Set<String> WRAPPERS = Set.of("text", "sql", "SQL", "raw", "Raw", "literal", "unsafe",
            "fragment", "Sql", "query_as", "query", "query_scalar", "select", "Sequel");
    private static final Set<String> READ_AFTER = Set.of("fetchone", "fetchall", "fetchval", "fetchmany", "scalar",
            "scalar_one", "first", "one", "fetchrow", "fetch_one", "value", "getvalue", "getValue", "rows", "Scan",
            "fetchColumn", "fetch", "fetchAll", "get", "pluck", "select_value", "values", "to_a", "getBoolean");
    private static final Set<String> STATEMENT_PREFIX = Set.of("await", "yield", "try", "_");

    private final List<Token> t;
    private final Language lang;
    private final TokenStructure structure;

    CallShape(List<Token> tokens, Language lang, TokenStructure structure) {
        this.t = tokens;
        this.lang = lang;
        this.structure = structure;
    }

    /** Index of the name of the call whose arguments contain {@code token}, or -1; SQL wrappers are skipped. */
    int callee(int token) {
        if (lang == Language.JAVASCRIPT && token >= 2 && t.get(token - 1).kind() == Token.Kind.WORD
                && t.get(token - 2).is(".")) {
            return token - 1; // a tagged template: prisma.$queryRaw`...`, sql`...`
        }
        int open = structure.openParenBefore(token);
        for (int hops = 0; open > 0 && hops < 3; hops++) {
            int name = nameBefore(open);
            if (name < 0) {
                return -1;
            }
            Token before = name > 0 ? t.get(name - 1) : null;
            boolean member = before != null && (before.is(".") || before.is(":") || before.is(">"));
            boolean wrapper = WRAPPERS.contains(t.get(name).text()) && !member
                    && !(lang == Language.RUST && t.get(name).text().startsWith("query"));
            if (!wrapper) {
                return name;
            }
            open = structure.openParenBefore(name);
        }
        return -1;
    }

    private int nameBefore(int open) {
        int j = open - 1;
        if (j >= 0 && t.get(j).is("!")) {
            j--; // Elixir Repo.query!(...)
        }
        if (j >= 0 && t.get(j).is(">")) { // C# QueryFirstAsync<bool>(...)
            while (j >= 0 && !t.get(j).is("<")) {
                j--;
            }
            j--;
        }
        return j >= 0 && t.get(j).kind() == Token.Kind.WORD ? j : -1;
    }

    /** The name of the handle a call goes through, or null when there is none to see. */
    String handle(int callee) {
        if (callee < 0) {
            return null;
        }
        String name = t.get(callee).text();
        if (lang == Language.RUST) {
            String executor = rustExecutor(callee);
            if (executor != null) {
                return executor;
            }
        }
        if (lang == Language.ELIXIR && callee + 2 < t.size() && t.get(callee - 1).is(".")
                && t.get(callee - 2).is("SQL") && t.get(callee + 1).is("(")) {
            return t.get(callee + 2).text(); // Ecto.Adapters.SQL.query(Repo, sql, params)
        }
        if (callee >= 2 && (t.get(callee - 1).is(".") || t.get(callee - 1).is(">") && t.get(callee - 2).is("-"))) {
            int r = t.get(callee - 1).is(".") ? callee - 2 : callee - 3;
            if (r >= 0 && t.get(r).is(")")) {
                return null; // a call result: conn().query(...)
            }
            return r >= 0 && t.get(r).kind() == Token.Kind.WORD ? t.get(r).text() : null;
        }
        return null;
    }

    /** sqlx: {@code query("...").bind(k).execute(&pool)}: the executor's name. */
    private String rustExecutor(int callee) {
        int open = callee + 1;
        if (open >= t.size() || !t.get(open).is("(")) {
            return null;
        }
        int j = structure.matching(open) + 1;
        while (j + 2 < t.size() && t.get(j).is(".")) {
            Token m = t.get(j + 1);
            if (m.is("await")) {
                j += 2;
                continue;
            }
            if (!t.get(j + 2).is("(")) {
                return null;
            }
            int close = structure.matching(j + 2);
            if (SQLX_EXECUTORS.contains(m.text())) {
                String last = null;
                for (int k = j + 3; k < close; k++) {
                    if (t.get(k).kind() == Token.Kind.WORD && !t.get(k).is("mut") && !t.get(k).is("self")) {
                        last = t.get(k).text();
                    }
                }
                return last;
            }
            j = close + 1;
        }
        return null;
    }

    /** The name of the executor call for Rust sqlx ({@code execute}, {@code fetch_one}), else the callee's. */
    String effectiveCall(int callee) {
        if (callee < 0) {
            return "";
        }
        if (lang == Language.RUST && callee + 1 < t.size() && t.get(callee + 1).is("(")) {
            int j = structure.matching(callee + 1) + 1;
            while (j + 2 < t.size() && t.get(j).is(".")) {
                String m = t.get(j + 1).text();
                if (SQLX_EXECUTORS.contains(m)) {
                    return m;
                }
                j = t.get(j + 2).is("(") ? structure.matching(j + 2) + 1 : j + 2;
            }
        }
        return t.get(callee).text();
    }

    /** True when the call's result is thrown away: an Exec-style call, or a call used as a statement. */
    boolean resultDiscarded(int callee) {
        if (callee < 0) {
            return false;
        }
        String name = effectiveCall(callee);
        if (DISCARDING.contains(name) || lang == Language.RUST && name.equals("execute")) {
            return true;
        }
        int start = chainStart(callee);
        int close = callEnd(callee);
        if (!statementLevel(start) || !statementEnds(close) || readByChain(callee, close)) {
            return false;
        }
        if (lang == Language.PYTHON || lang == Language.RUBY && !name.equals("execute")
                && !name.equals("exec") && !name.equals("run")) {
            // cursor.execute(...) returns nothing to read: the result is fetched from the cursor later
            return !readLater(close, start);
        }
        return true;
    }

    /** True when the statement's value is discarded: {@code _, _ = db.Exec(...)}, {@code _ = ...}. */
    boolean errorSwallowed(int callee) {
        if (callee < 0) {
            return false;
        }
        int start = chainStart(callee);
        int close = callEnd(callee);
        if (lang == Language.GO && start >= 2 && t.get(start - 1).is("=") && t.get(start - 2).is("_")) {
            return true;
        }
        // .catch(() => {}) / .catch(() => undefined) / .catch(noop)
        int open = callee + 1;
        while (open < close && !t.get(open).is("(")) {
            open++;
        }
        int j = structure.matching(open) + 1;
        if (j + 2 < t.size() && t.get(j).is(".") && t.get(j + 1).is("catch") && t.get(j + 2).is("(")) {
            int end = structure.matching(j + 2);
            int words = 0;
            boolean rethrows = false;
            for (int k = j + 3; k < end; k++) {
                if (t.get(k).kind() == Token.Kind.WORD) {
                    words++;
                    rethrows |= t.get(k).is("throw") || t.get(k).text().toLowerCase().contains("log")
                            || t.get(k).text().toLowerCase().contains("error") || t.get(k).is("console");
                }
            }
            return !rethrows && words <= 2;
        }
        if (lang == Language.RUBY && j + 1 < t.size() && t.get(j).is("rescue") && t.get(j + 1).is("nil")) {
            return true;
        }
        return false;
    }

    /** First token of the receiver chain of a call ({@code await this.pool.query(} starts at {@code await}). */
    int chainStart(int callee) {
        int j = callee;
        while (j >= 2 && (t.get(j - 1).is(".") || t.get(j - 1).is(":") && t.get(j - 2).is(":"))) {
            j = t.get(j - 1).is(".") ? j - 2 : j - 3;
            if (j >= 0 && t.get(j).is(")")) {
                int depth = 0;
                while (j > 0) {
                    if (t.get(j).is(")")) {
                        depth++;
                    } else if (t.get(j).is("(") && --depth == 0) {
                        break;
                    }
                    j--;
                }
                j--;
            }
        }
        if (j >= 1 && t.get(j - 1).is(">") && j >= 2 && t.get(j - 2).is("-")) {
            j -= 3; // PHP $pdo->query
        }
        while (j >= 1 && STATEMENT_PREFIX.contains(t.get(j - 1).text()) && t.get(j - 1).kind() == Token.Kind.WORD) {
            j--;
        }
        return Math.max(0, j);
    }

    private int callEnd(int callee) {
        int open = callee + 1;
        while (open < t.size() && !t.get(open).is("(")) {
            open++;
        }
        int end = open < t.size() ? structure.matching(open) : t.size() - 1;
        while (end + 2 < t.size() && t.get(end + 1).is(".") && (t.get(end + 2).is("await")
                || end + 3 < t.size() && t.get(end + 3).is("("))) { // .await, .bind(k), .execute(&pool)
            if (t.get(end + 2).is("await")) {
                end += 2;
            } else {
                end = structure.matching(end + 3);
            }
        }
        while (end + 1 < t.size() && (t.get(end + 1).is("?") || t.get(end + 1).is("!"))) {
            end++;
        }
        return end;
    }

    /** {@code cur.execute(...).fetchone()}, {@code query(...).rows}: something after the call reads it. */
    private boolean readByChain(int callee, int close) {
        int open = callee + 1;
        while (open < t.size() && !t.get(open).is("(")) {
            open++;
        }
        int own = open < t.size() ? structure.matching(open) : close;
        for (int j = own + 1; j < close; j++) {
            if (t.get(j).is(".") && j + 1 < close) {
                String m = t.get(j + 1).text();
                if (!m.equals("await") && !m.equals("bind") && !m.equals("execute") && !m.equals("ConfigureAwait")) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean statementLevel(int start) {
        if (start == 0) {
            return true;
        }
        Token prev = t.get(start - 1);
        if (prev.is(";") || prev.is("{") || prev.is("}")) {
            return true;
        }
        if (!t.get(start).lineStart()) {
            return false;
        }
        if (prev.is(":") && (lang == Language.PYTHON || lang == Language.ELIXIR)) {
            return true; // a block opened by the previous line
        }
        // a new line: a statement unless the previous line continues (operator, open bracket, comma)
        return !(prev.is("=") || prev.is("(") || prev.is(",") || prev.is("[") || prev.is("+") || prev.is("|")
                || prev.is("&") || prev.is(":") || prev.is("?") || prev.is("return") || prev.is(">") || prev.is("<")
                || prev.is("-") || prev.is("!"));
    }

    private boolean statementEnds(int close) {
        if (close + 1 >= t.size()) {
            return true;
        }
        Token next = t.get(close + 1);
        if (next.is("end") && (lang == Language.RUBY || lang == Language.ELIXIR)
                || next.is("}") && (lang == Language.RUST || lang == Language.KOTLIN)) {
            return false; // the last expression of a block is its value
        }
        return next.is(";") || next.is("}") || next.lineStart() && !next.is(".") && !next.is("|")
                || next.is(")") && lang == Language.ELIXIR;
    }

    /** Python/Ruby: a fetch from the cursor after the call, in the same function. */
    private boolean readLater(int from, int callStart) {
        String cursor = t.get(callStart).kind() == Token.Kind.WORD ? t.get(callStart).text() : null;
        int end = structure.function(structure.functionOf(from)).end();
        for (int j = from + 1; j <= end && j < t.size(); j++) {
            Token x = t.get(j);
            if (x.kind() == Token.Kind.WORD && READ_AFTER.contains(x.text()) && j > 0 && t.get(j - 1).is(".")
                    && (cursor == null || j >= 2 && t.get(j - 2).text().equals(cursor))) {
                return true;
            }
            if (x.kind() == Token.Kind.STRING && SqlText.mentionsAdvisory(x.text())) {
                return false; // the next statement of interest: nothing was read in between
            }
        }
        return false;
    }
}
