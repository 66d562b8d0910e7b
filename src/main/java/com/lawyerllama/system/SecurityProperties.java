package com.lawyerllama.system;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may do what. The admin API always needs the ADMIN role; consultation is open unless
 * {@code consultRequiresUser} is set. Passwords may be given in clear or as a Spring Security
 * encoded value ({@code {bcrypt}…}).
 */
@ConfigurationProperties(prefix = "lawyer.security")
public record SecurityProperties(
        @DefaultValue Account admin,
        @DefaultValue("false") boolean consultRequiresUser,
        @DefaultValue Account user) {

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
}
