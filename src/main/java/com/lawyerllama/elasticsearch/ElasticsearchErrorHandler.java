package com.lawyerllama.elasticsearch;

import com.lawyerllama.system.ApiExceptionHandler;
import com.lawyerllama.system.Problems;
import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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
    private static final Logger log = LoggerFactory.getLogger(ElasticsearchErrorHandler.class);
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

    /**
     * Elasticsearch refused a request. An index that does not exist yet (nothing imported) is an
     * outage of the statute search until a corpus is imported, not a failure of the request;
     * anything else is unexpected.
     */
    @ExceptionHandler(co.elastic.clients.elasticsearch._types.ElasticsearchException.class)
    ResponseEntity<Object> elasticsearchRefused(co.elastic.clients.elasticsearch._types.ElasticsearchException ex,
                                                HttpServletRequest request) {
        if (ex.error() != null && "index_not_found_exception".equals(ex.error().type())) {
            log.warn("Request {} {} needs an index that does not exist: {}", request.getMethod(), request.getRequestURI(),
                    ex.error().reason());
            return Problems.response(HttpStatus.SERVICE_UNAVAILABLE, "the statute index does not exist yet: import a corpus "
                    + "(lawyer.corpus.path, POST /admin/corpus/import or the import command)", request, 60);
        }
        return ApiExceptionHandler.failure(ex, request);
    }
}
