package io.lockwarden.cli.internal;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes a file a user named on the command line ({@code -o}, {@code --output}, {@code --out},
 * {@code --write-baseline}) the way Unix tools do, atomic only where that is safe:
 * <ul>
 *   <li>a new file, or an existing regular file: written to a temporary file in the same directory and renamed
 *       over it, so a reader never sees half a file; an existing file keeps its permissions (and, where the
 *       process may set them, its owner and group);</li>
 *   <li>a symbolic link: the link stays, its final target gets the content (by the rules above; a dangling link
 *       creates its target);</li>
 *   <li>a FIFO, a character or block device, a socket, or anything under {@code /dev} or {@code /proc}
 *       ({@code /dev/stdout}, {@code /proc/self/fd/N}): opened and written, never renamed or chmod-ed;</li>
 *   <li>a regular file in a directory where no temporary file can be created: written in place;</li>
 *   <li>a directory: refused.</li>
 * </ul>
 * Failures throw {@link OutputFileException} naming the path and the next step; no temporary file is left behind.
 * Stateless and thread-safe (two writers of one path race as two {@code mv} commands would).
 */
public final class OutputFile {
    private static final int MAX_LINKS = 40;

    private OutputFile() {
    }

    /**
     * Writes {@code text} as UTF-8 to {@code target}, replacing what a regular file held.
     *
     * @throws OutputFileException when the target is a directory, its directory is missing or read-only, or the
     *                             write fails
     */
    public static void write(Path target, String text) {
        write(target, text.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * Writes {@code content} to {@code target}, replacing what a regular file held.
     *
     * @throws OutputFileException when the target is a directory, its directory is missing or read-only, or the
     *                             write fails
     */
    public static void write(Path target, byte[] content) {
        Path path = target.toAbsolutePath();
        BasicFileAttributes attrs = attributes(target, path);
        if (attrs == null) {
            create(target, finalTarget(target, path), content);
        } else if (attrs.isDirectory()) {
            throw directory(target);
        } else if (!attrs.isRegularFile() || special(path)) {
            writeInPlace(target, path, content);
        } else {
            replace(target, realPath(target, path), content);
        }
    }

    /**
     * Refuses, before any work is done, a target that can never be written: a directory, or a path whose
     * directory does not exist.
     *
     * @throws OutputFileException naming the path and what to do instead
     */
    public static void check(Path target) {
        Path path = target.toAbsolutePath();
        BasicFileAttributes attrs = attributes(target, path);
        if (attrs != null && attrs.isDirectory()) {
            throw directory(target);
        }
        if (attrs == null) {
            Path dir = finalTarget(target, path).getParent();
            if (dir != null && !Files.isDirectory(dir)) {
                throw missingDirectory(target, dir);
            }
        }
    }

    private static OutputFileException directory(Path target) {
        return new OutputFileException("cannot write " + target + ": it is a directory; name a file in it, e.g. "
                + target.resolve("report.txt"));
    }

    private static OutputFileException missingDirectory(Path target, Path dir) {
        return new OutputFileException("cannot write " + target + ": directory " + dir
                + " does not exist; create it first or choose another path");
    }

    /** The attributes of what the path finally names (links followed), or null when nothing is there. */
    private static BasicFileAttributes attributes(Path target, Path path) {
        try {
            return Files.readAttributes(path, BasicFileAttributes.class);
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            throw failure(target, e);
        }
    }

    /**
     * Paths under /dev and /proc name streams and descriptors ({@code /dev/stdout} may be a regular file the shell
     * opened): never rename over them, whatever they point to. True also when a link on the way leads there.
     */
    private static boolean special(Path path) {
        Path p = path.normalize();
        for (int i = 0; i <= MAX_LINKS; i++) {
            if (p.startsWith("/dev") || p.startsWith("/proc")) {
                return true;
            }
            if (!Files.isSymbolicLink(p)) {
                return false;
            }
            try {
                p = p.getParent().resolve(Files.readSymbolicLink(p)).normalize();
            } catch (IOException e) {
                return false;
            }
        }
        return false;
    }

    private static Path realPath(Path target, Path path) {
        try {
            return path.toRealPath();
        } catch (IOException e) {
            throw failure(target, e);
        }
    }

    /** Follows a chain of symbolic links to the path that does not exist yet (a dangling link's target). */
    private static Path finalTarget(Path target, Path path) {
        Path p = path;
        for (int i = 0; i < MAX_LINKS && Files.isSymbolicLink(p); i++) {
            try {
                p = p.toAbsolutePath().getParent().resolve(Files.readSymbolicLink(p)).normalize();
            } catch (IOException e) {
                throw failure(target, e);
            }
        }
        if (Files.isSymbolicLink(p)) {
            throw new OutputFileException("cannot write " + target + ": more than " + MAX_LINKS
                    + " symbolic links (a loop?); name the file itself");
        }
        return p;
    }

    /** A new file: temporary file then rename, so the name appears only with its whole content. */
    private static void create(Path target, Path file, byte[] content) {
        Path dir = file.getParent();
        if (dir != null && !Files.isDirectory(dir)) {
            throw missingDirectory(target, dir);
        }
        Path tmp = writeTemporary(target, file, content, null);
        if (tmp == null) {
            throw new OutputFileException("cannot write " + target + ": directory " + dir
                    + " is not writable; choose a writable path");
        }
        rename(target, tmp, file);
    }

    /** An existing regular file: temporary file with its permissions, then rename; in place if no temp can be made. */
    private static void replace(Path target, Path file, byte[] content) {
        PosixFileAttributes existing;
        try {
            existing = Files.readAttributes(file, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (UnsupportedOperationException e) {
            existing = null;
        } catch (IOException e) {
            throw failure(target, e);
        }
        Path tmp = writeTemporary(target, file, content, existing);
        if (tmp == null) {
            writeInPlace(target, file, content);
            return;
        }
        rename(target, tmp, file);
    }

    /**
     * Writes content to a fresh temporary file next to {@code file}, with the permissions (and if possible owner)
     * of {@code existing}; returns null when the directory does not allow creating one.
     */
    private static Path writeTemporary(Path target, Path file, byte[] content, PosixFileAttributes existing) {
        Path tmp = null;
        for (int attempt = 0; tmp == null; attempt++) {
            Path candidate = file.resolveSibling("." + file.getFileName() + ".lockwarden-"
                    + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
            try (FileChannel ch = FileChannel.open(candidate, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                tmp = candidate;
                ByteBuffer b = ByteBuffer.wrap(content);
                while (b.hasRemaining()) {
                    ch.write(b);
                }
                ch.force(true);
            } catch (FileAlreadyExistsException e) {
                if (attempt > 10) {
                    throw failure(target, e);
                }
            } catch (AccessDeniedException e) {
                if (tmp == null) {
                    return null;
                }
                deleteQuietly(tmp);
                throw failure(target, e);
            } catch (FileSystemException e) {
                if (tmp == null && "Read-only file system".equals(e.getReason())) {
                    return null;
                }
                deleteQuietly(tmp);
                throw failure(target, e);
            } catch (IOException e) {
                deleteQuietly(tmp);
                throw failure(target, e);
            }
        }
        if (existing != null) {
            try {
                Files.setPosixFilePermissions(tmp, existing.permissions());
                keepOwner(tmp, existing);
            } catch (IOException e) {
                deleteQuietly(tmp);
                throw failure(target, e);
            }
        }
        return tmp;
    }

    /** Gives the new file the old one's owner and group where this process may (root, or its own group). */
    private static void keepOwner(Path tmp, PosixFileAttributes existing) {
        try {
            Files.setOwner(tmp, existing.owner());
        } catch (IOException e) {
            // not permitted: the file becomes this user's, as with any tool that replaces a file
        }
        try {
            Files.getFileAttributeView(tmp, java.nio.file.attribute.PosixFileAttributeView.class)
                    .setGroup(existing.group());
        } catch (IOException e) {
            // not permitted: keeps this user's group
        }
    }

    private static void rename(Path target, Path tmp, Path file) {
        try {
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw failure(target, e);
        }
    }

    /** Opens what is there and writes (a FIFO blocks until someone reads, as with any Unix tool). */
    private static void writeInPlace(Path target, Path path, byte[] content) {
        try (OutputStream out = Files.newOutputStream(path, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(content);
        } catch (IOException e) {
            throw failure(target, e);
        }
    }

    private static void deleteQuietly(Path tmp) {
        if (tmp != null) {
            try {
                Files.deleteIfExists(tmp);
            } catch (IOException e) {
                // the rename or write failure is what the user needs to hear about
            }
        }
    }

    private static OutputFileException failure(Path target, IOException e) {
        String reason;
        if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else if (e instanceof NoSuchFileException) {
            reason = "no such file or directory";
        } else if (e instanceof FileSystemException fs && fs.getReason() != null) {
            reason = fs.getReason();
        } else {
            reason = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : " " + e.getMessage());
        }
        return new OutputFileException("cannot write " + target + ": " + reason + "; choose a writable path", e);
    }
}
