package com.lawyerllama.web;

import com.lawyerllama.system.LoginThrottle;
import com.lawyerllama.system.Problems;
import com.lawyerllama.system.SecurityConfiguration;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import java.util.Set;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.LoginUrlAuthenticationEntryPoint;
import org.springframework.security.web.csrf.HttpSessionCsrfTokenRepository;
import org.springframework.security.web.header.writers.ReferrerPolicyHeaderWriter;
import org.springframework.security.web.util.matcher.AnyRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;

/**
 * The admin page's browser login, in front of the admin API's stateless chain
 * ({@link SecurityConfiguration}): a form login with an HTTP session, and CSRF tokens (kept in
 * the session, sent by the page's fetch calls in the {@code X-CSRF-TOKEN} header).
 *
 * <p>Which chain a request meets: the page, the login and logout routes always meet this chain
 * (with or without an {@code Authorization} header, so the page always needs the login). Other
 * requests with an {@code Authorization} header are an API client's (Basic or bearer,
 * stateless, no cookies; the API chain refuses cross-site state changes). Without one,
 * {@code /admin/**} calls that come from the page (a session cookie or {@code X-Requested-With})
 * meet this chain; every state-changing request here needs the session's CSRF token. Anything
 * else under {@code /admin/**} stays with the API chain, which answers 401 (a Basic challenge
 * for API clients, none that a browser would turn into a password prompt).
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
public class AdminPageSecurity {
    static final String SESSION_COOKIE = "JSESSIONID";
    private static final Set<String> PAGE_PATHS = Set.of("/admin", "/admin/", "/admin.html", "/login", "/login.html",
            "/logout", "/csrf");

    /** Requests that belong to the browser login rather than to the API's Basic/bearer clients. */
    static boolean isBrowserRequest(HttpServletRequest request) {
        // The decoded, normalised path (what the resource handler serves), not the raw URI: /admin%2Ehtml is the page too.
        String path = request.getServletPath() + (request.getPathInfo() == null ? "" : request.getPathInfo());
        if (PAGE_PATHS.contains(path)) {
            // The page needs the login whatever Authorization header comes with it (a junk one must not
            // move it to the API chain).
            return true;
        }
        if (request.getHeader("Authorization") != null) {
            return false;
        }
        return path.startsWith("/admin/") && (hasSessionCookie(request) || request.getHeader("X-Requested-With") != null);
    }

    private static boolean hasSessionCookie(HttpServletRequest request) {
        Cookie[] cookies = request.getCookies();
        if (cookies == null) {
            return false;
        }
        for (Cookie cookie : cookies) {
            if (SESSION_COOKIE.equals(cookie.getName())) {
                return true;
            }
        }
        return false;
    }

    @Bean
    @Order(1)
    SecurityFilterChain adminPageSecurityFilterChain(HttpSecurity http) throws Exception {
        RequestMatcher pageCalls = request -> request.getHeader("X-Requested-With") != null;
        http.securityMatcher(AdminPageSecurity::isBrowserRequest)
                .authorizeHttpRequests(auth -> auth
                        .dispatcherTypeMatchers(DispatcherType.FORWARD, DispatcherType.ERROR, DispatcherType.ASYNC).permitAll()
                        .requestMatchers("/login", "/login.html", "/csrf").permitAll()
                        .anyRequest().hasRole("ADMIN"))
                .formLogin(form -> form.loginPage("/login").loginProcessingUrl("/login")
                        .defaultSuccessUrl("/admin", true)
                        .failureHandler((request, response, failure) -> {
                            // Counted by the login throttle (system.LoginThrottleFilter), which answers 429 when it is too many.
                            request.setAttribute(LoginThrottle.FAILED, Boolean.TRUE);
                            response.sendRedirect(request.getContextPath() + "/login?error");
                        }))
                .logout(logout -> logout.logoutUrl("/logout").logoutSuccessUrl("/login?logout"))
                .csrf(csrf -> csrf.csrfTokenRepository(new HttpSessionCsrfTokenRepository()))
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.IF_REQUIRED))
                .exceptionHandling(e -> e
                        // The page's own calls get a problem (no Basic challenge, which would pop up a dialog);
                        // a person opening the page is sent to the login form.
                        .defaultAuthenticationEntryPointFor((request, response, denied) -> Problems.write(request, response,
                                HttpStatus.UNAUTHORIZED, "Your admin session has ended: log in again at /login."), pageCalls)
                        .defaultAuthenticationEntryPointFor(new LoginUrlAuthenticationEntryPoint("/login"), AnyRequestMatcher.INSTANCE)
                        .accessDeniedHandler((request, response, denied) -> Problems.write(request, response,
                                HttpStatus.FORBIDDEN, "Refused: not an admin, or the CSRF token is missing or stale "
                                        + "(reload the page).")))
                .headers(h -> h.contentSecurityPolicy(csp -> csp.policyDirectives(SecurityConfiguration.CONTENT_SECURITY_POLICY))
                        .referrerPolicy(r -> r.policy(ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN)));
        return http.build();
    }
}
