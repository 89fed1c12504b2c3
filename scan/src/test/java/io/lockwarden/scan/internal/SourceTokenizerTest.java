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
}
