package io.lockwarden.scan.internal;

import java.util.Locale;

/** The kinds of files the scanner reads, chosen by file name. */
public enum Language {
    JAVA, KOTLIN, PYTHON, RUBY, GO, JAVASCRIPT, CSHARP, PHP, RUST, ELIXIR, SQL, PGBOUNCER_INI;

    /** The language of a file name, or null when the scanner does not read such files. */
    public static Language of(String fileName) {
        String n = fileName.toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        String ext = dot < 0 ? "" : n.substring(dot + 1);
        switch (ext) {
            case "java": return JAVA;
            case "kt": case "kts": return KOTLIN;
            case "py": return PYTHON;
            case "rb": case "rake": return RUBY;
            case "go": return GO;
            case "js": case "mjs": case "cjs": case "jsx": case "ts": case "tsx": case "mts": case "cts":
                return JAVASCRIPT;
            case "cs": return CSHARP;
            case "php": return PHP;
            case "rs": return RUST;
            case "ex": case "exs": return ELIXIR;
            case "sql": return SQL;
            case "ini": return PGBOUNCER_INI;
            default: return n.startsWith("pgbouncer") && (ext.equals("conf") || ext.equals("cfg")) ? PGBOUNCER_INI : null;
        }
    }
}
