package io.lockwarden.cli.internal.soak;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The pure parts of the soak: option parsing, secret redaction, slope and file formats. */
class SoakPartsTest {

    @Test
    void passwordsInJdbcUrlsAreRedactedInBothForms() {
        assertThat(JdbcUrls.redact("jdbc:postgresql://h:5432/app?user=u&password=s3cret&ssl=true"))
                .isEqualTo("jdbc:postgresql://h:5432/app?user=u&password=***&ssl=true");
        assertThat(JdbcUrls.redact("jdbc:postgresql://u:s3cret@h:5432/app")).doesNotContain("s3cret");
        assertThat(JdbcUrls.redact(null)).isNull();
    }

    @Test
    void faultListsParseNamesAllAndNoneAndRejectUnknownOnes() {
        assertThat(Fault.parseList("exception,pool-evict")).containsExactlyInAnyOrder(Fault.EXCEPTION, Fault.POOL_EVICT);
        assertThat(Fault.parseList("all")).hasSize(4);
        assertThat(Fault.parseList("none")).isEmpty();
        assertThatThrownBy(() -> Fault.parseList("exception,flood")).hasMessageContaining("unknown fault 'flood'");
        assertThat(SoakMode.parse("session-raw")).isEqualTo(SoakMode.SESSION_RAW);
    }

    @Test
    void theSlopeOfSteadilyRisingHeldLocksIsTheirRisePerMinute() {
        List<Sample> rising = List.of(sample(0, 0), sample(1, 2), sample(2, 4), sample(3, 6));
        List<Sample> flat = List.of(sample(0, 3), sample(1, 3), sample(2, 3));

        assertThat(SoakReport.slopePerMinute(rising)).isEqualTo(120.0);
        assertThat(SoakReport.slopePerMinute(flat)).isZero();
        assertThat(SoakReport.slopePerMinute(List.of(sample(0, 5)))).isZero();
    }

    @Test
    void aReportFailsOnViolationsLeftLocksOrLeaksAndPassesOtherwise() {
        assertThat(report(0, 0, 0).passed()).isTrue();
        assertThat(report(1, 0, 0).failures()).singleElement().asString().contains("mutual-exclusion");
        assertThat(report(0, 2, 0).failures()).singleElement().asString().contains("still held");
        assertThat(report(0, 0, 1).failures()).singleElement().asString().contains("leaked");
    }

    @Test
    void theCsvHasOneRowPerSampleAndTheSvgOneLinePerSeries() {
        List<Sample> samples = List.of(sample(0, 1), sample(1, 2));

        assertThat(SeriesFiles.csv(samples).lines()).containsExactly(
                "seconds,held,waiting,orphaned,units,violations,faults", "0.0,1,0,0,10,0,0", "1.0,2,0,0,10,0,0");
        assertThat(SeriesFiles.svg("a <title>", samples)).contains("a &lt;title&gt;")
                .containsPattern("(?s)<polyline.*<polyline");
    }

    private static Sample sample(double seconds, int held) {
        return new Sample(seconds, held, 0, 0, 10, 0, 0);
    }

    private static SoakReport report(long violations, int left, int orphaned) {
        SoakConfig config = new SoakConfig("jdbc:postgresql://h/app", null, null, null, 4, java.time.Duration.ofSeconds(10),
                5, Set.of(), 0, SoakMode.LOCKWARDEN, java.time.Duration.ofSeconds(2), java.nio.file.Path.of("."), 1);
        return new SoakReport(config, 10, 100, java.util.Map.of(), violations, 0, 0, List.of(), left, 0, 1, orphaned,
                100, List.of(), null, List.of(), false);
    }
}
