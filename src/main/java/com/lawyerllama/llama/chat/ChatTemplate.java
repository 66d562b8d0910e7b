package com.lawyerllama.llama.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * A checkpoint's own Jinja chat template, rendered by Jinjava as transformers'
 * {@code apply_chat_template} renders it: {@code trim_blocks} and {@code lstrip_blocks} on,
 * {@code messages}, {@code add_generation_prompt}, {@code bos_token}, {@code eos_token} (and any
 * extra variables, e.g. {@code enable_thinking}) in the context, {@code raise_exception} as a
 * function, {@code tojson} with Python's separators.
 *
 * <p>Jinjava lacks a few things of Python's Jinja that chat templates use; they are bridged here
 * and nowhere else: Python's string methods ({@link PythonStringMethods}); the reversing slice
 * {@code xs[::-1]}, rewritten to {@code (xs|reverse)}; and keyword arguments of {@code namespace(…)},
 * whose values are parenthesised (Jinjava binds {@code k=a|length - 1} as {@code (k=a|length) - 1}).
 *
 * <p>The end of an assistant turn is found by rendering a two-message chat: the token that follows
 * the assistant's text (e.g. {@code <|im_end|>}, {@code </s>}) is where generation stops.
 */
public final class ChatTemplate implements ChatFormat {
    private static final Pattern REVERSE_SLICE = Pattern.compile("([A-Za-z_][A-Za-z0-9_.]*)\\[::-1\\]");
    private static final Pattern NAMESPACE_CALL = Pattern.compile("\\bnamespace\\(");

    private final String template;
    private final String source;
    private final Map<String, Object> globals;
    private final Jinjava jinjava;
    private final Set<Integer> endOfTurnIds;

    /**
     * @param template the Jinja source
     * @param source   where it was read from, for messages ("tokenizer_config.json", "chat_template.jinja")
     * @param globals  variables every render sees (bos_token, eos_token, enable_thinking …)
     * @param tokenizer the model's tokenizer, to find the end-of-turn token (null: none)
     * @throws ChatTemplateException when the template does not render a one-question chat
     */
    public ChatTemplate(String template, String source, Map<String, Object> globals, Tokenizer tokenizer) {
        this.template = bridge(template);
        this.source = source;
        this.globals = Map.copyOf(globals);
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PythonStringMethods());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_ONLY);
        JinjavaConfig config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                .withFailOnUnknownTokens(false)
                .withElResolver(resolver)
                .withLegacyOverrides(LegacyOverrides.newBuilder()
                        .withUseTrimmingForNotesAndExpressions(true)   // {{- … -}} trims like {%- … -%}
                        .withUseNaturalOperatorPrecedence(true)
                        .withParseWhitespaceControlStrictly(true)
                        .withKeepNullableLoopValues(true)
                        .build())
                .build();
        this.jinjava = new Jinjava(config);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "raise_exception", ChatTemplate.class,
                "raiseException", String.class));
        jinjava.getGlobalContext().registerFilter(new PythonToJson());
        render(List.of(ChatMessage.user("?")), true);   // a template that cannot render a question fails here, at load
        this.endOfTurnIds = tokenizer == null ? Set.of() : findEndOfTurn(tokenizer);
    }

    /** {@code raise_exception(message)}, which templates call to refuse a chat (e.g. roles out of order). */
    public static String raiseException(String message) {
        throw new ChatTemplateException("the chat template refused the messages: " + message);
    }

    @Override
    public String render(List<ChatMessage> messages, boolean addGenerationPrompt) {
        Map<String, Object> context = new LinkedHashMap<>(globals);
        List<Map<String, Object>> list = new ArrayList<>();
        for (ChatMessage m : messages) {
            Map<String, Object> message = new LinkedHashMap<>();
            message.put("role", m.role());
            message.put("content", m.content());
            list.add(message);
        }
        context.put("messages", list);
        context.put("add_generation_prompt", addGenerationPrompt);
        RenderResult result;
        try {
            result = jinjava.renderForResult(template, context);
        } catch (ChatTemplateException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ChatTemplateException("the chat template (" + source + ") failed to render: " + e.getMessage());
        }
        for (TemplateError error : result.getErrors()) {
            if (error.getSeverity() == TemplateError.ErrorType.FATAL) {
                Throwable cause = error.getException();
                while (cause != null && !(cause instanceof ChatTemplateException) && cause.getCause() != cause) {
                    cause = cause.getCause();
                }
                if (cause instanceof ChatTemplateException refused) {
                    throw refused;
                }
                String message = error.getMessage() == null ? error.getReason().toString() : error.getMessage();
                if (message.contains("the chat template refused the messages")) {
                    throw new ChatTemplateException(message.substring(message.indexOf("the chat template refused")));
                }
                throw new ChatTemplateException("the chat template (" + source + ") failed to render at line "
                        + error.getLineno() + ": " + message);
            }
        }
        return result.getOutput();
    }

    /** The control token(s) that directly follow an assistant message in a rendered chat. */
    private Set<Integer> findEndOfTurn(Tokenizer tokenizer) {
        String marker = "\u2063answer\u2063";
        String text;
        try {
            text = render(List.of(ChatMessage.user("?"), ChatMessage.assistant(marker)), false);
        } catch (ChatTemplateException e) {
            return Set.of();
        }
        int at = text.lastIndexOf(marker);
        if (at < 0) {
            return Set.of();
        }
        String after = text.substring(at + marker.length());
        Set<Integer> ids = new LinkedHashSet<>();
        for (int id : tokenizer.encode(after)) {
            if (!tokenizer.decode(new int[] {id}).isEmpty()) {
                break;   // text, not a control token
            }
            ids.add(id);
            break;
        }
        return Set.copyOf(ids);
    }

    @Override
    public List<String> stopStrings() {
        return List.of();
    }

    @Override
    public Set<Integer> endOfTurnIds() {
        return endOfTurnIds;
    }

    @Override
    public String kind() {
        return "own";
    }

    @Override
    public String source() {
        return source;
    }

    /** The template with the constructs Jinjava does not parse rewritten (see the class comment). */
    static String bridge(String template) {
        String t = REVERSE_SLICE.matcher(template).replaceAll("($1|reverse)");
        StringBuilder out = new StringBuilder();
        Matcher m = NAMESPACE_CALL.matcher(t);
        int last = 0;
        while (m.find(last)) {
            int open = m.end() - 1;
            int close = matchingParen(t, open);
            if (close < 0) {
                break;
            }
            out.append(t, last, open + 1);
            List<String> args = splitTopLevel(t.substring(open + 1, close));
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                int eq = keywordEquals(arg);
                out.append(i == 0 ? "" : ",");
                out.append(eq < 0 ? arg : arg.substring(0, eq + 1) + "(" + arg.substring(eq + 1).strip() + ")");
            }
            out.append(')');
            last = close + 1;
        }
        out.append(t.substring(last));
        return out.toString();
    }

    private static int matchingParen(String s, int open) {
        int depth = 0;
        char quote = 0;
        for (int i = open; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
                if (depth == 0) {
                    return c == ')' ? i : -1;
                }
            }
        }
        return -1;
    }

    private static List<String> splitTopLevel(String s) {
        List<String> parts = new ArrayList<>();
        int depth = 0;
        char quote = 0;
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == '\\') {
                    i++;
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '(' || c == '[' || c == '{') {
                depth++;
            } else if (c == ')' || c == ']' || c == '}') {
                depth--;
            } else if (c == ',' && depth == 0) {
                parts.add(s.substring(start, i));
                start = i + 1;
            }
        }
        if (start < s.length() || !parts.isEmpty()) {
            parts.add(s.substring(start));
        }
        return parts;
    }

    /** The index of a keyword argument's '=' ({@code name=value}), or -1. */
    private static int keywordEquals(String arg) {
        Matcher m = Pattern.compile("^\\s*[A-Za-z_][A-Za-z0-9_]*\\s*=(?!=)").matcher(arg);
        return m.find() ? m.end() - 1 : -1;
    }

    /** {@code tojson} as transformers defines it: Python's json.dumps (", " and ": ", non-ASCII kept). */
    static final class PythonToJson implements Filter {
        @Override
        public String getName() {
            return "tojson";
        }

        @Override
        public Object filter(Object value, JinjavaInterpreter interpreter, String... args) {
            StringBuilder out = new StringBuilder();
            write(value, out);
            return out.toString();
        }

        private static void write(Object v, StringBuilder out) {
            if (v == null) {
                out.append("null");
            } else if (v instanceof Boolean || v instanceof Number) {
                out.append(v);
            } else if (v instanceof Map<?, ?> map) {
                out.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    out.append(first ? "" : ", ");
                    first = false;
                    write(String.valueOf(e.getKey()), out);
                    out.append(": ");
                    write(e.getValue(), out);
                }
                out.append('}');
            } else if (v instanceof Iterable<?> list) {
                out.append('[');
                boolean first = true;
                for (Object item : list) {
                    out.append(first ? "" : ", ");
                    first = false;
                    write(item, out);
                }
                out.append(']');
            } else {
                String s = v.toString();
                out.append('"');
                for (int i = 0; i < s.length(); i++) {
                    char c = s.charAt(i);
                    switch (c) {
                        case '"' -> out.append("\\\"");
                        case '\\' -> out.append("\\\\");
                        case '\n' -> out.append("\\n");
                        case '\r' -> out.append("\\r");
                        case '\t' -> out.append("\\t");
                        case '\b' -> out.append("\\b");
                        case '\f' -> out.append("\\f");
                        default -> {
                            if (c < 0x20) {
                                out.append(String.format("\\u%04x", (int) c));
                            } else {
                                out.append(c);
                            }
                        }
                    }
                }
                out.append('"');
            }
        }
    }
}
