package io.lockwarden.scan.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.Consumer;
import org.treesitter.TSNode;
import org.treesitter.TSParser;
import org.treesitter.TSTree;
import org.treesitter.TreeSitterGo;

/**
 * A Go file parsed by tree-sitter's Go grammar (through the tree-sitter-ng JNI bindings): node texts and
 * positions over the file's UTF-8 bytes. Parsers are per thread (a tree-sitter parser is not thread safe);
 * one instance per file, not thread safe.
 */
final class GoSyntax {
    private static final ThreadLocal<TSParser> PARSER = ThreadLocal.withInitial(() -> {
        TSParser p = new TSParser();
        p.setLanguage(new TreeSitterGo());
        return p;
    });

    private final byte[] bytes;
    private final TSTree tree;

    private GoSyntax(String text) {
        this.bytes = text.getBytes(StandardCharsets.UTF_8);
        this.tree = PARSER.get().parseString(null, text);
    }

    /** Parses Go source text (a file with syntax errors still gives a tree with ERROR nodes). */
    static GoSyntax parse(String text) {
        return new GoSyntax(text);
    }

    TSNode root() {
        return tree.getRootNode();
    }

    /** The source text of a node. */
    String text(TSNode n) {
        if (n == null || n.isNull()) {
            return "";
        }
        return new String(bytes, n.getStartByte(), n.getEndByte() - n.getStartByte(), StandardCharsets.UTF_8);
    }

    /** 1-based line of a node's start. */
    static int line(TSNode n) {
        return n.getStartPoint().getRow() + 1;
    }

    /** 1-based column (in bytes) of a node's start. */
    static int column(TSNode n) {
        return n.getStartPoint().getColumn() + 1;
    }

    /** The child in a field, or null when absent. */
    static TSNode field(TSNode n, String name) {
        TSNode c = n.getChildByFieldName(name);
        return c == null || c.isNull() ? null : c;
    }

    /** Visits {@code from} and every node below it, parents first, without recursion. */
    static void walk(TSNode from, Consumer<TSNode> visit) {
        Deque<TSNode> stack = new ArrayDeque<>();
        stack.push(from);
        while (!stack.isEmpty()) {
            TSNode n = stack.pop();
            visit.accept(n);
            for (int i = n.getNamedChildCount() - 1; i >= 0; i--) {
                stack.push(n.getNamedChild(i));
            }
        }
    }

    /** The value of a Go string literal (interpreted or raw), without quotes; escapes are left as written. */
    String stringValue(TSNode n) {
        String s = text(n);
        return s.length() >= 2 ? s.substring(1, s.length() - 1) : "";
    }
}
