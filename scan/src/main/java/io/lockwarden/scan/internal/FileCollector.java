package io.lockwarden.scan.internal;

import io.lockwarden.scan.Notice;
import io.lockwarden.scan.ScanException;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * Lists the files a scan reads under one root: honours every {@code .gitignore} from the repository top
 * down, skips VCS metadata and build output ({@link #SKIPPED_DIRECTORIES}) and never follows a symbolic
 * link (a link that points out of the tree is reported as a notice; one inside is scanned at its target).
 * Not thread safe; one per root.
 */
public final class FileCollector {
    /** Directory names never entered below a root. */
    public static final Set<String> SKIPPED_DIRECTORIES = Set.of(".git", ".hg", ".svn", "target", "build", "out",
            "node_modules", ".gradle", "dist", "__pycache__", ".venv", ".tox", ".mypy_cache", ".next", ".idea");

    /**
     * A file to scan.
     *
     * @param path     the file
     * @param language its language
     * @param named    the file was named on the command line (not found by walking a directory): a file
     *                 that cannot be read is then an error, not a skipped file
     */
    public record Candidate(Path path, Language language, boolean named) {
    }

    private FileCollector() {
    }

    /**
     * Collects the files under {@code root} (or {@code root} itself when it is a file).
     *
     * @param display maps a path to its displayed form, for notices
     * @throws IOException when the root cannot be listed
     */
    public static List<Candidate> collect(Path root, List<Notice> notices, Function<Path, String> display)
            throws IOException {
        List<Candidate> out = new ArrayList<>();
        Path realRoot = root.toRealPath();
        if (Files.isRegularFile(realRoot)) {
            Language lang = Language.of(realRoot.getFileName().toString());
            if (lang == null) {
                throw new ScanException(display.apply(root) + " is not a file type lockwarden scan reads "
                        + "(.java .kt .kts .py .rb .go .js .ts .cs .php .rs .ex .exs .sql .ini): pass a source file or a directory");
            }
            out.add(new Candidate(root, lang, true));
            return out;
        }
        if (!Files.isDirectory(realRoot)) {
            throw new ScanException(display.apply(root) + " is neither a regular file nor a directory (a device, FIFO "
                    + "or socket): pass a source file or a directory");
        }
        Deque<GitIgnore> stack = new ArrayDeque<>(parentIgnores(realRoot));
        Files.walkFileTree(realRoot, new SimpleFileVisitor<>() {
            private final Deque<Integer> pushed = new ArrayDeque<>();

            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                if (!dir.equals(realRoot) && (SKIPPED_DIRECTORIES.contains(dir.getFileName().toString())
                        || ignored(stack, dir, true))) {
                    return FileVisitResult.SKIP_SUBTREE;
                }
                GitIgnore g = GitIgnore.load(dir);
                if (g != null) {
                    stack.addLast(g);
                }
                pushed.push(g == null ? 0 : 1);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) {
                if (!pushed.isEmpty() && pushed.pop() == 1) {
                    stack.removeLast();
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                if (attrs.isSymbolicLink()) {
                    try {
                        Path target = file.toRealPath();
                        if (!target.startsWith(realRoot)) {
                            notices.add(new Notice(display.apply(file), 0,
                                    "symbolic link leaves the scanned tree; not followed"));
                        }
                    } catch (IOException e) {
                        notices.add(new Notice(display.apply(file), 0, "broken symbolic link; skipped"));
                    }
                    return FileVisitResult.CONTINUE;
                }
                if (!attrs.isRegularFile() || ignored(stack, file, false)) {
                    return FileVisitResult.CONTINUE;
                }
                Language lang = Language.of(file.getFileName().toString());
                if (lang != null) {
                    out.add(new Candidate(file, lang, false));
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path file, IOException exc) {
                notices.add(new Notice(display.apply(file), 0, "cannot be read: " + exc.getClass().getSimpleName()));
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    private static boolean ignored(Deque<GitIgnore> stack, Path p, boolean dir) {
        Boolean verdict = null;
        for (GitIgnore g : stack) {
            Boolean v = g.matches(p, dir);
            if (v != null) {
                verdict = v;
            }
        }
        return Boolean.TRUE.equals(verdict);
    }

    /** The .gitignore files from the repository top (the nearest parent with .git) down to root's parent. */
    private static List<GitIgnore> parentIgnores(Path realRoot) {
        List<Path> chain = new ArrayList<>();
        for (Path p = realRoot.getParent(); p != null; p = p.getParent()) {
            chain.add(0, p);
            if (Files.exists(p.resolve(".git"), LinkOption.NOFOLLOW_LINKS)) {
                List<GitIgnore> out = new ArrayList<>();
                for (Path d : chain) {
                    GitIgnore g = GitIgnore.load(d);
                    if (g != null) {
                        out.add(g);
                    }
                }
                return out;
            }
        }
        return List.of();
    }
}
