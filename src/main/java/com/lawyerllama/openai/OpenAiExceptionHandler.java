package com.lawyerllama.openai;

import com.lawyerllama.elasticsearch.ElasticsearchStatus;
import com.lawyerllama.llama.ContextLengthExceededException;
import com.lawyerllama.llama.EngineBusyException;
import com.lawyerllama.llama.ModelNotLoadedException;
import com.lawyerllama.system.RequestIdFilter;
import com.lawyerllama.system.ServiceUnavailableException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import tools.jackson.databind.json.JsonMapper;

/**
 * Every error of the {@code /v1} API in OpenAI's shape ({@code {"error": {message, type, param, code}}})
 * with its status: 400 invalid request (naming the field), 404 unknown model, 429 busy and 503
 * unavailable with Retry-After; never a stack trace, and a 500 only for the service's own failures.
 */
@RestControllerAdvice(assignableTypes = OpenAiController.class)
@Order(Ordered.HIGHEST_PRECEDENCE)
public class OpenAiExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(OpenAiExceptionHandler.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** The protocol's error for any failure of a request. */
    static OpenAiException translate(Throwable error) {
        if (error instanceof OpenAiException e) {
            return e;
        }
        if (error instanceof EngineBusyException busy) {
            return new OpenAiException(HttpStatus.TOO_MANY_REQUESTS, busy.getMessage(), "rate_limit_error", null,
                    "rate_limit_exceeded", busy.retryAfterSeconds());
        }
        if (error instanceof ServiceUnavailableException down) {
            return new OpenAiException(HttpStatus.SERVICE_UNAVAILABLE, down.getMessage(), "server_error", null,
                    "service_unavailable", down.retryAfterSeconds());
        }
        if (error instanceof ModelNotLoadedException none) {
            return new OpenAiException(HttpStatus.SERVICE_UNAVAILABLE, none.getMessage()
                    + " (set lawyer.model.path to a checkpoint directory)", "server_error", null, "model_not_loaded", 60);
        }
        if (error instanceof ContextLengthExceededException tooLong) {
            return new OpenAiException(HttpStatus.BAD_REQUEST, tooLong.getMessage(), "invalid_request_error", "messages",
                    "context_length_exceeded", 0);
        }
        if (error instanceof ErrorResponse response && response.getStatusCode().is4xxClientError()) {
            HttpStatus status = HttpStatus.valueOf(response.getStatusCode().value());
            return new OpenAiException(status, response.getBody().getDetail(),
                    status == HttpStatus.TOO_MANY_REQUESTS ? "rate_limit_error" : "invalid_request_error", null, null, 0);
        }
        if (error instanceof co.elastic.clients.transport.TransportException || error instanceof java.io.UncheckedIOException) {
            return new OpenAiException(HttpStatus.SERVICE_UNAVAILABLE, "Elasticsearch is unavailable: " + error.getMessage(),
                    "server_error", null, "service_unavailable", ElasticsearchStatus.RETRY_AFTER_SECONDS);
        }
        return null;
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<OpenAiProtocol.ErrorBody> handle(Exception error, HttpServletRequest request) {
        OpenAiException e = translate(error);
        if (e == null) {
            String id = RequestIdFilter.of(request);
            log.error("Unhandled error in request {} {}", request.getMethod(), request.getRequestURI(), error);
            e = new OpenAiException(HttpStatus.INTERNAL_SERVER_ERROR, "The service failed to handle this request; quote "
                    + "request id " + id + " when reporting it.", "server_error", null, null, 0);
        }
        ResponseEntity.BodyBuilder response = ResponseEntity.status(e.status()).contentType(MediaType.APPLICATION_JSON);
        if (e.retryAfterSeconds() > 0) {
            response.header(HttpHeaders.RETRY_AFTER, Integer.toString(e.retryAfterSeconds()));
        }
        return response.body(e.body());
    }

    /** For filters, where no controller is involved (authentication, body size). */
    static void write(HttpServletResponse response, OpenAiException e) throws IOException {
        response.setStatus(e.status().value());
        response.setContentType(MediaType.APPLICATION_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        if (e.retryAfterSeconds() > 0) {
            response.setHeader(HttpHeaders.RETRY_AFTER, Integer.toString(e.retryAfterSeconds()));
        }
        response.getWriter().write(JSON.writeValueAsString(e.body()));
    }
}
