package io.lockwarden.postmortem.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Every text the HTML report prints goes through one escape: markup is inert and control characters visible. */
class HtmlEscapeTest {
    @Test
    void markupAndControlCharactersFromTheLogAreBothEscaped() {
        assertThat(HtmlRenderer.escape("<b>ro\u001b]0;x\u0007le\u202e\n'\"&"))
                .isEqualTo("&lt;b&gt;ro\\x1b]0;x\\x07le\\u202e\\n&#39;&quot;&amp;");
    }
}
