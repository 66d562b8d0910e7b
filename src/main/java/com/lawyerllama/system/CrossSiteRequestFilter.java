package com.lawyerllama.system;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.Set;
import org.springframework.http.HttpStatus;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * CSRF protection for the stateless API chain, which has no tokens: a browser that once cached
 * Basic credentials would attach them to a form another site submits. So a state-changing
 * request (anything but GET, HEAD, OPTIONS, TRACE) is refused with 403 when the browser says it
 * comes from elsewhere: {@code Sec-Fetch-Site} other than {@code same-origin} or {@code none}, or
 * an {@code Origin} whose host and port are not this request's {@code Host}. Older browsers that
 * send neither still cannot forge one: a request carrying credentials with a body type a plain
 * HTML form can produce ({@code application/x-www-form-urlencoded}, {@code multipart/form-data},
 * {@code text/plain}) is refused too (the API takes JSON or no body). API clients (curl, scripts,
 * SDKs) send none of these headers and are not affected.
 */
public class CrossSiteRequestFilter extends OncePerRequestFilter {
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");
    private static final Set<String> FORM_TYPES = Set.of("application/x-www-form-urlencoded", "multipart/form-data",
            "text/plain");

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String why = SAFE_METHODS.contains(request.getMethod()) ? null : refusal(request);
        if (why != null) {
            ClientErrorLog.refused(request, 403, why);
            Problems.write(request, response, HttpStatus.FORBIDDEN, "Refused: " + why
                    + ". State-changing API requests are accepted only from this site's own pages or from API "
                    + "clients (see docs/security.md).");
            return;
        }
        chain.doFilter(request, response);
    }

    /** Why this state-changing request looks cross-site, or null. */
    static String refusal(HttpServletRequest request) {
        String site = request.getHeader("Sec-Fetch-Site");
        if (site != null && !site.equalsIgnoreCase("same-origin") && !site.equalsIgnoreCase("none")) {
            return "the browser reports a " + ClientErrorLog.printable(site, 20) + " request";
        }
        // A browser that sends Sec-Fetch-Site (no page can set it) has said it all; Origin is for older ones, and is
        // compared with the Host header, which a reverse proxy must pass on unchanged for them.
        String origin = site == null ? request.getHeader("Origin") : null;
        if (origin != null && !sameAuthority(origin, request)) {
            return "Origin " + ClientErrorLog.printable(origin, 100) + " is not this site";
        }
        if (request.getHeader("Authorization") != null && request.getContentType() != null) {
            String type = request.getContentType().toLowerCase(Locale.ROOT);
            int semicolon = type.indexOf(';');
            if (FORM_TYPES.contains((semicolon < 0 ? type : type.substring(0, semicolon)).trim())) {
                return "a request with credentials and a form's body type (" + ClientErrorLog.printable(type, 60)
                        + ")";
            }
        }
        return null;
    }

    /** The Origin's host and port are the request's Host (a Host without a port takes the Origin's). */
    private static boolean sameAuthority(String origin, HttpServletRequest request) {
        String host = request.getHeader("Host");
        if (host == null || "null".equals(origin)) {
            return false;
        }
        try {
            URI uri = URI.create(origin.trim());
            if (uri.getHost() == null || uri.getScheme() == null) {
                return false;
            }
            int originPort = uri.getPort() >= 0 ? uri.getPort() : "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
            String h = host.trim().toLowerCase(Locale.ROOT);
            int colon = h.lastIndexOf(':');
            String hostName = h;
            int hostPort = -1;
            if (colon > h.lastIndexOf(']')) {
                hostName = h.substring(0, colon);
                hostPort = Integer.parseInt(h.substring(colon + 1));
            }
            return hostName.equals(uri.getHost().toLowerCase(Locale.ROOT)) && (hostPort < 0 || hostPort == originPort);
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
