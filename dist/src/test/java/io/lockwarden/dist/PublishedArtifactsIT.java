package io.lockwarden.dist;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarFile;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * What Maven Central and build tools expect of every published module, checked on the artifacts this build
 * staged: jar, sources and javadoc jars, licence files inside, a valid and unique Automatic-Module-Name,
 * the parent's licence/SCM/developer metadata, and a BOM that lists exactly the published modules.
 */
class PublishedArtifactsIT {
    private static final String VERSION = System.getProperty("lockwarden.version");
    private static final Path ROOT = Path.of(System.getProperty("lockwarden.root"));
    private static final Path STAGED = Path.of(System.getProperty("lockwarden.stagingRepository"));
    private static final String MODULE_NAME = "[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*";

    /** Modules of the root pom that are published: those that do not set lockwarden.skipPublishing. */
    static List<String> publishedJarModules() throws Exception {
        List<String> published = new ArrayList<>();
        for (String module : texts(pom(ROOT.resolve("pom.xml")), "module")) {
            Document pom = pom(ROOT.resolve(module).resolve("pom.xml"));
            String packaging = text(pom.getDocumentElement(), "packaging");
            boolean skipped = texts(pom, "lockwarden.skipPublishing").contains("true");
            if (!skipped && !"pom".equals(packaging)) {
                published.add(text(pom.getDocumentElement(), "artifactId"));
            }
        }
        return published;
    }

    @Test
    void everyPublishedModuleIsStagedWithSourcesJavadocLicenceAndAModuleName() throws Exception {
        List<String> modules = publishedJarModules();
        assertThat(modules).contains("lockwarden-connect", "lockwarden-core", "lockwarden-inspect", "lockwarden-scan",
                "lockwarden-testkit", "lockwarden-testkit-fixtures");
        Set<String> moduleNames = new HashSet<>();
        for (String artifact : modules) {
            Path dir = STAGED.resolve("io/lockwarden").resolve(artifact).resolve(VERSION);
            String base = artifact + "-" + VERSION;
            for (String suffix : List.of(".jar", "-sources.jar", "-javadoc.jar", ".pom")) {
                assertThat(dir.resolve(base + suffix))
                        .as("%s%s is staged (a new published module needs a stage-* execution in dist/pom.xml "
                                + "and a dependency there)", artifact, suffix)
                        .isNotEmptyFile();
            }
            try (JarFile jar = new JarFile(dir.resolve(base + ".jar").toFile())) {
                String name = jar.getManifest().getMainAttributes().getValue("Automatic-Module-Name");
                assertThat(name).as(artifact + " Automatic-Module-Name").matches(MODULE_NAME);
                assertThat(moduleNames.add(name)).as("unique module name " + name).isTrue();
                assertThat(jar.getEntry("META-INF/LICENSE")).as(artifact + " has META-INF/LICENSE").isNotNull();
                assertThat(jar.getEntry("META-INF/NOTICE")).as(artifact + " has META-INF/NOTICE").isNotNull();
            }
            try (JarFile javadoc = new JarFile(dir.resolve(base + "-javadoc.jar").toFile())) {
                assertThat(javadoc.getEntry("index.html")).as(artifact + " javadoc index").isNotNull();
            }
            Element pom = pom(dir.resolve(base + ".pom")).getDocumentElement();
            assertThat(text(pom, "name")).as(artifact + " name").isNotBlank();
            assertThat(text(pom, "description")).as(artifact + " description").isNotBlank();
        }
    }

    @Test
    void parentCarriesTheMetadataMavenCentralRequires() throws Exception {
        Document parent = pom(STAGED.resolve("io/lockwarden/lockwarden-parent").resolve(VERSION)
                .resolve("lockwarden-parent-" + VERSION + ".pom"));
        for (Document pom : List.of(parent, bom())) {
            Element project = pom.getDocumentElement();
            assertThat(text(project, "url")).isNotBlank();
            assertThat(texts(pom, "name")).contains("Apache-2.0");
            assertThat(texts(pom, "connection")).allMatch(c -> c.startsWith("scm:git:"));
            assertThat(pom.getElementsByTagName("developer").getLength()).isPositive();
        }
    }

    @Test
    void bomManagesExactlyThePublishedModulesAtTheReactorVersion() throws Exception {
        Document bom = bom();
        assertThat(text(bom.getDocumentElement(), "version")).isEqualTo(VERSION);
        assertThat(bom.getElementsByTagName("parent").getLength()).as("the BOM imports no parent").isZero();
        List<String> managed = new ArrayList<>();
        NodeList deps = bom.getElementsByTagName("dependency");
        for (int i = 0; i < deps.getLength(); i++) {
            Element d = (Element) deps.item(i);
            assertThat(text(d, "groupId")).isEqualTo("io.lockwarden");
            assertThat(text(d, "version")).isEqualTo("${project.version}");
            managed.add(text(d, "artifactId"));
        }
        assertThat(managed).containsExactlyInAnyOrderElementsOf(publishedJarModules());
    }

    private static Document bom() throws Exception {
        return pom(STAGED.resolve("io/lockwarden/lockwarden-bom").resolve(VERSION)
                .resolve("lockwarden-bom-" + VERSION + ".pom"));
    }

    private static Document pom(Path file) throws Exception {
        assertThat(file).exists();
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(file.toFile());
    }

    /** The text of the first direct child element with this name, or null. */
    private static String text(Element parent, String name) {
        for (Node n = parent.getFirstChild(); n != null; n = n.getNextSibling()) {
            if (n instanceof Element e && e.getTagName().equals(name)) {
                return e.getTextContent().strip();
            }
        }
        return null;
    }

    private static List<String> texts(Document doc, String name) throws IOException {
        List<String> out = new ArrayList<>();
        NodeList nodes = doc.getElementsByTagName(name);
        for (int i = 0; i < nodes.getLength(); i++) {
            out.add(nodes.item(i).getTextContent().strip());
        }
        return out;
    }
}
