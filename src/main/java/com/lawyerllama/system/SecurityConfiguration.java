package com.lawyerllama.system;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.http.HttpStatus;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.userdetails.User;
import org.springframework.security.core.userdetails.UserDetails;
import org.springframework.security.core.userdetails.UserDetailsService;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;
import org.springframework.security.provisioning.InMemoryUserDetailsManager;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;

/**
 * The API's security chain, stateless: {@code /admin/**} (and the admin page) need ADMIN (HTTP
 * Basic or the bearer API token); {@code /actuator/prometheus} needs ADMIN or the metrics token
 * unless {@code lawyer.security.metrics.open}; the other actuator endpoints but health need
 * ADMIN, and health shows its details to admins only; consultation needs USER only when
 * {@code lawyer.security.consult-requires-user} is set; everything else is open. Refusals are
 * problem details (401, 403, 429). State-changing requests from other sites are refused
 * ({@link CrossSiteRequestFilter}), failed logins are throttled ({@link LoginThrottleFilter}), and a
 * browser never gets a Basic challenge (it would show a password prompt and then cache the
 * password for every later request, other sites' forms included).
 *
 * <p>Chains in front of this one: the admin page's browser login (form, session, CSRF tokens) in
 * {@code web.AdminPageSecurity} at order 1; a protocol with its own credentials and error shape
 * (the OpenAI-compatible {@code /v1/**}) belongs in its own chain with its own
 * {@code securityMatcher("/v1/**")} at an order between 1 and this chain's (lowest) one, and can
 * reuse {@link LoginThrottle#FAILED} to have its failed keys throttled. docs/security.md lists the rules.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
public class SecurityConfiguration {

    public static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self' data:; connect-src 'self'; object-src 'none'; frame-ancestors 'none'; "
            + "base-uri 'self'; form-action 'self'";

    @Bean
    PasswordEncoder passwordEncoder() {
        return PasswordEncoderFactories.createDelegatingPasswordEncoder();
    }

    @Bean
    UserDetailsService users(SecurityProperties properties, PasswordEncoder encoder, DataDirectory dataDirectory) {
        List<UserDetails> users = new ArrayList<>();
        SecurityProperties.Account admin = properties.admin();
        String adminName = admin.usernameOr("admin");
        String adminPassword = admin.hasPassword() ? admin.password()
                : AdminPassword.loadOrGenerate(dataDirectory.root(), adminName);
        users.add(User.withUsername(adminName).password(encoded(encoder, adminPassword)).roles("ADMIN", "USER").build());
        SecurityProperties.Account user = properties.user();
        if (user.hasPassword()) {
            users.add(User.withUsername(user.usernameOr("user")).password(encoded(encoder, user.password())).roles("USER").build());
        }
        return new InMemoryUserDetailsManager(users);
    }

    private static String encoded(PasswordEncoder encoder, String password) {
        return password.startsWith("{") ? password : encoder.encode(password);
    }

    @Bean
    LoginThrottle loginThrottle(SecurityProperties properties) {
        return new LoginThrottle(properties.loginThrottle());
    }

    /** Ahead of every security chain (Spring Security's filter runs at order -100). */
    @Bean
    FilterRegistrationBean<LoginThrottleFilter> loginThrottleFilter(LoginThrottle throttle) {
        FilterRegistrationBean<LoginThrottleFilter> registration = new FilterRegistrationBean<>(new LoginThrottleFilter(throttle));
        registration.setOrder(-101);
        return registration;
    }

    @Bean
    @Order(Ordered.LOWEST_PRECEDENCE)
    SecurityFilterChain securityFilterChain(HttpSecurity http, SecurityProperties properties) throws Exception {
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(auth -> {
                    auth.requestMatchers("/admin/**", "/admin.html").hasRole("ADMIN");
                    auth.requestMatchers("/actuator/health", "/actuator/health/**").permitAll();
                    if (properties.metrics().open()) {
                        auth.requestMatchers("/actuator/prometheus").permitAll();
                    } else {
                        auth.requestMatchers("/actuator/prometheus").hasAnyRole("ADMIN", "METRICS");
                    }
                    auth.requestMatchers("/actuator/**").hasRole("ADMIN");
                    if (properties.consultRequiresUser()) {
                        auth.requestMatchers("/consult/**", "/consult", "/conversations/**").hasRole("USER");
                    }
                    auth.anyRequest().permitAll();
                })
                .httpBasic(basic -> basic.realmName("lawyer-llama")
                        .authenticationEntryPoint(SecurityConfiguration::unauthorized))
                .exceptionHandling(e -> e
                        .authenticationEntryPoint(SecurityConfiguration::unauthorized)
                        .accessDeniedHandler((request, response, denied) -> Problems.write(request, response,
                                HttpStatus.FORBIDDEN, "Your account lacks the role this resource needs.")))
                .addFilterBefore(new CrossSiteRequestFilter(), BasicAuthenticationFilter.class)
                .addFilterBefore(new BearerTokenFilter(properties.admin(), properties.metrics()), BasicAuthenticationFilter.class)
                .headers(h -> h.contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
                        .referrerPolicy(r -> r.policy(org.springframework.security.web.header.writers
                                .ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN)));
        return http.build();
    }

    /**
     * 401. API clients get a Basic challenge; a browser (it announces itself with Sec-Fetch-*
     * headers, an Accept that asks for HTML, or a Mozilla user agent) gets a Bearer one, which it
     * never turns into a password prompt, and is pointed at the login page.
     */
    private static void unauthorized(jakarta.servlet.http.HttpServletRequest request,
                                     jakarta.servlet.http.HttpServletResponse response,
                                     org.springframework.security.core.AuthenticationException e)
            throws java.io.IOException {
        String authorization = request.getHeader("Authorization");
        if (authorization != null && authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            request.setAttribute(LoginThrottle.FAILED, Boolean.TRUE);
        }
        if (isBrowser(request)) {
            response.setHeader("WWW-Authenticate", "Bearer realm=\"lawyer-llama\"");
            Problems.write(request, response, HttpStatus.UNAUTHORIZED,
                    "Authentication required: log in at /login, or call the API with HTTP Basic or a bearer API token.");
            return;
        }
        response.setHeader("WWW-Authenticate", "Basic realm=\"lawyer-llama\"");
        Problems.write(request, response, HttpStatus.UNAUTHORIZED,
                "Authentication required: HTTP Basic with an admin account, or a bearer API token.");
    }

    /** Whether a browser sent this request (as opposed to curl, a script or an SDK). */
    public static boolean isBrowser(jakarta.servlet.http.HttpServletRequest request) {
        if (request.getHeader("Sec-Fetch-Mode") != null || request.getHeader("Sec-Fetch-Site") != null
                || request.getHeader("Sec-Fetch-Dest") != null) {
            return true;
        }
        String accept = request.getHeader("Accept");
        if (accept != null && accept.toLowerCase(java.util.Locale.ROOT).contains("text/html")) {
            return true;
        }
        String agent = request.getHeader("User-Agent");
        return agent != null && agent.startsWith("Mozilla/");
    }
}
