package io.lockwarden.watch.internal;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * The enforcement audit trail: one JSON object a line, appended and forced to disk ({@code fsync}) before the
 * call returns, so the line of a decision exists before the next action and survives a crash. A symbolic link is
 * written through; a FIFO, a device or {@code /dev/stdout} is written to (not forced: they cannot be). The last 200
 * entries are also kept in memory for the dashboard. Thread-safe.
 */
public final class AuditLog implements AutoCloseable {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final int TAIL = 200;

    private final Path file;
    private final FileChannel channel;
    private final boolean regularFile;
    private final Deque<ObjectNode> tail = new ArrayDeque<>();

    /**
     * Opens (creating when missing) the log for appending.
     *
     * @throws UncheckedIOException when the file cannot be opened, naming it
     */
    public AuditLog(Path file) {
        this.file = file;
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            // opened, never replaced: a link is written through, a FIFO or /dev/stdout gets the lines as written
            this.channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.APPEND);
            this.regularFile = Files.isRegularFile(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the audit log " + file + " for appending (" + e.getMessage()
                    + "): check the path and its permissions", e);
        }
    }

    /** A fresh entry to fill in. */
    public static ObjectNode entry() {
        return MAPPER.createObjectNode();
    }

    /**
     * Appends one entry and forces it to disk.
     *
     * @throws UncheckedIOException when writing fails: the caller must not act before its decision is recorded
     */
    public synchronized void append(ObjectNode entry) {
        try {
            byte[] line = (MAPPER.writeValueAsString(entry) + "\n").getBytes(StandardCharsets.UTF_8);
            ByteBuffer b = ByteBuffer.wrap(line);
            while (b.hasRemaining()) {
                channel.write(b);
            }
            if (regularFile) {
                channel.force(false); // a pipe or a device cannot be forced (EINVAL); its line is already written
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot append to the audit log " + file + " (" + e.getMessage() + ")", e);
        }
        tail.addLast(entry);
        while (tail.size() > TAIL) {
            tail.removeFirst();
        }
    }

    /** The most recent entries (up to 200), oldest first; those of one target when {@code target} is not null. */
    public synchronized List<ObjectNode> recent(String target) {
        List<ObjectNode> out = new ArrayList<>();
        for (ObjectNode n : tail) {
            if (target == null || target.equals(n.path("target").asText())) {
                out.add(n);
            }
        }
        return out;
    }

    /** Closes the file. */
    @Override
    public synchronized void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // nothing left to flush: every append was forced
        }
    }
}
