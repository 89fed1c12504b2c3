package io.lockwarden.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/kubernetes, the kustomize base: every manifest valid against the Kubernetes 1.34 API schemas and the
 * Prometheus Operator's monitoring.coreos.com/v1 schemas (npm packages kubernetes-models and
 * {@code @kubernetes-models/prometheus-operator}, pinned in dist/src/test/kubernetes/package-lock.json, run by
 * node); the PrometheusRule generated from deploy/prometheus/lockwarden-alerts.yml and passing its promtool tests;
 * the operational promises of docs/production.md (two replicas, probes, limits, non-root, read-only, no password
 * in the ConfigMap).
 */
class KubernetesManifestsIT {
    private static final Path ROOT = Path.of(System.getProperty("lockwarden.root"));
    private static final Path BASE = ROOT.resolve("deploy/kubernetes");
    private static final Map<String, String> ENV = Map.of("PATH", "/usr/local/bin:/usr/bin:/bin",
            "HOME", System.getProperty("user.home"));

    @TempDir
    static Path work;
    static Path validator;

    @BeforeAll
    static void installTheSchemaPackages() throws IOException {
        validator = Files.createDirectories(work.resolve("validate"));
        for (String f : List.of("package.json", "package-lock.json", "validate.mjs")) {
            Files.copy(ROOT.resolve("dist/src/test/kubernetes").resolve(f), validator.resolve(f));
        }
        CommandRun ci = CommandRun.run(validator, ENV, 5, List.of("npm", "ci", "--no-audit", "--no-fund"));
        assertThat(ci.exit()).as(ci.describe()).isZero();
    }

    private static List<Path> manifests() throws IOException {
        try (Stream<Path> files = Files.list(BASE)) {
            return files.filter(p -> p.toString().endsWith(".yaml"))
                    .filter(p -> !p.getFileName().toString().equals("kustomization.yaml")).sorted().toList();
        }
    }

    private static CommandRun validate(List<Path> files) {
        List<String> cmd = new ArrayList<>(List.of("node", "validate.mjs"));
        files.forEach(f -> cmd.add(f.toString()));
        return CommandRun.run(validator, ENV, 2, cmd);
    }

    @Test
    void everyManifestIsValidAgainstTheKubernetesAndPrometheusOperatorSchemas() throws IOException {
        CommandRun r = validate(manifests());

        assertThat(r.exit()).as(r.describe()).isZero();
        assertThat(r.out().lines().filter(l -> l.startsWith("valid ")).map(l -> l.substring(6, l.indexOf(" ("))))
                .containsExactlyInAnyOrder("v1/ConfigMap lockwarden-config", "v1/Secret lockwarden-db",
                        "apps/v1/Deployment lockwarden", "v1/Service lockwarden",
                        "monitoring.coreos.com/v1/ServiceMonitor lockwarden",
                        "monitoring.coreos.com/v1/PrometheusRule lockwarden");
    }

    @Test
    void theValidatorRefusesAManifestThatBreaksTheSchema() throws IOException {
        Path broken = work.resolve("broken-deployment.yaml");
        Files.writeString(broken, Files.readString(BASE.resolve("deployment.yaml"))
                .replace("readOnlyRootFilesystem: true", "readOnlyRootFilesystem: \"yes\""));
        Path rule = work.resolve("broken-rule.yaml");
        Files.writeString(rule, Files.readString(BASE.resolve("prometheusrule.yaml")).replaceFirst("(?m)^ +expr: \\|$",
                "          exprr: |"));

        CommandRun r = validate(List.of(broken, rule));

        assertThat(r.exit()).isEqualTo(1);
        assertThat(r.out()).contains("invalid apps/v1/Deployment lockwarden", "readOnlyRootFilesystem must be boolean",
                "invalid monitoring.coreos.com/v1/PrometheusRule lockwarden", "must have required property expr");
    }

    @Test
    void theKustomizationListsEveryManifest() throws IOException {
        String kustomization = Files.readString(BASE.resolve("kustomization.yaml"));
        for (Path m : manifests()) {
            assertThat(kustomization).contains("  - " + m.getFileName());
        }
    }

    @Test
    void thePrometheusRuleIsGeneratedFromTheAlertRulesAndPassesTheirPromtoolTests() throws IOException {
        String alerts = Files.readString(ROOT.resolve(PrometheusRuleFile.ALERTS), StandardCharsets.UTF_8);
        String committed = Files.readString(ROOT.resolve(PrometheusRuleFile.RULE), StandardCharsets.UTF_8);
        assertThat(committed).as("%s is not generated from %s: run java "
                + "dist/src/test/java/io/lockwarden/dist/PrometheusRuleFile.java", PrometheusRuleFile.RULE,
                PrometheusRuleFile.ALERTS).isEqualTo(PrometheusRuleFile.from(alerts));

        // the spec's groups, as Prometheus reads them, with the promtool unit tests of the source file
        Path dir = Files.createDirectories(work.resolve("promtool"));
        List<String> lines = committed.lines().toList();
        StringBuilder spec = new StringBuilder();
        for (String line : lines.subList(lines.indexOf("spec:") + 1, lines.size())) {
            spec.append(line.isEmpty() ? "" : line.substring(2)).append('\n');
        }
        Files.writeString(dir.resolve("lockwarden-alerts.yml"), spec);
        Files.copy(ROOT.resolve("deploy/prometheus/lockwarden-alerts.test.yml"), dir.resolve("lockwarden-alerts.test.yml"));
        CommandRun check = CommandRun.run(dir, ENV, 2, List.of("promtool", "check", "rules", "lockwarden-alerts.yml"));
        assertThat(check.exit()).as(check.describe()).isZero();
        CommandRun test = CommandRun.run(dir, ENV, 2, List.of("promtool", "test", "rules", "lockwarden-alerts.test.yml"));
        assertThat(test.exit()).as(test.describe()).isZero();
        assertThat(check.out()).contains("SUCCESS: 6 rules found");
    }

    @Test
    void theDeploymentKeepsTheProductionPromises() throws IOException {
        String deployment = Files.readString(BASE.resolve("deployment.yaml"));
        assertThat(deployment).contains("replicas: 2", "runAsNonRoot: true", "readOnlyRootFilesystem: true",
                "allowPrivilegeEscalation: false", "drop: [ALL]", "path: /healthz", "path: /readyz",
                "limits:", "requests:", "secretKeyRef:");
        String config = Files.readString(BASE.resolve("configmap.yaml"));
        assertThat(config).contains("password_env:").doesNotContainPattern("(?m)^\\s+password(_file)?:");
    }
}
