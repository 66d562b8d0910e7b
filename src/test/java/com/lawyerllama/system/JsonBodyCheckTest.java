package com.lawyerllama.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class JsonBodyCheckTest {

    private static String check(String json) {
        return JsonBodyCheck.problem(json.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] bytes(String before, int[] raw, String after) {
        byte[] a = before.getBytes(StandardCharsets.UTF_8);
        byte[] b = after.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[a.length + raw.length + b.length];
        System.arraycopy(a, 0, out, 0, a.length);
        for (int i = 0; i < raw.length; i++) {
            out[a.length + i] = (byte) raw[i];
        }
        System.arraycopy(b, 0, out, a.length + raw.length, b.length);
        return out;
    }

    @Test
    void acceptsOrdinaryJsonWithChineseAndEmoji() {
        assertThat(check("{\"question\":\"劳动合同 😀\",\"k\":[1,3],\"nested\":{\"a\":\"\\ud83d\\ude00\"}}")).isNull();
    }

    @Test
    void refusesOverlongAndOutOfRangeUtf8() {
        assertThat(JsonBodyCheck.problem(bytes("{\"q\":\"a", new int[] {0xc0, 0xaf}, "\"}"))).contains("not valid UTF-8");
        assertThat(JsonBodyCheck.problem(bytes("{\"q\":\"a", new int[] {0xf4, 0x90, 0x80, 0x80}, "\"}"))).contains("UTF-8");
        assertThat(JsonBodyCheck.problem(bytes("{\"q\":\"a", new int[] {0xed, 0xa0, 0x80}, "\"}"))).contains("UTF-8");
    }

    @Test
    void refusesNulAndUnpairedSurrogatesNamingTheField() {
        assertThat(check("{\"plan\":{\"stages\":[{\"datasets\":[{\"path\":\"a\\u0000b\"}]}]}}"))
                .isEqualTo("field 'plan.stages[0].datasets[0].path' contains a NUL character (\\u0000)");
        assertThat(check("{\"question\":\"\\ud800\"}")).startsWith("field 'question' contains an unpaired surrogate");
        assertThat(check("{\"k\":[\"ok\",\"\\udc00\"]}")).startsWith("field 'k[1]' contains an unpaired surrogate");
        assertThat(check("{\"a\":{\"\\u0000\":1}}")).startsWith("field 'a' contains a NUL");
    }

    @Test
    void malformedJsonIsDescribedWithoutJavaNames() {
        assertThat(check("{\"a\":")).isEqualTo("the body ends before its JSON is complete");
        assertThat(check("{'a':1}")).startsWith("the body is not valid JSON (line 1, column");
        assertThat(check("[".repeat(3000))).isEqualTo("the body is nested too deeply or has a value that is too long");
    }
}
