package io.lockwarden.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.w3c.dom.Document;
import org.w3c.dom.Element;

/**
 * Builds small consumer projects the way users write them, against the artifacts staged by this build
 * (never ~/.m2's copy of Lockwarden): on the oldest and newest supported JUnit and under the Spring Boot 3
 * BOM, each with {@code lockwarden-testkit} declared before and after JUnit. Each project has a clean test
 * that must pass and a leaking test that {@code @NoAdvisoryLockLeaks} must fail, and records the JUnit
 * version that actually ran, which must be the user's, not ours.
 */
class ConsumerProjectIT {
    private static final String VERSION = System.getProperty("lockwarden.version");
    private static final Path STAGED = Path.of(System.getProperty("lockwarden.stagingRepository"));
    private static final Path DEVELOPER_CACHE = Path.of(System.getProperty("lockwarden.mavenLocalRepository"));

    @TempDir
    static Path work;
    static Path localRepository;

    @BeforeAll
    static void copyTheStagedArtifactsIntoAPrivateLocalRepository() throws IOException {
        localRepository = work.resolve("m2");
        try (Stream<Path> files = Files.walk(STAGED)) {
            for (Path f : (Iterable<Path>) files::iterator) {
                Path target = localRepository.resolve(STAGED.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    static Stream<Arguments> consumers() {
        return Stream.of(
                Arguments.of("junit-oldest", "<version>" + System.getProperty("junit.oldest.supported") + "</version>",
                        "", System.getProperty("junit.oldest.supported")),
                Arguments.of("junit-newest", "<version>" + System.getProperty("junit.newest.supported") + "</version>",
                        "", System.getProperty("junit.newest.supported")),
                Arguments.of("spring-boot-bom", "", """
                        <dependency>
                          <groupId>org.springframework.boot</groupId>
                          <artifactId>spring-boot-dependencies</artifactId>
                          <version>%s</version>
                          <type>pom</type>
                          <scope>import</scope>
                        </dependency>
                        """.formatted(System.getProperty("spring-boot.bom.version")), null));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("consumers")
    void testkitWorksWithTheUsersJunitInEitherDeclarationOrder(String name, String junitVersion, String extraImport,
            String expectedJunit) throws Exception {
        Path project = Files.createDirectories(work.resolve(name));
        Files.writeString(project.resolve("pom.xml"), aggregatorPom(name, extraImport));
        for (boolean testkitFirst : List.of(true, false)) {
            writeModule(project.resolve(testkitFirst ? "testkit-first" : "testkit-last"), testkitFirst, junitVersion);
        }

        Map<String, String> env = new HashMap<>(System.getenv());
        CommandRun build = CommandRun.run(project, env, 8, List.of("mvn", "-B", "-ntp",
                "-Dmaven.repo.local=" + localRepository, "-Dmaven.test.failure.ignore=true", "test"));
        assertThat(build.exit()).as(build.describe()).isZero();

        for (String module : List.of("testkit-first", "testkit-last")) {
            Path reports = project.resolve(module).resolve("target/surefire-reports");
            Element clean = report(reports.resolve("TEST-consumer.CleanTest.xml"));
            assertThat(clean.getAttribute("tests")).as(module + " CleanTest ran").isEqualTo("1");
            assertThat(clean.getAttribute("failures") + clean.getAttribute("errors"))
                    .as(module + " CleanTest passed:\n" + build.out()).isEqualTo("00");

            Element leak = report(reports.resolve("TEST-consumer.LeakTest.xml"));
            assertThat(leak.getAttribute("failures")).as(module + " LeakTest failed on its leak").isEqualTo("1");
            assertThat(leak.getElementsByTagName("failure").item(0).getAttributes().getNamedItem("message")
                    .getNodeValue()).contains("advisory lock is still held", "consumer-leak");

            String ran = Files.readString(project.resolve(module).resolve("target/junit-version.txt")).strip();
            if (expectedJunit != null) {
                assertThat(ran).as(module + ": the JUnit the user declared").isEqualTo(expectedJunit);
            } else {
                assertThat(ran).as(module + ": the JUnit the Spring Boot BOM manages").startsWith("5.")
                        .isNotEqualTo(System.getProperty("junit.newest.supported"));
            }
        }
    }

    private static Element report(Path xml) throws Exception {
        assertThat(xml).exists();
        Document doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(xml.toFile());
        return doc.getDocumentElement();
    }

    private String aggregatorPom(String name, String extraImport) {
        String cache = DEVELOPER_CACHE.toUri().toString();
        return """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <groupId>consumer</groupId>
                  <artifactId>%1$s</artifactId>
                  <version>1</version>
                  <packaging>pom</packaging>
                  <modules>
                    <module>testkit-first</module>
                    <module>testkit-last</module>
                  </modules>
                  <properties>
                    <maven.compiler.release>17</maven.compiler.release>
                    <project.build.sourceEncoding>UTF-8</project.build.sourceEncoding>
                  </properties>
                  <!-- Only third-party artifacts come from the developer's cache (or Maven Central); Lockwarden
                       comes from the staged artifacts in -Dmaven.repo.local. -->
                  <repositories>
                    <repository><id>developer-cache</id><url>%2$s</url><snapshots><enabled>false</enabled></snapshots></repository>
                  </repositories>
                  <pluginRepositories>
                    <pluginRepository><id>developer-cache</id><url>%2$s</url><snapshots><enabled>false</enabled></snapshots></pluginRepository>
                  </pluginRepositories>
                  <dependencyManagement>
                    <dependencies>
                      %3$s
                      <dependency>
                        <groupId>io.lockwarden</groupId>
                        <artifactId>lockwarden-bom</artifactId>
                        <version>%4$s</version>
                        <type>pom</type>
                        <scope>import</scope>
                      </dependency>
                    </dependencies>
                  </dependencyManagement>
                  <build>
                    <pluginManagement>
                      <plugins>
                        <plugin><artifactId>maven-compiler-plugin</artifactId><version>3.14.0</version></plugin>
                        <plugin><artifactId>maven-surefire-plugin</artifactId><version>%5$s</version></plugin>
                        <plugin><artifactId>maven-resources-plugin</artifactId><version>3.3.1</version></plugin>
                      </plugins>
                    </pluginManagement>
                  </build>
                </project>
                """.formatted(name, cache, extraImport, VERSION, System.getProperty("surefire.version"));
    }

    private static void writeModule(Path dir, boolean testkitFirst, String junitVersion) throws IOException {
        String testkit = """
                    <dependency>
                      <groupId>io.lockwarden</groupId>
                      <artifactId>lockwarden-testkit</artifactId>
                      <scope>test</scope>
                    </dependency>
                """;
        String junit = """
                    <dependency>
                      <groupId>org.junit.jupiter</groupId>
                      <artifactId>junit-jupiter</artifactId>
                      %s
                      <scope>test</scope>
                    </dependency>
                """.formatted(junitVersion);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("pom.xml"), """
                <?xml version="1.0" encoding="UTF-8"?>
                <project xmlns="http://maven.apache.org/POM/4.0.0">
                  <modelVersion>4.0.0</modelVersion>
                  <parent><groupId>consumer</groupId><artifactId>%s</artifactId><version>1</version></parent>
                  <artifactId>%s</artifactId>
                  <dependencies>
                %s%s  </dependencies>
                </project>
                """.formatted(dir.getParent().getFileName(), dir.getFileName(),
                testkitFirst ? testkit : junit, testkitFirst ? junit : testkit));
        Path tests = Files.createDirectories(dir.resolve("src/test/java/consumer"));
        Files.writeString(tests.resolve("CleanTest.java"), """
                package consumer;

                import io.lockwarden.AdvisoryLocks;
                import io.lockwarden.LockKey;
                import io.lockwarden.testkit.LockCheckDataSource;
                import io.lockwarden.testkit.NoAdvisoryLockLeaks;
                import io.lockwarden.testkit.fixture.PostgresServer;
                import java.nio.file.Files;
                import java.nio.file.Path;
                import java.time.Duration;
                import org.junit.jupiter.api.Assertions;
                import org.junit.jupiter.api.Test;

                @NoAdvisoryLockLeaks
                class CleanTest {
                    @LockCheckDataSource
                    static PostgresServer server = PostgresServer.shared();

                    @Test
                    void takesAndReleasesATransactionLock() throws Exception {
                        int answer = AdvisoryLocks.using(server.dataSource())
                                .withLock(LockKey.named("consumer", "clean"), Duration.ofSeconds(5), c -> 42);
                        Assertions.assertEquals(42, answer);
                        Files.createDirectories(Path.of("target"));
                        Files.writeString(Path.of("target/junit-version.txt"),
                                Test.class.getPackage().getImplementationVersion());
                    }
                }
                """);
        Files.writeString(tests.resolve("LeakTest.java"), """
                package consumer;

                import io.lockwarden.testkit.LockCheckDataSource;
                import io.lockwarden.testkit.NoAdvisoryLockLeaks;
                import io.lockwarden.testkit.fixture.PostgresServer;
                import java.sql.Connection;
                import java.sql.Statement;
                import org.junit.jupiter.api.AfterAll;
                import org.junit.jupiter.api.Test;

                @NoAdvisoryLockLeaks(settleMillis = 200)
                class LeakTest {
                    @LockCheckDataSource
                    static PostgresServer server = PostgresServer.shared();
                    static Connection leaked;

                    @Test
                    void leavesASessionLockBehind() throws Exception {
                        leaked = server.connect("consumer-leak");
                        try (Statement st = leaked.createStatement()) {
                            st.execute("SELECT pg_advisory_lock(4242)");
                        }
                    }

                    @AfterAll
                    static void closeTheLeaker() throws Exception {
                        leaked.close();
                    }
                }
                """);
    }
}
