package com.lawyerllama.openai;

import org.springframework.http.HttpStatus;

/**
 * A request refused in the OpenAI protocol's terms: the status, and the error's message, type,
 * the request field at fault ({@code param}) and a code. Rendered by {@link OpenAiExceptionHandler}.
 */
public class OpenAiException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;
    private final int retryAfterSeconds;

    public OpenAiException(HttpStatus status, String message, String type, String param, String code, int retryAfterSeconds) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** 400 naming the request field at fault. */
    public static OpenAiException invalid(String param, String message) {
        return new OpenAiException(HttpStatus.BAD_REQUEST, message, "invalid_request_error", param, null, 0);
    }

    public static OpenAiException modelNotFound(String model) {
        return new OpenAiException(HttpStatus.NOT_FOUND, "The model '" + model + "' does not exist; GET /v1/models lists "
                + "the models served here.", "invalid_request_error", "model", "model_not_found", 0);
    }

    public HttpStatus status() {
        return status;
    }

    public String type() {
        return type;
    }

    public String param() {
        return param;
    }

    public String code() {
        return code;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }

    public OpenAiProtocol.ErrorBody body() {
        return new OpenAiProtocol.ErrorBody(new OpenAiProtocol.Error(getMessage(), type, param, code));
    }
}
