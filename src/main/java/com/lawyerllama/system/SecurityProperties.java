package com.lawyerllama.system;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may do what. The admin API always needs the ADMIN role; consultation is open unless
 * {@code consultRequiresUser} is set. Passwords may be given in clear or as a Spring Security
 * encoded value ({@code {bcrypt}…}). docs/security.md lists every rule.
 *
 * @param metrics       who may read {@code /actuator/prometheus}
 * @param loginThrottle how many failed logins a client address or a user name may make before
 *                      further attempts get 429
 */
@ConfigurationProperties(prefix = "lawyer.security")
public record SecurityProperties(
        @DefaultValue Account admin,
        @DefaultValue("false") boolean consultRequiresUser,
        @DefaultValue Account user,
        @DefaultValue Metrics metrics,
        @DefaultValue LoginThrottle loginThrottle) {

    public record Account(String username, String password, String apiToken) {
        public String usernameOr(String fallback) {
            return username == null || username.isBlank() ? fallback : username;
        }

        public boolean hasPassword() {
            return password != null && !password.isBlank();
        }

        public boolean hasApiToken() {
            return apiToken != null && !apiToken.isBlank();
        }
    }

    /**
     * @param open  true: anyone may scrape {@code /actuator/prometheus} (only on a private network)
     * @param token a bearer token that may read the metrics and nothing else (besides an admin's credentials)
     */
    public record Metrics(@DefaultValue("false") boolean open, String token) {
        public boolean hasToken() {
            return token != null && !token.isBlank();
        }
    }

    /**
     * @param maxFailures failed logins a client address may make in a row before it must wait; a user
     *                    name may take three times as many (from all addresses together)
     * @param refill      how long until one more attempt is allowed again
     */
    public record LoginThrottle(@DefaultValue("10") int maxFailures, @DefaultValue("6s") Duration refill) {
    }
}
