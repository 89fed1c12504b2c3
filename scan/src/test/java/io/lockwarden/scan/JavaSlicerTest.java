package io.lockwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;

import io.lockwarden.scan.internal.JavaSlicer;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Blanking irrelevant bodies keeps every offset and line, and keeps what the rules read. */
class JavaSlicerTest {
    private static final String SOURCE = """
            class A {
                static final String LOCK = "SELECT pg_advisory_lock(?)"; // the lock
                /** Loads things. */
                java.util.List<String> load(int id) throws java.sql.SQLException {
                    return java.util.List.of("x" + id); // irrelevant
                }
                void locked(java.sql.Connection c) throws Exception {
                    c.prepareStatement(LOCK).execute();
                }
                void foreign(java.sql.Connection c) throws Exception {
                    c.prepareStatement(Other.UNLOCK).execute();
                }
            }
            """;

    @Test
    void irrelevantBodiesAndCommentsBecomeSpacesWithOffsetsAndLinesUnchanged() {
        String sliced = JavaSlicer.slice(SOURCE, Set.of());

        assertThat(sliced).hasSameSizeAs(SOURCE);
        assertThat(sliced.lines().count()).isEqualTo(SOURCE.lines().count());
        assertThat(sliced).doesNotContain("irrelevant").doesNotContain("Loads things")
                .doesNotContain("List.of(\"x\"").doesNotContain("Other.UNLOCK");
        assertThat(sliced).contains("c.prepareStatement(LOCK).execute();")
                .contains("static final String LOCK = \"SELECT pg_advisory_lock(?)\";")
                .doesNotContain("load(int id)").contains("void locked(java.sql.Connection c) throws Exception {");
        assertThat(sliced.indexOf("c.prepareStatement(LOCK)")).isEqualTo(SOURCE.indexOf("c.prepareStatement(LOCK)"));
    }

    @Test
    void onlyMethodAndConstructorHeadersCountAsWholeMembers() {
        assertThat(io.lockwarden.scan.internal.JavaSlicer.class).isNotNull();
        String init = "class B {\n  static { if (ready()) { warm(); } }\n  Runnable r = () -> { run(1); };\n"
                + "  @Override public <T> java.util.Map<String, java.util.List<T>> m(T t) throws Exception { return null; }\n}\n";
        String sliced = JavaSlicer.slice(init, Set.of());
        assertThat(sliced).contains("static { if (ready()) {").contains("Runnable r = () -> {").doesNotContain("<T> java.util.Map")
                .hasSameSizeAs(init);
    }

    @Test
    void anotherFilesConstantKeepsTheBodyThatUsesIt() {
        assertThat(JavaSlicer.slice(SOURCE, Set.of("UNLOCK"))).contains("c.prepareStatement(Other.UNLOCK).execute();");
    }
}
