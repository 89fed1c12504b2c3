package io.lockwarden.connect.internal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * libpq's password file ({@code ~/.pgpass}, {@code PGPASSFILE}): lines of
 * {@code hostname:port:database:username:password}, {@code *} matching anything in the first four fields,
 * {@code \:} and {@code \\} escaping, {@code #} starting a comment, the first matching line winning. As libpq
 * does, a file that is not a plain file or that group or others may read is ignored with a warning. Stateless.
 */
public final class PassFile {
    private PassFile() {
    }

    /**
     * The password for the given connection, if the file exists, may be used and has a matching line.
     *
     * @param warnings receives libpq's warning when the file is ignored for its permissions or type
     */
    public static Optional<String> lookup(Path file, String host, int port, String database, String user,
                                          Consumer<String> warnings) {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        if (!Files.isRegularFile(file)) {
            warnings.accept("password file \"" + file + "\" is not a plain file");
            return Optional.empty();
        }
        try {
            Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file, LinkOption.NOFOLLOW_LINKS);
            if (perms.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
                warnings.accept("password file \"" + file + "\" has group or world access; permissions should be "
                        + "u=rw (0600) or less: it is ignored (run chmod 0600 " + file + ")");
                return Optional.empty();
            }
        } catch (UnsupportedOperationException | IOException e) {
            // not a POSIX file system: libpq skips the check on such systems too
        }
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            warnings.accept("cannot read password file \"" + file + "\": " + e.getClass().getSimpleName());
            return Optional.empty();
        }
        String[] wanted = {host, Integer.toString(port), database, user};
        for (String line : lines) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            List<String> fields = fields(line);
            if (fields.size() < 5) {
                continue;
            }
            boolean match = true;
            for (int i = 0; i < 4 && match; i++) {
                match = fields.get(i).equals("*") || fields.get(i).equals(wanted[i]);
            }
            if (match) {
                return Optional.of(fields.get(4));
            }
        }
        return Optional.empty();
    }

    private static List<String> fields(String line) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (c == '\\' && i + 1 < line.length()) {
                cur.append(line.charAt(++i));
            } else if (c == ':' && out.size() < 4) {
                out.add(cur.toString());
                cur.setLength(0);
            } else {
                cur.append(c);
            }
        }
        out.add(cur.toString());
        return out;
    }
}
