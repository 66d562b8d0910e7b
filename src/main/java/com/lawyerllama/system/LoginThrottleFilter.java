package com.lawyerllama.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Throttles login attempts ahead of every security chain: a request that carries credentials
 * (HTTP Basic, a bearer token, or the admin page's login form) is refused with 429 and
 * Retry-After while its client address or user name has failed too often
 * ({@link LoginThrottle}); afterwards, a step that found the credentials wrong (it sets
 * {@link LoginThrottle#FAILED}) counts a failure, anything else a success. Registered in
 * {@link SecurityConfiguration} just before Spring Security's filter. {@code /v1} (the
 * OpenAI-compatible API) is throttled by its own chain with the same {@link LoginThrottle}, so
 * that its 429 keeps the protocol's error shape.
 */
public class LoginThrottleFilter extends OncePerRequestFilter {
    private final LoginThrottle throttle;

    public LoginThrottleFilter(LoginThrottle throttle) {
        this.throttle = throttle;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return request.getRequestURI().startsWith("/v1/");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        boolean formLogin = "POST".equals(request.getMethod()) && "/login".equals(request.getServletPath());
        if (header == null && !formLogin) {
            chain.doFilter(request, response);
            return;
        }
        String user = header != null ? userOf(header) : request.getParameter("username");
        String address = request.getRemoteAddr();
        long wait = throttle.retryAfterSeconds(address, user);
        if (wait > 0) {
            ClientErrorLog.refused(request, 429, "too many failed logins from " + address
                    + (user == null ? "" : " or for user " + ClientErrorLog.printable(user, 64)));
            Problems.write(request, response, HttpStatus.TOO_MANY_REQUESTS,
                    "Too many failed logins from this address or for this user; retry after " + wait + " s.", wait);
            return;
        }
        chain.doFilter(request, response);
        if (request.getAttribute(LoginThrottle.FAILED) != null) {
            throttle.failed(address, user);
        } else if (response.getStatus() < 400) {
            throttle.succeeded(address);
        }
    }

    /** The user name in a Basic header; "bearer" for a token (all tokens share one bucket); null otherwise. */
    static String userOf(String header) {
        if (header.regionMatches(true, 0, "Basic ", 0, 6)) {
            try {
                String decoded = new String(Base64.getDecoder().decode(header.substring(6).trim()), StandardCharsets.UTF_8);
                int colon = decoded.indexOf(':');
                return colon < 0 ? decoded : decoded.substring(0, colon);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }
        if (header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return "bearer";
        }
        return null;
    }
}
