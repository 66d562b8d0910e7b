package com.lawyerllama.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.elasticsearch.ManagedElasticsearch;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * No Docker engine or cluster runs here, so the Dockerfile, compose file and Helm chart are
 * checked against the application itself: the ports, the environment variable names (each must
 * bind to a real configuration key), the health endpoints and the jar's launcher.
 */
class DeploymentFilesTest {

    private static final Pattern ENV_NAME = Pattern.compile("\\b(LAWYER_[A-Z0-9_]+)\\b");

    @Test
    void dockerfileRunsTheJarsLauncherAsNonRootOnTheServicePort() throws IOException {
        String dockerfile = Files.readString(Path.of("Dockerfile"));
        assertThat(dockerfile).contains("ENTRYPOINT [\"java\", \"-jar\", \"/opt/lawyer-llama/lawyer-llama.jar\"]");
        assertThat(dockerfile).contains("EXPOSE " + serverPort());
        assertThat(dockerfile).contains("USER lawyer").contains("AS build").contains("AS runtime-cuda");
        String pom = Files.readString(Path.of("pom.xml"));
        assertThat(pom).contains("<finalName>lawyer-llama</finalName>")
                .contains("<mainClass>com.lawyerllama.cli.Launcher</mainClass>");
        assertThat(dockerfile).contains("/actuator/health/liveness");
        assertKnownKeys(envNames(dockerfile));
    }

    @Test
    void composeFileParsesAndAgreesWithTheApplication() throws IOException {
        String text = Files.readString(Path.of("docker-compose.yml"));
        Map<String, Object> compose = new Yaml().load(text);
        Map<String, Object> services = map(compose.get("services"));
        assertThat(services).containsKeys("elasticsearch", "lawyer-llama", "lawyer-llama-gpu");
        assertThat((String) map(services.get("elasticsearch")).get("image"))
                .endsWith(":" + ManagedElasticsearch.VERSION);
        Map<String, Object> app = map(services.get("lawyer-llama"));
        assertThat(app.get("ports").toString()).contains("8080:" + serverPort());
        assertThat(map(app.get("environment"))).containsKeys("LAWYER_ELASTICSEARCH_URIS",
                "LAWYER_SECURITY_ADMIN_PASSWORD", "LAWYER_MODEL_PATH");
        assertThat(text).contains("/actuator/health/readiness");
        assertKnownKeys(envNames(text));
    }

    @Test
    void helmChartParsesAndAgreesWithTheApplication() throws IOException {
        Path chart = Path.of("helm", "lawyer-llama");
        Map<String, Object> meta = new Yaml().load(Files.readString(chart.resolve("Chart.yaml")));
        assertThat(meta).containsEntry("apiVersion", "v2").containsEntry("name", "lawyer-llama");
        Map<String, Object> values = new Yaml().load(Files.readString(chart.resolve("values.yaml")));
        assertThat(values).containsKeys("image", "elasticsearch", "admin", "persistence", "gpu", "model");
        assertThat(map(values.get("service")).get("port")).isEqualTo(serverPort());
        StringBuilder templates = new StringBuilder();
        try (Stream<Path> files = Files.list(chart.resolve("templates"))) {
            for (Path file : files.sorted().toList()) {
                templates.append(Files.readString(file)).append('\n');
            }
        }
        String all = templates.toString();
        assertThat(all).contains("kind: Deployment", "kind: Service", "kind: ConfigMap", "kind: Secret",
                "kind: PersistentVolumeClaim", "nvidia.com/gpu", "containerPort: " + serverPort(),
                "path: /actuator/health/liveness", "path: /actuator/health/readiness", "runAsNonRoot: true");
        assertKnownKeys(envNames(all));
    }

    private static Set<String> envNames(String text) {
        Set<String> names = new TreeSet<>();
        Matcher m = ENV_NAME.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        assertThat(names).isNotEmpty();
        return names;
    }

    /** Every LAWYER_* variable must be the relaxed-binding form of a key in application.yml. */
    private static void assertKnownKeys(Set<String> envNames) throws IOException {
        Set<String> known = new LinkedHashSet<>();
        flatten("", new Yaml().load(Files.readString(Path.of("src/main/resources/application.yml"))), known);
        Set<String> envForms = new TreeSet<>();
        for (String key : known) {
            envForms.add(key.toUpperCase().replace('.', '_').replace('-', '_'));
        }
        assertThat(envForms).as("environment variables must name configuration keys in application.yml")
                .containsAll(envNames);
    }

    @SuppressWarnings("unchecked")
    private static void flatten(String prefix, Object node, Set<String> out) {
        if (node instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                flatten(prefix.isEmpty() ? e.getKey().toString() : prefix + "." + e.getKey(), e.getValue(), out);
            }
            if (!prefix.isEmpty()) {
                out.add(prefix);
            }
        } else {
            out.add(prefix);
        }
    }

    private static int serverPort() throws IOException {
        Map<String, Object> yml = new Yaml().load(Files.readString(Path.of("src/main/resources/application.yml")));
        return (Integer) map(yml.get("server")).get("port");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }
}
