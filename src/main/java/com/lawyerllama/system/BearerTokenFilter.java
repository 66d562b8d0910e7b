package com.lawyerllama.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * {@code Authorization: Bearer <token>} with the configured admin API token authenticates as
 * the admin (for scripts and CI that should not hold a password); the metrics token
 * ({@code lawyer.security.metrics.token}) as a scraper that may read {@code /actuator/prometheus}
 * only. A wrong token is a 401 at once (and counts as a failed login for {@link LoginThrottle});
 * with no token configured, bearer authentication is refused.
 */
class BearerTokenFilter extends OncePerRequestFilter {
    private final SecurityProperties.Account admin;
    private final SecurityProperties.Metrics metrics;

    BearerTokenFilter(SecurityProperties.Account admin, SecurityProperties.Metrics metrics) {
        this.admin = admin;
        this.metrics = metrics;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String header = request.getHeader("Authorization");
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            chain.doFilter(request, response);
            return;
        }
        String token = header.substring(7).trim();
        List<SimpleGrantedAuthority> roles;
        String name;
        if (admin.hasApiToken() && matches(token, admin.apiToken())) {
            name = admin.usernameOr("admin");
            roles = List.of(new SimpleGrantedAuthority("ROLE_ADMIN"), new SimpleGrantedAuthority("ROLE_USER"));
        } else if (metrics.hasToken() && matches(token, metrics.token())) {
            name = "metrics";
            roles = List.of(new SimpleGrantedAuthority("ROLE_METRICS"));
        } else {
            request.setAttribute(LoginThrottle.FAILED, Boolean.TRUE);
            response.setHeader("WWW-Authenticate", "Bearer error=\"invalid_token\"");
            Problems.write(request, response, HttpStatus.UNAUTHORIZED, "The bearer token is not valid.");
            return;
        }
        var authentication = UsernamePasswordAuthenticationToken.authenticated(name, null, roles);
        SecurityContextHolder.getContext().setAuthentication(authentication);
        try {
            chain.doFilter(request, response);
        } finally {
            SecurityContextHolder.clearContext();
        }
    }

    private static boolean matches(String given, String expected) {
        return MessageDigest.isEqual(given.getBytes(StandardCharsets.UTF_8), expected.getBytes(StandardCharsets.UTF_8));
    }
}
