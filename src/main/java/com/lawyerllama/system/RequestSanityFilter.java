package com.lawyerllama.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Enumeration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses, with a 400 problem and one log line, what the container would otherwise stumble on
 * later (Tomcat parses the query string lazily and throws from deep inside whatever asks for a
 * parameter first): a query string that is not valid percent-encoded UTF-8 ({@code %}, {@code %zz},
 * {@code %FF}, overlong forms) or that holds a control character, and an {@code Accept} or
 * {@code Content-Type} header that cannot be parsed (which would otherwise leave no way to
 * write the error itself).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 5)
public class RequestSanityFilter extends OncePerRequestFilter {

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String problem = queryProblem(request.getQueryString());
        if (problem == null) {
            problem = headerProblem(request);
        }
        if (problem == null) {
            try {
                // Tomcat parses parameters on first use and throws there; make that use happen here.
                request.getParameterMap();
            } catch (RuntimeException e) {
                problem = "the query string or form body cannot be decoded as parameters";
            }
        }
        if (problem != null) {
            ClientErrorLog.refused(request, 400, problem);
            Problems.write(request, response, HttpStatus.BAD_REQUEST, problem);
            return;
        }
        chain.doFilter(request, response);
    }

    /** Why the raw query string is refused, or null. */
    static String queryProblem(String query) {
        if (query == null || query.isEmpty()) {
            return null;
        }
        int start = 0;
        while (start <= query.length()) {
            int end = query.indexOf('&', start);
            if (end < 0) {
                end = query.length();
            }
            for (String part : query.substring(start, end).split("=", 2)) {
                String problem = componentProblem(part);
                if (problem != null) {
                    return problem;
                }
            }
            start = end + 1;
        }
        return null;
    }

    private static String componentProblem(String raw) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                if (i + 2 >= raw.length() || Character.digit(raw.charAt(i + 1), 16) < 0
                        || Character.digit(raw.charAt(i + 2), 16) < 0) {
                    return "the query string has a '%' that is not followed by two hexadecimal digits";
                }
                bytes.write(Character.digit(raw.charAt(i + 1), 16) * 16 + Character.digit(raw.charAt(i + 2), 16));
                i += 2;
            } else if (c > 0x7f) {
                // Tomcat reads a raw query as UTF-8 already; keep it as it decoded it.
                byte[] encoded = String.valueOf(c).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                bytes.write(encoded, 0, encoded.length);
            } else {
                bytes.write(c == '+' ? ' ' : c);
            }
        }
        String text;
        try {
            text = JsonBodyCheck.strictUtf8(bytes.toByteArray());
        } catch (JsonBodyCheck.MalformedText e) {
            return "the query string is not valid percent-encoded UTF-8";
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f) {
                return "the query string contains a control character (" + String.format("\\u%04x", (int) c) + ")";
            }
        }
        return null;
    }

    private static String headerProblem(HttpServletRequest request) {
        Enumeration<String> accepts = request.getHeaders("Accept");
        while (accepts != null && accepts.hasMoreElements()) {
            String accept = accepts.nextElement();
            try {
                MediaType.parseMediaTypes(accept);
            } catch (IllegalArgumentException e) {
                return "the Accept header cannot be parsed as a list of media types";
            }
        }
        String contentType = request.getContentType();
        if (contentType != null && !contentType.isBlank()) {
            try {
                MediaType.parseMediaType(contentType);
            } catch (IllegalArgumentException e) {
                return "the Content-Type header cannot be parsed as a media type";
            }
        }
        return null;
    }

    @Override
    protected boolean shouldNotFilterErrorDispatch() {
        return true;
    }
}
