package io.lockwarden.spring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import io.lockwarden.LockKey;
import io.lockwarden.LockMode;
import io.lockwarden.LockScope;
import io.lockwarden.spring.internal.AnnotationKeys;
import io.lockwarden.spring.internal.HeldLocks;
import io.lockwarden.spring.internal.SingletonTasks;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.endpoint.jackson.EndpointObjectMapper;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The endpoint's JSON, as Actuator's own ObjectMapper writes it, validates against the published
 * schema docs/spring-endpoint.schema.json, with locks of every scope held; and the schema rejects
 * what it should.
 */
class EndpointJsonSchemaTest {
    private static JsonSchema schema() throws Exception {
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.exists(dir.resolve("docs/spring-endpoint.schema.json"))) {
            dir = dir.getParent();
        }
        assertThat(dir).as("docs/spring-endpoint.schema.json above " + Path.of("").toAbsolutePath()).isNotNull();
        try (InputStream in = Files.newInputStream(dir.resolve("docs/spring-endpoint.schema.json"))) {
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7).getSchema(in);
        }
    }

    @Test
    void theEndpointsJsonMatchesThePublishedSchema() throws Exception {
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(InventoryApplication.class)
                .properties(ServerLocks.datasource(ServerLocks.SERVER.jdbcUrl()))
                .properties("management.endpoints.web.exposure.include=advisorylocks").run()) {
            ObjectMapper mapper = context.getBean(EndpointObjectMapper.class).get();
            AdvisoryLocksEndpoint endpoint = context.getBean(AdvisoryLocksEndpoint.class);
            String held = context.getBean(InventoryService.class).whileHoldingSession("schema",
                    () -> write(mapper, endpoint.report()));
            JsonNode doc = mapper.readTree(held);
            assertThat(schema().validate(doc)).as(held).isEmpty();
            assertThat(doc.at("/locks/0/scope").asText()).isEqualTo("session");
            assertThat(doc.at("/locks/0/acquiredAt").asText()).as("ISO-8601, not a number").contains("T");
        }

        // Every field shape, from a registry filled by hand: numeric keys, leader scope, a singleton.
        HeldLocks locks = new HeldLocks(Clock.systemUTC());
        locks.acquired(new io.lockwarden.LockEvent(LockKey.of(-1L), LockScope.LEADER, LockMode.SHARED, 4242,
                Duration.ZERO, Duration.ZERO));
        SingletonTasks none = new SingletonTasks(null, new AnnotationKeys(() -> "app"), event -> { }, Clock.systemUTC());
        AdvisoryLocksEndpoint.Report report = new AdvisoryLocksEndpoint(locks, none).report();
        ObjectMapper mapper = new ObjectMapper().findAndRegisterModules()
                .disable(com.fasterxml.jackson.databind.SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
        JsonNode doc = mapper.valueToTree(report);
        assertThat(schema().validate(doc)).as(doc.toString()).isEmpty();
        assertThat(doc.at("/locks/0/namespace").isNull()).isTrue();
        assertThat(doc.at("/locks/0/classid").asLong()).isEqualTo(4294967295L);

        ObjectNode broken = doc.deepCopy();
        ((ObjectNode) broken.at("/locks/0")).put("scope", "global");
        broken.remove("singletons");
        assertThat(schema().validate(broken)).as("the schema rejects what it should").hasSize(2);
        assertThat(report.singletons()).isEqualTo(List.of());
    }

    private static String write(ObjectMapper mapper, Object value) {
        try {
            return mapper.writeValueAsString(value);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
