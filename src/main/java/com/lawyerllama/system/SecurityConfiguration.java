package com.lawyerllama.system;

import java.util.ArrayList;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
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
 * {@code /admin/**} needs ADMIN (HTTP Basic or the bearer API token); consultation needs USER
 * only when {@code lawyer.security.consult-requires-user} is set; everything else is open.
 * Refusals are problem details (401 with a challenge, 403). The admin page's browser login
 * (form, session, CSRF) is a separate chain ahead of this one: {@code web.AdminPageSecurity}.
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
    SecurityFilterChain securityFilterChain(HttpSecurity http, SecurityProperties properties) throws Exception {
        http.csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(auth -> {
                    auth.requestMatchers("/admin/**").hasRole("ADMIN");
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
                .addFilterBefore(new BearerTokenFilter(properties.admin()), BasicAuthenticationFilter.class)
                .headers(h -> h.contentSecurityPolicy(csp -> csp.policyDirectives(CONTENT_SECURITY_POLICY))
                        .referrerPolicy(r -> r.policy(org.springframework.security.web.header.writers
                                .ReferrerPolicyHeaderWriter.ReferrerPolicy.SAME_ORIGIN)));
        return http.build();
    }

    private static void unauthorized(jakarta.servlet.http.HttpServletRequest request,
                                     jakarta.servlet.http.HttpServletResponse response,
                                     org.springframework.security.core.AuthenticationException e)
            throws java.io.IOException {
        response.setHeader("WWW-Authenticate", "Basic realm=\"lawyer-llama\"");
        Problems.write(request, response, HttpStatus.UNAUTHORIZED,
                "Authentication required: HTTP Basic with an admin account, or a bearer API token.");
    }
}
