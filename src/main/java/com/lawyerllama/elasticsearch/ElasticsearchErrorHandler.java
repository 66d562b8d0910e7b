package com.lawyerllama.elasticsearch;

import com.lawyerllama.system.Problems;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * Elasticsearch went away in the middle of a request: 503 with Retry-After as problem details, and
 * the status shows it at once. Ordered before {@code system.ApiExceptionHandler}, whose catch-all
 * would otherwise answer 500.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE - 1)
public class ElasticsearchErrorHandler {
    private final ElasticsearchStatus status;

    public ElasticsearchErrorHandler(ObjectProvider<ElasticsearchStatus> status) {
        this.status = status.getIfAvailable();
    }

    @ExceptionHandler({co.elastic.clients.transport.TransportException.class, java.io.UncheckedIOException.class})
    ResponseEntity<Object> elasticsearchDown(Exception ex, HttpServletRequest request) {
        if (status != null) {
            status.markDown(ex.getMessage());
        }
        return Problems.response(HttpStatus.SERVICE_UNAVAILABLE, "Elasticsearch is unavailable: " + ex.getMessage(),
                request, ElasticsearchStatus.RETRY_AFTER_SECONDS);
    }
}
