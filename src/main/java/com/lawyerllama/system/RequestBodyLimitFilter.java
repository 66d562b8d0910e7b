package com.lawyerllama.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Guards request bodies before they are parsed. Refuses bodies over
 * {@code lawyer.consult.max-body-bytes} ({@code lawyer.security.admin-max-body-bytes} under
 * {@code /admin/}) with a 413 problem: by the declared Content-Length, or, for a chunked body,
 * by reading at most one byte past the limit. A JSON body is read whole (within that limit) and
 * must pass {@link JsonBodyCheck} (strict UTF-8, well-formed, no NUL or unpaired surrogate in a
 * string), else it is a 400 problem naming the field.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
public class RequestBodyLimitFilter extends OncePerRequestFilter {
    private final int maxBytes;
    private final int adminMaxBytes;

    public RequestBodyLimitFilter(@Value("${lawyer.consult.max-body-bytes:16384}") int maxBytes,
                                  @Value("${lawyer.security.admin-max-body-bytes:1048576}") int adminMaxBytes) {
        this.maxBytes = maxBytes;
        this.adminMaxBytes = adminMaxBytes;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String method = request.getMethod();
        return !("POST".equals(method) || "PUT".equals(method) || "PATCH".equals(method) || "DELETE".equals(method))
                // /v1 (the OpenAI-compatible API) has its own limit and answers in its protocol's error shape.
                || request.getRequestURI().startsWith("/v1/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        int limit = request.getRequestURI().startsWith("/admin/") ? adminMaxBytes : maxBytes;
        long declared = request.getContentLengthLong();
        if (declared > limit) {
            tooLarge(request, response, limit);
            return;
        }
        boolean json = isJson(request.getContentType());
        if (declared == 0 || declared > 0 && !json) {
            chain.doFilter(request, response);
            return;
        }
        byte[] body = request.getInputStream().readNBytes(limit + 1);
        if (body.length > limit) {
            tooLarge(request, response, limit);
            return;
        }
        if (json && body.length > 0) {
            String problem = JsonBodyCheck.problem(body);
            if (problem != null) {
                ClientErrorLog.refused(request, 400, problem);
                Problems.write(request, response, HttpStatus.BAD_REQUEST, problem);
                return;
            }
        }
        chain.doFilter(new BufferedBody(request, body), response);
    }

    static boolean isJson(String contentType) {
        if (contentType == null) {
            return false;
        }
        String type = contentType.toLowerCase(java.util.Locale.ROOT);
        int semicolon = type.indexOf(';');
        type = (semicolon < 0 ? type : type.substring(0, semicolon)).trim();
        return type.equals("application/json") || type.startsWith("application/") && type.endsWith("+json");
    }

    private void tooLarge(HttpServletRequest request, HttpServletResponse response, int limit) throws IOException {
        response.setHeader("Connection", "close");
        ClientErrorLog.refused(request, 413, "body over " + limit + " bytes");
        Problems.write(request, response, HttpStatus.CONTENT_TOO_LARGE,
                "the request body is larger than " + limit + " bytes");
    }

    private static final class BufferedBody extends HttpServletRequestWrapper {
        private final byte[] body;

        BufferedBody(HttpServletRequest request, byte[] body) {
            super(request);
            this.body = body;
        }

        @Override
        public ServletInputStream getInputStream() {
            InputStream in = new ByteArrayInputStream(body);
            return new ServletInputStream() {
                @Override
                public boolean isFinished() {
                    try {
                        return in.available() == 0;
                    } catch (IOException e) {
                        return true;
                    }
                }

                @Override
                public boolean isReady() {
                    return true;
                }

                @Override
                public void setReadListener(ReadListener listener) {
                    throw new UnsupportedOperationException("synchronous reads only");
                }

                @Override
                public int read() throws IOException {
                    return in.read();
                }

                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    return in.read(b, off, len);
                }
            };
        }

        @Override
        public BufferedReader getReader() {
            return new BufferedReader(new InputStreamReader(getInputStream(), StandardCharsets.UTF_8));
        }

        @Override
        public int getContentLength() {
            return body.length;
        }

        @Override
        public long getContentLengthLong() {
            return body.length;
        }
    }
}
