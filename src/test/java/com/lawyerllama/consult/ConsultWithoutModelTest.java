package com.lawyerllama.consult;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.Http;
import com.lawyerllama.testsupport.IntegrationTest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.TestPropertySource;

/**
 * No model configured: consultation explains how to configure one, with a 503. Its own context
 * (the empty model path is explicit), since another test activates a trained checkpoint in the
 * shared one.
 */
@IntegrationTest
@TestPropertySource(properties = "lawyer.model.path=")
class ConsultWithoutModelTest {
    @LocalServerPort
    int port;

    @Test
    void noModelIsA503ThatSaysHowToConfigureOne() {
        HttpResponse<String> response = new Http(port).postJson("/consult", "{\"question\":\"定金\"}");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).isPresent();
        assertThat(Http.json(response).path("detail").asString()).contains("lawyer.model.path");
    }
}
