package com.lawyerllama.consult;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Model-assisted retrieval queries ({@link QueryAssist}).
 *
 * @param mode             {@code off} (the default), {@code rewrite} (the question in legal terms) or
 *                         {@code draft} (a short draft answer); the search runs on the question followed by that text
 * @param rewriteMaxTokens longest rewrite, in tokens
 * @param draftMaxTokens   longest draft, in tokens
 * @param timeout          longest the model may take; past it the question is searched as it is
 */
@ConfigurationProperties(prefix = "lawyer.consult.query-assist")
public record QueryAssistProperties(
        @DefaultValue("off") QueryAssist.Mode mode,
        @DefaultValue("64") int rewriteMaxTokens,
        @DefaultValue("160") int draftMaxTokens,
        @DefaultValue("20s") Duration timeout) {

    public QueryAssistProperties {
        if (rewriteMaxTokens < 1 || rewriteMaxTokens > 512 || draftMaxTokens < 1 || draftMaxTokens > 1024) {
            throw new IllegalArgumentException("lawyer.consult.query-assist: rewrite-max-tokens must be 1-512 and "
                    + "draft-max-tokens 1-1024");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("lawyer.consult.query-assist.timeout must be positive");
        }
    }
}
