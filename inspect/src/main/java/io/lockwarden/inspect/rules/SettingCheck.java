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
}
