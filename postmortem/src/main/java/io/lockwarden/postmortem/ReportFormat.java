package io.lockwarden.postmortem;

import io.lockwarden.postmortem.internal.HtmlRenderer;
import io.lockwarden.postmortem.internal.JsonRenderer;
import io.lockwarden.postmortem.internal.TextRenderer;
import java.util.Locale;

/**
 * The report formats: text for people at a terminal, JSON for machines (documented in
 * {@code docs/postmortem-json.md}, schema {@code docs/postmortem-json.schema.json}), and one self-contained HTML
 * file with a timeline chart. Thread-safe.
 */
public enum ReportFormat {
    /** Summary first, then per-key timelines. */
    TEXT,
    /** Stable JSON, {@code format_version} 1. */
    JSON,
    /** One HTML file, no external resources, with an inline SVG timeline: per session, holds and waits per key, terminations, lock
     * timeouts and deadlocks marked, and who blocked whom. */
    HTML;

    /**
     * The format named {@code text}, {@code json} or {@code html} (any case).
     *
     * @throws IllegalArgumentException naming the accepted values
     */
    public static ReportFormat parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new IllegalArgumentException("unknown format '" + name + "': use text, json or html");
        }
    }

    /** Renders a report in this format. */
    public String render(Report report) {
        return switch (this) {
            case TEXT -> TextRenderer.render(report);
            case JSON -> JsonRenderer.render(report);
            case HTML -> HtmlRenderer.render(report);
        };
    }
}
