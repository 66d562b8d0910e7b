package com.lawyerllama.openai;

import com.lawyerllama.system.JsonBodyCheck;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code POST /v1/chat/completions}, read field by field so that every refusal names its field
 * ({@code param}): strict UTF-8, then JSON, then each field's type and range. Unknown fields are
 * ignored; tools, function calls, non-text response formats, log-probabilities and {@code n > 1}
 * are refused (400) rather than silently dropped. {@code frequency_penalty} and
 * {@code presence_penalty} are checked and ignored (the engine applies its configured repetition
 * penalty instead).
 *
 * @param maxTokens {@code max_completion_tokens}, or else {@code max_tokens}; null: the model's default
 * @param stop      extra stop strings (at most 4)
 */
public record ChatCompletionRequest(String model, List<Message> messages, boolean stream, boolean includeUsage,
                                    Integer maxTokens, Double temperature, Double topP, Long seed, List<String> stop,
                                    String user) {

    /** A message: role {@code system} ({@code developer} is read as system), {@code user} or {@code assistant}. */
    public record Message(String role, String content) {
    }

    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final Map<String, String> UNSUPPORTED = Map.of(
            "tools", "tools are not supported by this server",
            "tool_choice", "tool_choice is not supported by this server (no tools)",
            "functions", "functions are not supported by this server",
            "function_call", "function_call is not supported by this server",
            "audio", "audio output is not supported by this server");

    /**
     * @param maxTokensLimit the largest max_tokens allowed
     * @throws OpenAiException 400 naming the field at fault
     */
    public static ChatCompletionRequest parse(byte[] body, OpenAiProperties limits, int maxTokensLimit) {
        if (body == null || body.length == 0) {
            throw OpenAiException.invalid(null, "The request body is empty; send a JSON object with model and messages.");
        }
        // The service's one body check (strict UTF-8, JSON, no NUL or unpaired surrogate in any string),
        // which the other endpoints get from RequestBodyLimitFilter; /v1 answers its findings in OpenAI's shape.
        String problem = JsonBodyCheck.problem(body);
        if (problem != null) {
            throw OpenAiException.invalid(null, "The request body is refused: " + problem + ".");
        }
        String text = new String(body, StandardCharsets.UTF_8);
        JsonNode root;
        try {
            root = JSON.readTree(text);
        } catch (JacksonException e) {
            throw OpenAiException.invalid(null, "The request body is not valid JSON: "
                    + e.getOriginalMessage().replaceAll("\\s+", " "));
        }
        if (root == null || !root.isObject()) {
            throw OpenAiException.invalid(null, "The request body must be a JSON object.");
        }
        for (var entry : UNSUPPORTED.entrySet()) {
            if (present(root, entry.getKey())) {
                throw OpenAiException.invalid(entry.getKey(), entry.getValue() + ".");
            }
        }
        if (present(root, "response_format")) {
            JsonNode format = root.get("response_format");
            if (!format.isObject() || !"text".equals(format.path("type").asString(""))) {
                throw OpenAiException.invalid("response_format", "response_format other than {\"type\": \"text\"} "
                        + "(JSON mode, JSON schema) is not supported by this server.");
            }
        }
        if (present(root, "logprobs") && bool(root, "logprobs")) {
            throw OpenAiException.invalid("logprobs", "logprobs are not supported by this server.");
        }
        if (present(root, "n") && integer(root, "n", 1, Integer.MAX_VALUE) != 1) {
            throw OpenAiException.invalid("n", "Only n = 1 is supported: one choice per request.");
        }
        String model = string(root, "model");
        if (model == null || model.isBlank()) {
            throw OpenAiException.invalid("model", "model is required (GET /v1/models lists the models served here).");
        }
        List<Message> messages = messages(root, limits);
        boolean stream = present(root, "stream") && bool(root, "stream");
        boolean includeUsage = false;
        if (present(root, "stream_options")) {
            JsonNode options = root.get("stream_options");
            if (!options.isObject()) {
                throw OpenAiException.invalid("stream_options", "stream_options must be an object.");
            }
            if (present(options, "include_usage")) {
                if (!options.get("include_usage").isBoolean()) {
                    throw OpenAiException.invalid("stream_options.include_usage", "stream_options.include_usage must be a boolean.");
                }
                includeUsage = options.get("include_usage").asBoolean();
            }
        }
        Integer maxTokens = null;
        if (present(root, "max_completion_tokens")) {
            maxTokens = integer(root, "max_completion_tokens", 1, maxTokensLimit);
        } else if (present(root, "max_tokens")) {
            maxTokens = integer(root, "max_tokens", 1, maxTokensLimit);
        }
        Double temperature = present(root, "temperature") ? number(root, "temperature", 0, 2, true) : null;
        Double topP = present(root, "top_p") ? number(root, "top_p", 0, 1, false) : null;
        for (String penalty : List.of("frequency_penalty", "presence_penalty")) {
            if (present(root, penalty)) {
                number(root, penalty, -2, 2, true);
            }
        }
        Long seed = null;
        if (present(root, "seed")) {
            JsonNode node = root.get("seed");
            if (!node.isIntegralNumber() || !node.canConvertToLong()) {
                throw OpenAiException.invalid("seed", "seed must be an integer.");
            }
            seed = node.asLong();
        }
        List<String> stop = stop(root);
        String user = present(root, "user") ? string(root, "user") : null;
        return new ChatCompletionRequest(model.strip(), messages, stream, includeUsage, maxTokens, temperature, topP, seed,
                stop, user);
    }

    private static List<Message> messages(JsonNode root, OpenAiProperties limits) {
        if (!present(root, "messages")) {
            throw OpenAiException.invalid("messages", "messages is required: a non-empty array of {role, content}.");
        }
        JsonNode array = root.get("messages");
        if (!array.isArray()) {
            throw OpenAiException.invalid("messages", "messages must be an array.");
        }
        if (array.isEmpty()) {
            throw OpenAiException.invalid("messages", "messages must not be empty.");
        }
        if (array.size() > limits.maxMessages()) {
            throw OpenAiException.invalid("messages", "At most " + limits.maxMessages() + " messages are accepted; got "
                    + array.size() + ".");
        }
        List<Message> messages = new ArrayList<>();
        long chars = 0;
        for (int i = 0; i < array.size(); i++) {
            String at = "messages[" + i + "]";
            JsonNode m = array.get(i);
            if (!m.isObject()) {
                throw OpenAiException.invalid(at, at + " must be an object with role and content.");
            }
            JsonNode roleNode = m.get("role");
            if (roleNode == null || !roleNode.isString()) {
                throw OpenAiException.invalid(at + ".role", at + ".role must be a string: system, user or assistant.");
            }
            String role = roleNode.asString();
            switch (role) {
                case "system", "developer", "user", "assistant" -> {
                }
                case "tool", "function" -> throw OpenAiException.invalid(at + ".role",
                        "Role '" + role + "' is not supported by this server (no tools).");
                default -> throw OpenAiException.invalid(at + ".role",
                        "Role '" + role + "' is not one of system, user, assistant.");
            }
            if (present(m, "tool_calls") || present(m, "function_call")) {
                throw OpenAiException.invalid(at + ".tool_calls", "Tool calls are not supported by this server.");
            }
            String content = content(m.get("content"), at + ".content");
            chars += content.length();
            if (chars > limits.maxTotalChars()) {
                throw OpenAiException.invalid("messages", "The messages hold more than " + limits.maxTotalChars()
                        + " characters in all.");
            }
            messages.add(new Message("developer".equals(role) ? "system" : role, content));
        }
        return List.copyOf(messages);
    }

    /** A string, or the array-of-parts form with text parts only. */
    private static String content(JsonNode node, String at) {
        if (node == null || node.isNull()) {
            throw OpenAiException.invalid(at, at + " is required: a string or an array of text parts.");
        }
        if (node.isString()) {
            return node.asString();
        }
        if (!node.isArray()) {
            throw OpenAiException.invalid(at, at + " must be a string or an array of text parts.");
        }
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < node.size(); i++) {
            JsonNode part = node.get(i);
            String type = part.path("type").asString("");
            if (!part.isObject() || !"text".equals(type)) {
                throw OpenAiException.invalid(at + "[" + i + "]", "Only text content parts ({\"type\": \"text\", \"text\": …}) "
                        + "are supported; got " + (type.isEmpty() ? "something else" : "'" + type + "'") + ".");
            }
            JsonNode partText = part.get("text");
            if (partText == null || !partText.isString()) {
                throw OpenAiException.invalid(at + "[" + i + "].text", at + "[" + i + "].text must be a string.");
            }
            if (!text.isEmpty()) {
                text.append('\n');
            }
            text.append(partText.asString());
        }
        return text.toString();
    }

    private static List<String> stop(JsonNode root) {
        if (!present(root, "stop")) {
            return List.of();
        }
        JsonNode node = root.get("stop");
        if (node.isString()) {
            return node.asString().isEmpty() ? List.of() : List.of(node.asString());
        }
        if (!node.isArray() || node.size() > 4) {
            throw OpenAiException.invalid("stop", "stop must be a string or an array of at most 4 strings.");
        }
        List<String> stops = new ArrayList<>();
        for (JsonNode s : node) {
            if (!s.isString()) {
                throw OpenAiException.invalid("stop", "stop must be a string or an array of at most 4 strings.");
            }
            if (!s.asString().isEmpty()) {
                stops.add(s.asString());
            }
        }
        return List.copyOf(stops);
    }

    /** A field that is there and not null (OpenAI clients send null for "not set"). */
    private static boolean present(JsonNode node, String field) {
        return node.has(field) && !node.get(field).isNull();
    }

    private static String string(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isString()) {
            throw OpenAiException.invalid(field, field + " must be a string.");
        }
        return node.asString();
    }

    private static boolean bool(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (!node.isBoolean()) {
            throw OpenAiException.invalid(field, field + " must be a boolean.");
        }
        return node.asBoolean();
    }

    private static int integer(JsonNode root, String field, int min, int max) {
        JsonNode node = root.get(field);
        if (!node.isIntegralNumber() || !node.canConvertToInt()) {
            throw OpenAiException.invalid(field, field + " must be an integer.");
        }
        int value = node.asInt();
        if (value < min || value > max) {
            throw OpenAiException.invalid(field, field + " must be between " + min + " and " + max + "; got " + value + ".");
        }
        return value;
    }

    private static double number(JsonNode root, String field, double min, double max, boolean minInclusive) {
        JsonNode node = root.get(field);
        if (!node.isNumber()) {
            throw OpenAiException.invalid(field, field + " must be a number.");
        }
        double value = node.asDouble();
        if (Double.isNaN(value) || value > max || value < min || (!minInclusive && value == min)) {
            throw OpenAiException.invalid(field, field + " must be " + (minInclusive ? "between " + min + " and " + max
                    : "greater than " + min + " and at most " + max) + "; got " + node + ".");
        }
        return value;
    }
}
