package com.lawyerllama.web;

import org.springframework.context.annotation.Configuration;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Routes for the static pages: {@code /} is {@code index.html} (Spring Boot's welcome page),
 * {@code /admin} and {@code /login} are {@code admin.html} and {@code login.html}; and the CSRF
 * token the login form and the admin page's fetch calls send back.
 */
@Configuration(proxyBeanMethods = false)
public class WebPages implements WebMvcConfigurer {

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addViewController("/admin").setViewName("forward:/admin.html");
        registry.addViewController("/admin/").setViewName("forward:/admin.html");
        registry.addViewController("/login").setViewName("forward:/login.html");
    }

    /** The admin session's cookie is never sent with requests that other sites start. */
    @org.springframework.context.annotation.Bean
    org.springframework.boot.web.server.servlet.CookieSameSiteSupplier adminSessionCookieSameSite() {
        return org.springframework.boot.web.server.servlet.CookieSameSiteSupplier.ofStrict()
                .whenHasName(AdminPageSecurity.SESSION_COOKIE);
    }

    /** The session's CSRF token: where to send it (header or form field) and its value. */
    public record CsrfView(String headerName, String parameterName, String token) {
    }

    @RestController
    static class CsrfController {
        @GetMapping("/csrf")
        CsrfView csrf(CsrfToken token) {
            if (token == null) {
                // Reached with an Authorization header: the stateless API chain has no CSRF tokens.
                throw com.lawyerllama.system.ApiException.notFound("CSRF tokens exist only for the admin page's session");
            }
            return new CsrfView(token.getHeaderName(), token.getParameterName(), token.getToken());
        }
    }
}
