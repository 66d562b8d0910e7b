package com.lawyerllama.system;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/** Writing RFC 9457 problem details where no MVC handler is involved (security, /error). */
public final class Problems {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private Problems() {
    }

    /** Adds the request's path and id to a problem body. */
    public static ProblemDetail decorate(ProblemDetail problem, HttpServletRequest request) {
        if (problem.getInstance() == null && request != null) {
            problem.setInstance(URI.create(safePath(request)));
        }
        if (request != null) {
            problem.setProperty("requestId", RequestIdFilter.of(request));
        }
        return problem;
    }

    public static void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail)
            throws IOException {
        ProblemDetail problem = decorate(ProblemDetail.forStatusAndDetail(status, detail), request);
        response.setStatus(status.value());
        response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.getWriter().write(json(problem));
    }

    /** Like {@link #write(HttpServletRequest, HttpServletResponse, HttpStatus, String)}, with Retry-After. */
    public static void write(HttpServletRequest request, HttpServletResponse response, HttpStatus status, String detail,
                             long retryAfterSeconds) throws IOException {
        response.setHeader("Retry-After", Long.toString(Math.max(1, retryAfterSeconds)));
        write(request, response, status, detail);
    }

    /** The problem as RFC 9457 JSON text. */
    public static String json(ProblemDetail problem) {
        return JSON.writeValueAsString(asMap(problem));
    }

    /** The RFC 9457 JSON shape: members at the top level, extension properties beside them. */
    public static Map<String, Object> asMap(ProblemDetail problem) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (problem.getType() != null && !"about:blank".equals(problem.getType().toString())) {
            body.put("type", problem.getType().toString());
        }
        body.put("title", problem.getTitle());
        body.put("status", problem.getStatus());
        if (problem.getDetail() != null) {
            body.put("detail", problem.getDetail());
        }
        if (problem.getInstance() != null) {
            body.put("instance", problem.getInstance().toString());
        }
        if (problem.getProperties() != null) {
            body.putAll(problem.getProperties());
        }
        return body;
    }

    /**
     * A problem-details response with the request's path and id, and a {@code Retry-After} header
     * when {@code retryAfterSeconds} is positive: for the exception handlers of every package.
     */
    public static ResponseEntity<Object> response(HttpStatus status, String detail, HttpServletRequest request,
                                                  int retryAfterSeconds) {
        ResponseEntity.BodyBuilder builder = ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON);
        if (retryAfterSeconds > 0) {
            builder.header(HttpHeaders.RETRY_AFTER, Integer.toString(retryAfterSeconds));
        }
        return builder.body(decorate(ProblemDetail.forStatusAndDetail(status, detail), request));
    }

    private static String safePath(HttpServletRequest request) {
        String uri = request.getRequestURI();
        try {
            return URI.create(uri).getRawPath();
        } catch (IllegalArgumentException e) {
            return "/";
        }
    }
}
