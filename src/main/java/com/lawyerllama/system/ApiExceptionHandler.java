package com.lawyerllama.system;

import jakarta.servlet.http.HttpServletRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
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
            if (statusCode.is4xxClientError()) {
                ClientErrorLog.refused(servlet.getRequest(), statusCode.value(), problem.getDetail());
            }
        }
        return super.handleExceptionInternal(ex, problem, headers, statusCode, request);
    }

    /**
     * A body Jackson could not read: say which field and what JSON it should be, never Jackson's
     * own text (it names Java classes).
     */
    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(HttpMessageNotReadableException ex, HttpHeaders headers,
                                                                  HttpStatusCode status, WebRequest request) {
        String detail = "the request body is missing or cannot be read";
        for (Throwable t = ex.getCause(); t != null; t = t.getCause()) {
            if (t instanceof tools.jackson.core.JacksonException jackson) {
                detail = JsonErrors.describe(jackson);
                break;
            }
        }
        return handleExceptionInternal(ex, ProblemDetail.forStatusAndDetail(HttpStatus.BAD_REQUEST, detail), headers,
                HttpStatus.BAD_REQUEST, request);
    }

    /** A parameter Tomcat could not decode (reached when something asks for parameters after the sanity filter). */
    @ExceptionHandler(org.apache.tomcat.util.http.InvalidParameterException.class)
    ResponseEntity<Object> badParameters(Exception ex, HttpServletRequest request) {
        String detail = "the query string or form body cannot be decoded as parameters";
        ClientErrorLog.refused(request, 400, detail);
        return Problems.response(HttpStatus.BAD_REQUEST, detail, request, 0);
    }

    /** A file path from the request that the file system cannot take (a NUL, say): the request's fault. */
    @ExceptionHandler(java.nio.file.InvalidPathException.class)
    ResponseEntity<Object> badPath(java.nio.file.InvalidPathException ex, HttpServletRequest request) {
        String detail = "a path in the request is not a valid file path: " + ClientErrorLog.printable(ex.getReason(), 200)
                + " (" + ClientErrorLog.printable(ex.getInput(), 200) + ")";
        ClientErrorLog.refused(request, 400, detail);
        return Problems.response(HttpStatus.BAD_REQUEST, detail, request, 0);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception ex, HttpServletRequest request) {
        return failure(ex, request);
    }

    /** A logged 500 with the request id: for any handler that meets an exception it cannot explain. */
    public static ResponseEntity<Object> failure(Exception ex, HttpServletRequest request) {
        String id = RequestIdFilter.of(request);
        log.error("Unhandled error in request {} {}", request.getMethod(), request.getRequestURI(), ex);
        ProblemDetail problem = ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                "The service failed to handle this request; quote request id " + id + " when reporting it.");
        return ResponseEntity.status(HttpStatus.INTERNAL_SERVER_ERROR)
                .contentType(org.springframework.http.MediaType.APPLICATION_PROBLEM_JSON)
                .body(Problems.decorate(problem, request));
    }
}
