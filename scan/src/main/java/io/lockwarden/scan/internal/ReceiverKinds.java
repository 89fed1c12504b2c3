package io.lockwarden.scan.internal;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a database handle in a non-Java source is, found from its declaration: a parameter, a variable, a
 * struct member or field ({@code db *sql.DB}, {@code pool: Pool}, {@code NpgsqlDataSource ds}), or what it
 * was assigned from ({@code := db.Conn(ctx)}, {@code = await pool.connect()}, {@code with engine.connect()
 * as conn}). A pool runs every call on whichever connection is free; a connection or transaction pins one
 * session. Names alone decide nothing: a handle whose declaration is not in the file is {@link Kind#UNKNOWN}.
 * One instance per file; not thread safe.
 */
final class ReceiverKinds {
    /** What a handle is. */
    enum Kind { POOL, CONNECTION, TRANSACTION, UNKNOWN }

    private static final Pattern TX = Pattern.compile(
            "(^|[^\\w])(\\*?sql\\.Tx|pgx\\.Tx|sqlx\\.Tx|\\w+\\.(BeginTx|Begin|BeginTxx|Beginx|begin|BeginTransaction"
                    + "|BeginTransactionAsync|transaction)\\(|Transaction<|NpgsqlTransaction|DbTransaction)");
    private static final Pattern POOL = Pattern.compile(
            "(^|[^\\w.])(\\*?sql\\.DB|\\*?sqlx\\.DB|\\*?pgxpool\\.Pool|sql\\.Open(DB)?\\(|sqlx\\.(Open|Connect|MustConnect|MustOpen|NewDb)\\("
                    + "|pgxpool\\.(New|Connect|NewWithConfig|ConnectConfig)\\(|new Pool\\(|Pool\\b(?!<)|pg\\.Pool|PgPool\\b"
                    + "|Pool<Postgres>|PgPoolOptions|create_engine\\(|create_async_engine\\(|Engine\\b|AsyncEngine\\b"
                    + "|asyncpg\\.create_pool\\(|create_pool\\(|asyncpg\\.Pool|Sequel\\.connect\\(|NpgsqlDataSource\\b"
                    + "|Knex\\b|knex\\(|PrismaClient\\b|new Sequelize\\(|Sequelize\\b|JdbcTemplate\\b|JdbcClient\\b|DSLContext\\b)");
    private static final Pattern CONNECTION = Pattern.compile(
            "(^|[^\\w])(\\*?sql\\.Conn|\\*?pgx\\.Conn|\\*?pgxpool\\.Conn|\\w+\\.(Conn|Acquire|connect|acquire|checkout"
                    + "|getConnection|OpenConnection|OpenConnectionAsync|raw_connection|get|Connx)\\("
                    + "|PoolClient\\b|Client\\b|PgConnection\\b|NpgsqlConnection\\b|IDbConnection\\b|DbConnection\\b"
                    + "|PoolConnection|PDO\\b|new PDO\\(|QueryRunner\\b|createQueryRunner\\(|pgx\\.Connect\\(|new Client\\()");
    private static final Set<String> STOP = Set.of(",", ")", ";", "{", "}", "=");

    private final List<Token> t;
    private final TokenStructure structure;
    private final Map<String, Kind> cache = new HashMap<>();

    ReceiverKinds(List<Token> tokens, TokenStructure structure) {
        this.t = tokens;
        this.structure = structure;
    }

    /** The kind of the handle named {@code name} as seen from token {@code at}. */
    Kind of(String name, int at) {
        if (name == null || name.isEmpty()) {
            return Kind.UNKNOWN;
        }
        int fn = structure.functionOf(at);
        return cache.computeIfAbsent(fn + ":" + name, k -> resolve(name, fn));
    }

    private Kind resolve(String name, int fn) {
        TokenStructure.Region own = structure.function(fn);
        Kind k = scan(name, own.start(), own.end());
        return k != Kind.UNKNOWN || fn < 0 ? k : scan(name, 0, t.size() - 1);
    }

    private Kind scan(String name, int from, int to) {
        for (int i = from; i <= to && i < t.size(); i++) {
            Token tok = t.get(i);
            if (tok.kind() != Token.Kind.WORD || !tok.text().equals(name)) {
                continue;
            }
            String decl = declarationAt(i);
            if (decl == null) {
                continue;
            }
            Kind k = TX.matcher(decl).find() ? Kind.TRANSACTION : POOL.matcher(decl).find() ? Kind.POOL
                    : CONNECTION.matcher(decl).find() ? Kind.CONNECTION : Kind.UNKNOWN;
            if (k != Kind.UNKNOWN) {
                return k;
            }
        }
        return Kind.UNKNOWN;
    }

    /** The text that declares the handle at token {@code i}, or null when {@code i} is only a use. */
    private String declarationAt(int i) {
        Token prev = i > 0 ? t.get(i - 1) : null;
        Token next = i + 1 < t.size() ? t.get(i + 1) : null;
        if (prev != null && (prev.is(".") || prev.is(">"))) {
            return null; // a member access such as x.db: not a declaration
        }
        if (prev != null && prev.is("as")) { // Python: with engine.connect() as conn
            int j = i - 2;
            while (j > 0 && !t.get(j).lineStart() && !t.get(j).is("with")) {
                j--;
            }
            return join(j, i - 2);
        }
        if (next == null) {
            return null;
        }
        int line = t.get(i).line();
        if (next.is(":") && !(i + 2 < t.size() && t.get(i + 2).is("="))) { // name: Type (TS, Kotlin, Rust, Python)
            return join(i + 2, lineStop(i + 2, line, true));
        }
        if (next.is("=") && !(i + 2 < t.size() && (t.get(i + 2).is("=") || t.get(i + 2).is(">")))
                || next.is(":") || next.is(",") && assignmentFollows(i)) {
            int j = i + 1;
            while (j < t.size() && t.get(j).line() == line && !t.get(j).is("=")) {
                j++;
            }
            return join(j + 1, lineStop(j + 1, line, false));
        }
        if (next.kind() == Token.Kind.WORD && next.line() == line && !next.is("in") && !next.is("as")
                || next.is("*") || next.is("&")) { // Go: db *sql.DB; Rust: pool &PgPool is not valid, skip
            if (prev != null && (prev.is("(") || prev.is(",") || prev.lineStart() || prev.is("{")) || t.get(i).lineStart()) {
                return join(i + 1, lineStop(i + 1, line, true));
            }
        }
        if (prev != null && prev.kind() == Token.Kind.WORD && (next.is("=") || next.is(";") || next.is(",")
                || next.is(")"))) { // C#, Kotlin-less typed declarations: NpgsqlDataSource ds = ...
            int j = i - 1;
            while (j > 0 && (t.get(j - 1).is(".") || t.get(j - 1).kind() == Token.Kind.WORD && t.get(j).is("."))) {
                j--;
            }
            String type = join(j, i - 1);
            if (next.is("=")) {
                type = type + " " + join(i + 2, lineStop(i + 2, line, false));
            }
            return type;
        }
        return null;
    }

    private boolean assignmentFollows(int i) {
        int line = t.get(i).line();
        for (int j = i + 1; j < t.size() && t.get(j).line() == line && j < i + 6; j++) {
            if (t.get(j).is("=")) {
                return true;
            }
        }
        return false;
    }

    private int lineStop(int from, int line, boolean typeOnly) {
        int j = from;
        int depth = 0;
        while (j < t.size() && t.get(j).line() == line) {
            Token x = t.get(j);
            if (x.is("(") || x.is("<") || x.is("[")) {
                depth++;
            } else if (x.is(")") || x.is(">") || x.is("]")) {
                if (--depth < 0) {
                    break;
                }
            } else if (depth == 0 && typeOnly && STOP.contains(x.text())) {
                break;
            } else if (depth == 0 && (x.is(";") || x.is("{"))) {
                break;
            }
            j++;
        }
        return j - 1;
    }

    private String join(int from, int to) {
        StringBuilder b = new StringBuilder();
        for (int j = Math.max(0, from); j <= to && j < t.size(); j++) {
            Token x = t.get(j);
            if (x.kind() == Token.Kind.STRING) {
                b.append("\"\"");
                continue;
            }
            if (j > from && x.kind() == Token.Kind.WORD && t.get(j - 1).kind() == Token.Kind.WORD) {
                b.append(' ');
            }
            b.append(x.text());
        }
        return b.toString();
    }
}
