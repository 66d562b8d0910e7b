package com.lawyerllama.system;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error a controller raises becomes RFC 9457 problem details with the request id, and
 * never a stack trace: Spring MVC's own exceptions (404, 405, 415, unreadable body …) through
 * the base class, ours ({@link ApiException}, {@link ServiceUnavailableException}) as
 * {@code ErrorResponse}s, and anything unexpected as a logged 500. Exceptions of the feature
 * packages are mapped by their own advice beside them (this package imports none of them), which
 * is ordered before this one: {@code elasticsearch.ElasticsearchErrorHandler},
 * {@code consult.EngineErrorHandler}.
 */
@RestControllerAdvice
public class ApiExceptionHandler extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ApiExceptionHandler.class);

    @Override
    protected ResponseEntity<Object> handleExceptionInternal(Exception ex, Object body, HttpHeaders headers,
                                                             HttpStatusCode statusCode, WebRequest request) {
        // Spring passes body == null for ErrorResponse exceptions (ApiException); their own body carries the detail.
        ProblemDetail problem = body instanceof ProblemDetail p ? p
                : ex instanceof org.springframework.web.ErrorResponse error ? error.getBody()
                : ProblemDetail.forStatusAndDetail(statusCode, HttpStatus.valueOf(statusCode.value()).getReasonPhrase());
        if (request instanceof ServletWebRequest servlet) {
            Problems.decorate(problem, servlet.getRequest());
        }
        return super.handleExceptionInternal(ex, problem, headers, statusCode, request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception ex, HttpServletRequest request) {
        String id = RequestIdFilter.of(request);
        log.error("Unhandled error in request {} {}", request.getMethod(), request.getRequestURI(), ex);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "The service failed to handle this request; quote request id " + id + " when reporting it.");
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR)
                .contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON)
                .body(Problems.decorate(problem, request));
    }
}
