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
 * OpenAI-compatible API) is left to a second instance in its own security chain
 * ({@link #perAddress}), which shares the {@link LoginThrottle} and writes its 429 in that
 * protocol's error shape.
 */
public class LoginThrottleFilter extends OncePerRequestFilter {
    /** Writes the 429 for a throttled request, in the shape of the API it asked. */
    @FunctionalInterface
    public interface Refusal {
        void write(HttpServletRequest request, HttpServletResponse response, String message, long retryAfterSeconds)
                throws IOException;
    }

    private final LoginThrottle throttle;
    private final boolean perUser;
    private final Refusal refusal;
    private final String leftToOthers;

    /** The service-wide filter: per address and per user name, problem details, everything but {@code /v1}. */
    public LoginThrottleFilter(LoginThrottle throttle) {
        this(throttle, true, (request, response, message, wait) ->
                Problems.write(request, response, HttpStatus.TOO_MANY_REQUESTS, message, wait), "/v1/");
    }

    private LoginThrottleFilter(LoginThrottle throttle, boolean perUser, Refusal refusal, String leftToOthers) {
        this.throttle = throttle;
        this.perUser = perUser;
        this.refusal = refusal;
        this.leftToOthers = leftToOthers;
    }

    /**
     * For a security chain of its own: failures counted per client address only (API keys are
     * not user names, and one client must not lock every key holder out), refused by {@code refusal}.
     */
    public static LoginThrottleFilter perAddress(LoginThrottle throttle, Refusal refusal) {
        return new LoginThrottleFilter(throttle, false, refusal, null);
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        return leftToOthers != null && request.getRequestURI().startsWith(leftToOthers);
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
        String user = !perUser ? null : header != null ? userOf(header) : request.getParameter("username");
        String address = request.getRemoteAddr();
        long wait = throttle.retryAfterSeconds(address, user);
        if (wait > 0) {
            ClientErrorLog.refused(request, 429, "too many failed logins from " + address
                    + (user == null ? "" : " or for user " + ClientErrorLog.printable(user, 64)));
            refusal.write(request, response, (perUser ? "Too many failed logins from this address or for this user"
                    : "Too many failed API keys or logins from this address") + "; retry after " + wait + " s.", wait);
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
