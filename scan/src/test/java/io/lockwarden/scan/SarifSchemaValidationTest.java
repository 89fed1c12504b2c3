package io.lockwarden.scan;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The SARIF output of a real scan (findings and a skipped file) is valid against the SARIF 2.1.0 schema. */
class SarifSchemaValidationTest {

    @Test
    void sarifReportOfTheCorpusIsValidAgainstTheSarif210Schema() throws Exception {
        Path corpus = Path.of("src/test/resources/corpus");
        ScanResult result = Scanner.builder().baseDirectory(Path.of("")).build().scan(List.of(corpus));
        assertThat(result.findings()).isNotEmpty();
        ScanResult withNotice = new ScanResult(result.findings(),
                List.of(new Notice("src/Broken.java", 3, "does not parse as Java: unexpected token")),
                result.filesScanned(), result.linesScanned(), 0, 0);

        String sarif = ReportFormat.SARIF.render(withNotice, "test");

        ObjectMapper mapper = new ObjectMapper();
        JsonNode doc = mapper.readTree(sarif);
        JsonSchema schema;
        try (InputStream in = getClass().getResourceAsStream("/sarif/sarif-schema-2.1.0.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
        Set<ValidationMessage> errors = schema.validate(doc);
        assertThat(errors).as("schema violations").isEmpty();
        assertThat(doc.at("/runs/0/results").size()).isEqualTo(result.findings().size());
        assertThat(doc.at("/runs/0/tool/driver/rules").size()).isEqualTo(Rule.values().length);
        assertThat(doc.at("/runs/0/invocations/0/toolExecutionNotifications/0/message/text").asText())
                .contains("does not parse");
    }

    @Test
    void aDocumentBreakingTheSchemaIsRejected() throws Exception {
        JsonSchema schema;
        try (InputStream in = getClass().getResourceAsStream("/sarif/sarif-schema-2.1.0.json")) {
            schema = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(in);
        }
        JsonNode bad = new ObjectMapper().readTree("{\"version\":\"2.1.0\",\"runs\":[{\"results\":[]}]}");
        assertThat(schema.validate(bad)).as("a run without a tool is invalid").isNotEmpty();
    }
}
