package io.lockwarden.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * deploy/kubernetes/prometheusrule.yaml, made from deploy/prometheus/lockwarden-alerts.yml: the rule groups of
 * that file (the one source of the alert rules, with its promtool tests) as the spec of a Prometheus Operator
 * {@code PrometheusRule}. {@code KubernetesManifestsIT} fails when the committed file differs; regenerate it from
 * the repository root with {@code java dist/src/test/java/io/lockwarden/dist/PrometheusRuleFile.java}
 * (JDK only, so it runs as a single source file).
 */
final class PrometheusRuleFile {
    static final String ALERTS = "deploy/prometheus/lockwarden-alerts.yml";
    static final String RULE = "deploy/kubernetes/prometheusrule.yaml";

    private PrometheusRuleFile() {
    }

    /** The PrometheusRule text for the alert rules file's text. @throws IllegalArgumentException without groups: */
    static String from(String alerts) {
        List<String> lines = alerts.lines().toList();
        int groups = lines.indexOf("groups:");
        if (groups < 0) {
            throw new IllegalArgumentException(ALERTS + " has no top-level 'groups:' line");
        }
        StringBuilder out = new StringBuilder()
                .append("# Generated from ").append(ALERTS).append(" (the one source of the alert rules, tested with\n")
                .append("# promtool by deploy/prometheus/lockwarden-alerts.test.yml). Do not edit: change that file, then run\n")
                .append("#   java dist/src/test/java/io/lockwarden/dist/PrometheusRuleFile.java\n")
                .append("apiVersion: monitoring.coreos.com/v1\n")
                .append("kind: PrometheusRule\n")
                .append("metadata:\n")
                .append("  name: lockwarden\n")
                .append("spec:\n");
        for (String line : lines.subList(groups, lines.size())) {
            out.append(line.isBlank() ? "" : "  " + line).append('\n');
        }
        return out.toString();
    }

    /** Rewrites {@link #RULE} from {@link #ALERTS}, relative to the working directory (the repository root). */
    public static void main(String[] args) throws IOException {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        String alerts = Files.readString(root.resolve(ALERTS), StandardCharsets.UTF_8);
        Files.writeString(root.resolve(RULE), from(alerts), StandardCharsets.UTF_8);
        System.out.println("wrote " + RULE + " from " + ALERTS);
    }
}
