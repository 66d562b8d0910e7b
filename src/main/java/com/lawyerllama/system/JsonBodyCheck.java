package com.lawyerllama.system;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamContext;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.json.JsonMapper;

/**
 * The checks every JSON request body passes before a controller sees it: strict UTF-8 (no
 * overlong forms such as {@code C0 AF} for {@code /}, no encoded surrogates, nothing above
 * U+10FFFF), well-formed JSON within the parser's nesting and size limits, and no string (value
 * or field name) holding a NUL or an unpaired surrogate ({@code "\ud800"}), which are not text
 * and break file paths, the index and the tokenizer further on. A failure names the field.
 */
public final class JsonBodyCheck {
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private JsonBodyCheck() {
    }

    /** Why the body is refused, or null when it passes. */
    public static String problem(byte[] body) {
        String text;
        try {
            text = strictUtf8(body);
        } catch (MalformedText e) {
            return "the body is not valid UTF-8 (byte " + e.offset + " starts an invalid or overlong sequence)";
        }
        try (JsonParser parser = JSON.createParser(text)) {
            for (JsonToken token; (token = parser.nextToken()) != null; ) {
                if (token == JsonToken.PROPERTY_NAME || token == JsonToken.VALUE_STRING) {
                    String bad = badText(parser.getString());
                    if (bad != null) {
                        String field = path(parser.streamReadContext(), token == JsonToken.VALUE_STRING);
                        return (field.isEmpty() ? "the body" : "field '" + field + "'") + " contains " + bad;
                    }
                }
            }
        } catch (JacksonException e) {
            return JsonErrors.describe(e);
        }
        return null;
    }

    /** Decodes UTF-8, refusing every malformed sequence (Java's decoder is strict; Jackson's is not). */
    static String strictUtf8(byte[] bytes) throws MalformedText {
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = decoder.decode(in, out, true);
        if (result.isError()) {
            throw new MalformedText(in.position());
        }
        result = decoder.flush(out);
        if (result.isError()) {
            throw new MalformedText(in.position());
        }
        return out.flip().toString();
    }

    /** What makes the text unacceptable: a NUL, an unpaired surrogate; null when it is fine. */
    static String badText(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == 0) {
                return "a NUL character (\\u0000)";
            }
            if (Character.isHighSurrogate(c)) {
                if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                return String.format("an unpaired surrogate (\\u%04x), which is not a Unicode character", (int) c);
            }
            if (Character.isLowSurrogate(c)) {
                return String.format("an unpaired surrogate (\\u%04x), which is not a Unicode character", (int) c);
            }
        }
        return null;
    }

    /** The path of the current value ({@code a.b[2].c}); a bad field name is shown by its parent's path. */
    private static String path(TokenStreamContext context, boolean value) {
        Deque<String> parts = new ArrayDeque<>();
        boolean first = true;
        for (TokenStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inObject()) {
                if (first && !value) {
                    first = false;
                    continue;
                }
                String name = c.currentName();
                parts.push(name == null || badText(name) != null ? "?" : ClientErrorLog.printable(name, 80));
            } else if (c.inArray()) {
                parts.push("[" + c.getCurrentIndex() + "]");
            }
            first = false;
        }
        StringBuilder out = new StringBuilder();
        for (String part : parts) {
            if (!out.isEmpty() && !part.startsWith("[")) {
                out.append('.');
            }
            out.append(part);
        }
        return out.toString();
    }

    static final class MalformedText extends Exception {
        final int offset;

        MalformedText(int offset) {
            super(null, null, false, false);
            this.offset = offset;
        }
    }
}
