package com.lawyerllama.openai;

import com.lawyerllama.system.LoginThrottle;
import com.lawyerllama.system.LoginThrottleFilter;
import com.lawyerllama.system.SecurityConfiguration;
import com.lawyerllama.system.SecurityProperties;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The security chain of {@code /v1/**}, ahead of the service's main chain: stateless bearer API
 * keys ({@code lawyer.openai.api-keys}). With keys configured, every request needs one of them.
 * Without, {@code /v1} is as open as {@code /consult}: open, accepting any bearer value (OpenAI
 * SDKs always send one), or, with {@code lawyer.security.consult-requires-user}, needing the
 * user account over HTTP Basic. The admin's password and API token are never API keys: the
 * service refuses to start when one is listed. No cookies and no session, so nothing for a
 * cross-site request to ride on (CSRF protection has nothing to guard). Refusals are
 * OpenAI-shaped 401s. Wrong keys (and, where {@code /v1} takes the user account, wrong Basic
 * passwords) count against the service's {@link LoginThrottle} per client address, and a client
 * over its limit gets an OpenAI-shaped 429 with Retry-After: the chain has its own
 * {@link LoginThrottleFilter#perAddress} instance, and the service-wide one leaves {@code /v1} to it.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnWebApplication
@EnableConfigurationProperties(OpenAiProperties.class)
public class OpenAiSecurity {

    @Bean
    @Order(2)
    SecurityFilterChain openAiSecurityFilterChain(HttpSecurity http, OpenAiProperties properties,
                                                  SecurityProperties security, LoginThrottle throttle) throws Exception {
        SecurityProperties.Account admin = security.admin();
        for (String key : properties.apiKeys()) {
            if (key.equals(admin.apiToken()) || key.equals(admin.password())) {
                throw new IllegalStateException("lawyer.openai.api-keys must not contain the admin's password or API token");
            }
        }
        boolean needsUser = !properties.hasApiKeys() && security.consultRequiresUser();
        http.securityMatcher("/v1/**")
                .csrf(csrf -> csrf.disable())
                .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                .authorizeHttpRequests(auth -> {
                    auth.dispatcherTypeMatchers(DispatcherType.ERROR).permitAll();
                    if (needsUser || properties.hasApiKeys()) {
                        auth.anyRequest().hasRole("USER");
                    } else {
                        auth.anyRequest().permitAll();
                    }
                })
                .exceptionHandling(e -> e
                        .authenticationEntryPoint((request, response, denied) -> OpenAiExceptionHandler.write(response,
                                unauthorized(needsUser ? "This server needs the user account over HTTP Basic "
                                        + "(bearer keys are accepted once lawyer.openai.api-keys is set)." : "An API key is required: send Authorization: "
                                        + "Bearer <key>.")))
                        .accessDeniedHandler((request, response, denied) -> OpenAiExceptionHandler.write(response,
                                new OpenAiException(HttpStatus.FORBIDDEN, "This account may not use the API.",
                                        "invalid_request_error", null, "forbidden", 0))))
                // The throttle first, so that a throttled client's credentials are not even looked at.
                .addFilterBefore(LoginThrottleFilter.perAddress(throttle, (request, response, message, wait) ->
                        OpenAiExceptionHandler.write(response, new OpenAiException(HttpStatus.TOO_MANY_REQUESTS, message,
                                "rate_limit_error", null, "too_many_failed_logins", (int) Math.min(Integer.MAX_VALUE, wait)))),
                        BasicAuthenticationFilter.class)
                .addFilterBefore(new ApiKeyFilter(properties.apiKeys()), BasicAuthenticationFilter.class)
                .headers(h -> h.contentSecurityPolicy(csp -> csp.policyDirectives(SecurityConfiguration.CONTENT_SECURITY_POLICY)));
        if (needsUser) {
            http.httpBasic(basic -> basic.realmName("lawyer-llama").authenticationEntryPoint((request, response, denied) -> {
                request.setAttribute(LoginThrottle.FAILED, Boolean.TRUE);
                OpenAiExceptionHandler.write(response, unauthorized("Wrong user name or password."));
            }));
        }
        return http.build();
    }

    static OpenAiException unauthorized(String message) {
        return new OpenAiException(HttpStatus.UNAUTHORIZED, message, "invalid_request_error", null, "invalid_api_key", 0);
    }

    /**
     * With keys configured: a request's {@code Authorization: Bearer} must be one of them (compared in
     * constant time); it then acts as a USER (never ADMIN), and a wrong one is marked
     * {@link LoginThrottle#FAILED} for the throttle. Without keys, the header is left alone.
     */
    static final class ApiKeyFilter extends OncePerRequestFilter {
        private final List<byte[]> keys;

        ApiKeyFilter(List<String> keys) {
            this.keys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
        }

        @Override
        protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws ServletException, IOException {
            if (keys.isEmpty()) {
                chain.doFilter(request, response);
                return;
            }
            String header = request.getHeader("Authorization");
            if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
                OpenAiExceptionHandler.write(response, unauthorized("An API key is required: send Authorization: Bearer <key>."));
                return;
            }
            byte[] given = header.substring(7).strip().getBytes(StandardCharsets.UTF_8);
            boolean valid = false;
            for (byte[] key : keys) {
                valid |= MessageDigest.isEqual(given, key);
            }
            if (!valid) {
                request.setAttribute(LoginThrottle.FAILED, Boolean.TRUE);
                OpenAiExceptionHandler.write(response, unauthorized("Incorrect API key provided."));
                return;
            }
            SecurityContextHolder.getContext().setAuthentication(UsernamePasswordAuthenticationToken.authenticated(
                    "api-key", null, List.of(new SimpleGrantedAuthority("ROLE_USER"))));
            try {
                chain.doFilter(request, response);
            } finally {
                SecurityContextHolder.clearContext();
            }
        }
    }
}
