package com.lawyerllama.llama.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * GPT-2's byte-level alphabet, which byte-level BPE vocabularies (GPT-2, Qwen, LLaMA 3) are
 * written in: each of the 256 byte values is one printable character. Bytes that are printable
 * Latin-1 ('!'..'~', '¡'..'¬', '®'..'ÿ') stand for themselves; the others, in byte order, take
 * the characters from U+0100 on (so a space is 'Ġ', U+0120, and a newline 'Ċ', U+010A).
 */
final class ByteLevel {
    private static final char[] BYTE_TO_CHAR = new char[256];
    private static final int[] CHAR_TO_BYTE = new int[512];

    static {
        java.util.Arrays.fill(CHAR_TO_BYTE, -1);
        int extra = 0;
        for (int b = 0; b < 256; b++) {
            boolean printable = b >= '!' && b <= '~' || b >= 0xA1 && b <= 0xAC || b >= 0xAE && b <= 0xFF;
            char c = printable ? (char) b : (char) (256 + extra++);
            BYTE_TO_CHAR[b] = c;
            CHAR_TO_BYTE[c] = b;
        }
    }

    private ByteLevel() {
    }

    /** The UTF-8 bytes of {@code text}, one alphabet character each. */
    static String encode(String text) {
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        char[] chars = new char[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            chars[i] = BYTE_TO_CHAR[utf8[i] & 0xff];
        }
        return new String(chars);
    }

    /** Appends the bytes a piece of the alphabet stands for; a character outside it is appended as its UTF-8. */
    static void decode(String piece, ByteArrayOutputStream out) {
        for (int i = 0; i < piece.length(); i++) {
            char c = piece.charAt(i);
            int b = c < CHAR_TO_BYTE.length ? CHAR_TO_BYTE[c] : -1;
            if (b >= 0) {
                out.write(b);
            } else {
                int cp = piece.codePointAt(i);
                out.writeBytes(new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8));
                i += Character.charCount(cp) - 1;
            }
        }
    }
}
