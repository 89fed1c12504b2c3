package io.lockwarden.scan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Locale;

/**
 * Output formats of a {@link ScanResult}: {@code text} (one {@code path:line:col: severity RULE message}
 * line per finding, as editors and terminals expect), {@code json} (documented in
 * {@code docs/scan-json.md}) and {@code sarif} (SARIF 2.1.0 for code-scanning UIs). Stateless and thread
 * safe.
 */
public enum ReportFormat {
    /** Human-readable lines. */
    TEXT,
    /** Lockwarden's stable JSON document. */
    JSON,
    /** SARIF 2.1.0. */
    SARIF;

    /** Version of the JSON document ({@code "schemaVersion"}). */
    public static final int JSON_SCHEMA_VERSION = 1;
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * Parses {@code text}, {@code json} or {@code sarif}.
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static ReportFormat parse(String name) {
        try {
            return valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("unknown format '" + name + "': use text, json or sarif");
        }
    }

    /** Renders the result. {@code toolVersion} goes into JSON and SARIF. */
    public String render(ScanResult r, String toolVersion) {
        return switch (this) {
            case TEXT -> text(r);
            case JSON -> write(json(r, toolVersion));
            case SARIF -> write(sarif(r, toolVersion));
        };
    }

    private static String text(ScanResult r) {
        StringBuilder b = new StringBuilder();
        for (Finding f : r.findings()) {
            b.append(f.path()).append(':').append(f.line()).append(':').append(f.column()).append(": ")
                    .append(f.severity().label()).append(' ').append(f.rule().id()).append(' ')
                    .append(f.message()).append(" Fix: ").append(f.rule().fix()).append('\n');
        }
        for (Notice n : r.notices()) {
            b.append(n.path()).append(':').append(Math.max(n.line(), 1)).append(":1: note skipped: ")
                    .append(n.message()).append('\n');
        }
        b.append(r.findings().size()).append(" finding(s): ").append(r.count(Severity.ERROR)).append(" error(s), ")
                .append(r.count(Severity.WARNING)).append(" warning(s); ").append(r.filesScanned())
                .append(" file(s), ").append(r.linesScanned()).append(" line(s) scanned; ")
                .append(r.suppressed()).append(" suppressed, ").append(r.baselined()).append(" baselined, ")
                .append(r.notices().size()).append(" file(s) skipped\n");
        return b.toString();
    }

    private static ObjectNode json(ScanResult r, String version) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("schemaVersion", JSON_SCHEMA_VERSION);
        root.put("tool", "lockwarden");
        root.put("toolVersion", version);
        ObjectNode summary = root.putObject("summary");
        summary.put("files", r.filesScanned());
        summary.put("lines", r.linesScanned());
        summary.put("findings", r.findings().size());
        summary.put("errors", r.count(Severity.ERROR));
        summary.put("warnings", r.count(Severity.WARNING));
        summary.put("notes", r.count(Severity.NOTE));
        summary.put("suppressed", r.suppressed());
        summary.put("baselined", r.baselined());
        summary.put("skipped", r.notices().size());
        ArrayNode fs = root.putArray("findings");
        for (Finding f : r.findings()) {
            ObjectNode o = fs.addObject();
            o.put("rule", f.rule().id());
            o.put("name", f.rule().slug());
            o.put("severity", f.severity().label());
            o.put("path", f.path());
            o.put("line", f.line());
            o.put("column", f.column());
            o.put("message", f.message());
            o.put("fix", f.rule().fix());
            o.put("fingerprint", f.fingerprint());
        }
        ArrayNode ns = root.putArray("skipped");
        for (Notice n : r.notices()) {
            ObjectNode o = ns.addObject();
            o.put("path", n.path());
            o.put("line", n.line());
            o.put("reason", n.message());
        }
        return root;
    }

    private static ObjectNode sarif(ScanResult r, String version) {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
        root.put("version", "2.1.0");
        ObjectNode run = root.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "lockwarden");
        driver.put("version", version);
        driver.put("informationUri", "https://github.com/lockwarden/lockwarden");
        ArrayNode rules = driver.putArray("rules");
        for (Rule rule : Rule.values()) {
            ObjectNode o = rules.addObject();
            o.put("id", rule.id());
            o.put("name", rule.slug());
            o.putObject("shortDescription").put("text", rule.description());
            o.putObject("help").put("text", rule.fix());
            o.putObject("defaultConfiguration").put("level", rule.severity().label());
            o.put("helpUri", "https://github.com/lockwarden/lockwarden/blob/main/docs/scan-rules.md#"
                    + rule.docAnchor());
        }
        run.putObject("originalUriBaseIds").putObject("SRCROOT").putObject("description")
                .put("text", "The directory lockwarden scan ran in.");
        ArrayNode results = run.putArray("results");
        for (Finding f : r.findings()) {
            ObjectNode o = results.addObject();
            o.put("ruleId", f.rule().id());
            o.put("ruleIndex", f.rule().ordinal());
            o.put("level", f.severity().label());
            o.putObject("message").put("text", f.message() + " Fix: " + f.rule().fix());
            ObjectNode phys = o.putArray("locations").addObject().putObject("physicalLocation");
            ObjectNode art = phys.putObject("artifactLocation");
            art.put("uri", uri(f.path()));
            if (!f.path().startsWith("/")) {
                art.put("uriBaseId", "SRCROOT");
            }
            phys.putObject("region").put("startLine", f.line()).put("startColumn", f.column());
            o.putObject("partialFingerprints").put("lockwarden/v1", f.fingerprint());
        }
        ObjectNode inv = run.putArray("invocations").addObject();
        inv.put("executionSuccessful", true);
        ArrayNode notes = inv.putArray("toolExecutionNotifications");
        for (Notice n : r.notices()) {
            ObjectNode o = notes.addObject();
            o.put("level", "warning");
            o.putObject("message").put("text", n.message());
            ObjectNode phys = o.putArray("locations").addObject().putObject("physicalLocation");
            phys.putObject("artifactLocation").put("uri", uri(n.path()));
            if (n.line() > 0) {
                phys.putObject("region").put("startLine", n.line());
            }
        }
        return root;
    }

    private static String uri(String path) {
        String p = path.replace(" ", "%20").replace("#", "%23");
        return path.startsWith("/") ? "file://" + p : p;
    }

    private static String write(ObjectNode node) {
        try {
            return MAPPER.writeValueAsString(node) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render report", e);
        }
    }
}
