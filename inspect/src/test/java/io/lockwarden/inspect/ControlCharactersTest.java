package io.lockwarden.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ControlCharactersTest {
    @Test
    void terminalSequencesNewlinesAndBidiOverridesBecomeVisibleEscapes() {
        assertThat(ControlCharacters.escape("\u001b]0;pwned\u0007\u001b[2J")).isEqualTo("\\x1b]0;pwned\\x07\\x1b[2J");
        assertThat(ControlCharacters.escape("app\nWARN forged line\r")).isEqualTo("app\\nWARN forged line\\r");
        assertThat(ControlCharacters.escape("a\tb\u007f\u009bc\u202eevil\u2028")).isEqualTo("a\\tb\\x7f\\x9bc\\u202eevil\\u2028");
    }

    @Test
    void ordinaryTextIncludingNonAsciiAndBackslashesIsKeptAsItIs() {
        String s = "SELECT 'Grüße' ~ E'\\\\d' -- é 日本";
        assertThat(ControlCharacters.escape(s)).isSameAs(s);
        assertThat(ControlCharacters.contains(s)).isFalse();
        assertThat(ControlCharacters.escape(null)).isNull();
        assertThat(ControlCharacters.contains("x\u001by")).isTrue();
    }
}
