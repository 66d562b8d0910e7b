package com.lawyerllama.llama.chat;

import com.lawyerllama.llama.tokenizer.Tokenizer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Which {@link ChatFormat} a model directory is served with. */
public final class ChatFormats {
    /** {@code lawyer.model.chat-format}: the checkpoint's own template when it has one, else Lawyer LLaMA's format. */
    public static final String AUTO = "auto";
    /** {@code lawyer.model.chat-format}: Lawyer LLaMA's {@code ### Human:} format even when the checkpoint has a template. */
    public static final String LAWYER_LLAMA = "lawyer-llama";

    private ChatFormats() {
    }

    /**
     * The format for {@code modelDir}: with {@link #AUTO}, its {@code chat_template.jinja}, else the
     * {@code chat_template} of its {@code tokenizer_config.json} (a string, or the one named
     * "default" of a list), else {@link LawyerLlamaFormat}; with {@link #LAWYER_LLAMA} always the latter.
     *
     * @param variables extra template variables (e.g. {@code enable_thinking})
     * @throws ChatTemplateException when the checkpoint's template does not render
     */
    public static ChatFormat forModel(Path modelDir, Tokenizer tokenizer, String mode, Map<String, Object> variables) {
        String m = mode == null ? AUTO : mode.strip().toLowerCase(Locale.ROOT);
        if (m.equals(LAWYER_LLAMA)) {
            return new LawyerLlamaFormat();
        }
        if (!m.equals(AUTO)) {
            throw new IllegalArgumentException("lawyer.model.chat-format must be " + AUTO + " or " + LAWYER_LLAMA + ", not '" + mode + "'");
        }
        if (modelDir == null || !Files.isDirectory(modelDir)) {
            return new LawyerLlamaFormat();
        }
        JsonNode config = readJson(modelDir.resolve("tokenizer_config.json"));
        Map<String, Object> globals = new HashMap<>(variables);
        globals.put("bos_token", tokenText(config == null ? null : config.get("bos_token")));
        globals.put("eos_token", tokenText(config == null ? null : config.get("eos_token")));
        Path jinja = modelDir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            try {
                return new ChatTemplate(Files.readString(jinja, StandardCharsets.UTF_8), "chat_template.jinja", globals, tokenizer);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + jinja, e);
            }
        }
        String template = config == null ? null : templateOf(config.get("chat_template"));
        if (template == null) {
            return new LawyerLlamaFormat();
        }
        return new ChatTemplate(template, "tokenizer_config.json", globals, tokenizer);
    }

    private static String templateOf(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isString()) {
            return node.asString();
        }
        if (node.isArray()) {
            for (JsonNode named : node) {
                if (named.path("name").asString("").equals("default")) {
                    return named.path("template").asString();
                }
            }
        }
        return null;
    }

    private static String tokenText(JsonNode node) {
        if (node == null || node.isNull()) {
            return "";
        }
        return node.isString() ? node.asString() : node.path("content").asString("");
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JsonMapper.builder().build().readTree(file.toFile());
        } catch (RuntimeException e) {
            throw new ChatTemplateException("cannot parse " + file + ": " + e.getMessage());
        }
    }
}
