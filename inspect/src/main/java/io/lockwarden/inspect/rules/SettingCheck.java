package io.lockwarden.inspect.rules;

import io.lockwarden.inspect.Finding;
import io.lockwarden.inspect.Severity;
import java.util.List;
import java.util.Map;

/** What the rules about one server setting share: an INFO finding when it has one risky value. Package-private. */
final class SettingCheck {
    private SettingCheck() {
    }

    /**
     * One INFO finding (no pids, keys or verdicts; the setting and its value as evidence) when
     * {@code setting} was read and equals {@code risky}; none otherwise.
     */
    static List<Finding> infoWhen(RuleContext ctx, String ruleId, String setting, String risky, String message,
                                  String fix) {
        String value = ctx.snapshot().settings().value(setting).orElse(null);
        if (!risky.equals(value)) {
            return List.of();
        }
        return List.of(new Finding(ruleId, Severity.INFO, List.of(), List.of(), message, fix, List.of(),
                Map.of(setting, value)));
    }

    /**
     * {@code ALTER ROLE r SET setting} for the roles that hold advisory locks in the snapshot (at most three,
     * quoted as identifiers when needed), or for "the application's role" when none is visible: advice names
     * roles that exist.
     */
    static String alterRole(RuleContext ctx, String assignment) {
        List<String> roles = ctx.snapshot().holderPids().stream()
                .map(pid -> ctx.session(pid).map(io.lockwarden.inspect.SessionInfo::user).orElse(null))
                .filter(java.util.Objects::nonNull)
                .filter(r -> !r.equals(ctx.snapshot().visibility().role()) || ctx.snapshot().holderPids().size() == 1)
                .distinct().sorted().limit(3).toList();
        if (roles.isEmpty()) {
            return "ALTER ROLE <the application's role> SET " + assignment;
        }
        return roles.stream().map(r -> "ALTER ROLE " + (r.matches("[a-z_][a-z0-9_]*") ? r : "\"" + r.replace("\"", "\"\"")
                + "\"") + " SET " + assignment).collect(java.util.stream.Collectors.joining("; "));
    }
}
