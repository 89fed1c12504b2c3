package io.lockwarden.scan.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class SourceTokenizerTest {

    @Test
    void rubyHeredocAndTheRestOfItsLineAreTokenizedOnce() {
        String ruby = """
                def settle(conn)
                  conn.exec(<<~SQL, [42])
                    SELECT pg_advisory_lock(42)
                  SQL
                  conn.transaction { work }
                end
                """;
        List<Token> tokens = SourceTokenizer.tokenize(new SourceFile(Path.of("settle.rb"), "settle.rb", ruby, Language.RUBY));
        assertThat(tokens).filteredOn(t -> t.kind() == Token.Kind.STRING)
                .extracting(Token::text).containsExactly("    SELECT pg_advisory_lock(42)\n");
        assertThat(tokens).filteredOn(t -> t.is("42")).hasSize(1);
        long open = tokens.stream().filter(t -> t.is("(")).count();
        long close = tokens.stream().filter(t -> t.is(")")).count();
        assertThat(open).as("balanced parentheses after the heredoc").isEqualTo(close);
    }

    private static List<String> strings(String name, String text, Language lang) {
        return SourceTokenizer.tokenize(new SourceFile(Path.of(name), name, text, lang)).stream()
                .filter(t -> t.kind() == Token.Kind.STRING).map(Token::text).toList();
    }

    @Test
    void csharpVerbatimInterpolatedAndRawStringsAreStringsAndCommentsAreDropped() {
        String cs = """
                // pg_advisory_lock(1) in a comment
                var a = @"SELECT ""x"", pg_advisory_lock(2)";
                var b = $"lock {key}";
                var c = \"""
                    SELECT pg_advisory_unlock(3)
                    \""";
                """;
        assertThat(strings("A.cs", cs, Language.CSHARP)).containsExactly("SELECT \"x\", pg_advisory_lock(2)",
                "lock {key}", "\n    SELECT pg_advisory_unlock(3)\n    ");
    }

    @Test
    void phpHeredocsHashCommentsAndAttributesAreToldApart() {
        String php = """
                <?php
                # pg_advisory_lock(1) in a comment
                #[Attribute]
                $sql = <<<SQL
                SELECT pg_advisory_lock(2)
                SQL;
                $pdo->exec('SELECT 3');
                """;
        List<Token> tokens = SourceTokenizer.tokenize(new SourceFile(Path.of("a.php"), "a.php", php, Language.PHP));
        assertThat(tokens).filteredOn(t -> t.kind() == Token.Kind.STRING).extracting(Token::text)
                .containsExactly("SELECT pg_advisory_lock(2)\n", "SELECT 3");
        assertThat(tokens).filteredOn(t -> t.is("$pdo")).hasSize(1);
        assertThat(tokens).filteredOn(t -> t.is("Attribute")).hasSize(1);
    }

    @Test
    void rustRawStringsLifetimesAndNestedCommentsAreToldApart() {
        String rs = """
                /* outer /* pg_advisory_lock(1) */ still comment */
                fn run<'a>(c: &'a Client) { let q = r#"SELECT "pg_advisory_lock"(2)"#; let ch = 'x'; }
                """;
        assertThat(strings("a.rs", rs, Language.RUST)).containsExactly("SELECT \"pg_advisory_lock\"(2)", "x");
    }

    @Test
    void elixirHeredocsAndSigilsAreStringsAndHashCommentsAreDropped() {
        String ex = """
                # Repo.query!("SELECT pg_advisory_lock(1)")
                @sql \"""
                SELECT pg_advisory_lock(2)
                \"""
                Repo.query!(~s(SELECT pg_advisory_unlock(3)))
                """;
        assertThat(strings("a.ex", ex, Language.ELIXIR)).containsExactly("\nSELECT pg_advisory_lock(2)\n",
                "SELECT pg_advisory_unlock(3)");
    }

    @Test
    void sqlBuiltFromPiecesIsFoldedIntoOneLiteral() {
        String js = """
                const fn = ["pg", "try", "advisory", "lock"].join("_");
                const unlock = 'pg_' + 'advisory_' + 'unlock';
                client.query(`SELECT ${fn}($1)`, [k]);
                client.query("SELECT " + unlock + "($1)", [k]);
                """;
        SourceFile f = new SourceFile(Path.of("a.js"), "a.js", js, Language.JAVASCRIPT);
        List<String> folded = StringFolding.fold(SourceTokenizer.tokenize(f), Language.JAVASCRIPT).stream()
                .filter(t -> t.kind() == Token.Kind.STRING).map(Token::text).toList();
        assertThat(folded).contains("SELECT pg_try_advisory_lock($1)", "SELECT pg_advisory_unlock($1)");
        String py = "cur.execute(\"SELECT pg_advisory_{}(%s)\".format(\"lock\"), (key,))\n";
        SourceFile p = new SourceFile(Path.of("a.py"), "a.py", py, Language.PYTHON);
        assertThat(StringFolding.fold(SourceTokenizer.tokenize(p), Language.PYTHON))
                .filteredOn(t -> t.kind() == Token.Kind.STRING).extracting(Token::text)
                .containsExactly("SELECT pg_advisory_lock(%s)");
    }
}
