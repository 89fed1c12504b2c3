package io.lockwarden.scan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * A set of accepted findings, identified by {@link Finding#fingerprint()}. Lets an existing code base adopt
 * the scanner and fail only on new findings. The file is JSON:
 * {@code {"version":1,"findings":[{"fingerprint":...,"rule":...,"path":...,"message":...}]}}; only the
 * fingerprints matter when reading, the rest is for humans reviewing the file. Immutable and thread safe.
 */
public final class Baseline {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private final Set<String> fingerprints;

    private Baseline(Set<String> fingerprints) {
        this.fingerprints = Set.copyOf(fingerprints);
    }

    /** A baseline that accepts nothing. */
    public static Baseline empty() {
        return new Baseline(Set.of());
    }

    /** A baseline that accepts exactly these findings. */
    public static Baseline of(Collection<Finding> findings) {
        Set<String> fps = new HashSet<>();
        findings.forEach(f -> fps.add(f.fingerprint()));
        return new Baseline(fps);
    }

    /**
     * Reads a baseline file.
     *
     * @throws ScanException naming the file when it is missing, unreadable or not a baseline
     */
    public static Baseline read(Path file) {
        JsonNode root;
        try {
            root = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new ScanException("cannot read baseline " + file + ": " + e.getClass().getSimpleName()
                    + "; create one with --write-baseline " + file);
        }
        if (root == null || !root.path("findings").isArray()) {
            throw new ScanException("baseline " + file + " has no \"findings\" array; recreate it with "
                    + "--write-baseline " + file);
        }
        Set<String> fps = new HashSet<>();
        for (JsonNode f : root.path("findings")) {
            if (f.path("fingerprint").isTextual()) {
                fps.add(f.path("fingerprint").asText());
            }
        }
        return new Baseline(fps);
    }

    /**
     * Writes the findings as a baseline file, replacing it (a plain write: the CLI writes baselines through its
     * output-file rules with {@link #json(Collection)}).
     *
     * @throws ScanException naming the file when it cannot be written
     */
    public static void write(Path file, Collection<Finding> findings) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, json(findings), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new ScanException("cannot write baseline " + file + ": " + e.getClass().getSimpleName()
                    + "; choose a writable path");
        }
    }

    /** The baseline document for these findings (what {@link #write} writes), as indented JSON text. */
    public static String json(Collection<Finding> findings) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", 1);
        root.put("tool", "lockwarden scan");
        ArrayNode arr = root.putArray("findings");
        for (Finding f : findings) {
            ObjectNode o = arr.addObject();
            o.put("fingerprint", f.fingerprint());
            o.put("rule", f.rule().id());
            o.put("path", f.path());
            o.put("message", f.message());
        }
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("a baseline of plain strings always serialises", e);
        }
    }

    /** True when the baseline accepts this finding. */
    public boolean contains(Finding f) {
        return fingerprints.contains(f.fingerprint());
    }

    /** Number of fingerprints. */
    public int size() {
        return fingerprints.size();
    }
}
