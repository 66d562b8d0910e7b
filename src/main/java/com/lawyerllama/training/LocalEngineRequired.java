package com.lawyerllama.training;

import com.lawyerllama.llama.LlamaConfiguration;
import com.lawyerllama.system.ApiException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Training and activating a checkpoint work on this JVM's engine: with a remote answering model
 * ({@code lawyer.model.provider=openai}) the admin API refuses them with a 409 that says so.
 */
@Component
public class LocalEngineRequired {
    private final String provider;

    public LocalEngineRequired(@Value("${" + LlamaConfiguration.PROVIDER + ":local}") String provider) {
        this.provider = provider;
    }

    /** @throws ApiException 409 when the answering model is remote */
    public void check(String what) {
        if (!"local".equals(provider)) {
            throw ApiException.conflict(what + " needs the local engine, and lawyer.model.provider is " + provider
                    + " (answers come from a remote model server): run it on an instance with lawyer.model.provider=local");
        }
    }
}
