package com.lawyerllama.llama.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns ids back into text the way SentencePiece does: control tokens produce nothing, byte
 * tokens are gathered into UTF-8, '▁' becomes a space, and the space of the dummy prefix is
 * dropped from the first piece of the sequence. For a byte-level vocabulary (GPT-2, Qwen) each
 * character of a piece stands for one byte instead (see {@link ByteLevel}).
 */
final class PieceDecoder implements Tokenizer.StreamingDecoder {
    private static final char SPACE_MARK = '\u2581';

    private final Vocabulary vocab;
    private final boolean stripLeadingSpace;
    private final String unkSurface;
    private final boolean byteLevel;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean atStart = true;

    PieceDecoder(Vocabulary vocab, boolean stripLeadingSpace, String unkSurface) {
        this(vocab, stripLeadingSpace, unkSurface, false);
    }

    PieceDecoder(Vocabulary vocab, boolean stripLeadingSpace, String unkSurface, boolean byteLevel) {
        this.vocab = vocab;
        this.stripLeadingSpace = stripLeadingSpace;
        this.unkSurface = unkSurface;
        this.byteLevel = byteLevel;
    }

    static String decodeAll(Vocabulary vocab, boolean stripLeadingSpace, String unkSurface, int[] ids) {
        return decodeAll(new PieceDecoder(vocab, stripLeadingSpace, unkSurface), ids);
    }

    static String decodeAll(PieceDecoder decoder, int[] ids) {
        StringBuilder text = new StringBuilder();
        for (int id : ids) {
            decoder.appendBytes(id);
        }
        return text.append(decoder.flush()).toString();
    }

    @Override
    public String append(int id) {
        appendBytes(id);
        byte[] bytes = pending.toByteArray();
        int complete = completeUtf8Length(bytes, bytes.length);
        if (complete == 0) {
            return "";
        }
        pending.reset();
        pending.write(bytes, complete, bytes.length - complete);
        return utf8(bytes, complete);
    }

    @Override
    public String flush() {
        byte[] bytes = pending.toByteArray();
        pending.reset();
        return utf8(bytes, bytes.length);
    }

    private void appendBytes(int id) {
        vocab.checkId(id);
        switch (vocab.types[id]) {
            case CONTROL, UNUSED -> {
                return;
            }
            case BYTE -> pending.write(Vocabulary.byteValue(vocab.pieces[id]));
            case UNKNOWN -> pending.writeBytes(unkSurface.getBytes(StandardCharsets.UTF_8));
            case NORMAL -> {
                if (byteLevel) {
                    ByteLevel.decode(vocab.pieces[id], pending);
                } else {
                    appendText(vocab.pieces[id]);
                }
            }
            default -> {
                if (byteLevel) {
                    pending.writeBytes(vocab.pieces[id].getBytes(StandardCharsets.UTF_8)); // an added token, as written
                } else {
                    appendText(vocab.pieces[id]);
                }
            }
        }
        atStart = false;
    }

    /** A SentencePiece-style piece: '▁' is a space, and the dummy prefix's space goes at the start. */
    private void appendText(String piece) {
        String text = piece.replace(SPACE_MARK, ' ');
        if (atStart && stripLeadingSpace && text.startsWith(" ")) {
            text = text.substring(1);
        }
        pending.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** The length of the longest prefix that does not end inside a UTF-8 sequence still missing bytes. */
    static int completeUtf8Length(byte[] bytes, int length) {
        int i = length - 1;
        int continuation = 0;
        while (i >= 0 && continuation < 3 && (bytes[i] & 0xc0) == 0x80) {
            i--;
            continuation++;
        }
        if (i < 0) {
            return length; // only stray continuation bytes: they can never complete
        }
        int lead = bytes[i] & 0xff;
        int needed = lead >= 0xf0 && lead < 0xf8 ? 4 : lead >= 0xe0 && lead < 0xf0 ? 3 : lead >= 0xc0 && lead < 0xe0 ? 2 : 1;
        return length - i < needed ? i : length;
    }

    private static String utf8(byte[] bytes, int length) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPLACE)
                    .onUnmappableCharacter(CodingErrorAction.REPLACE)
                    .decode(ByteBuffer.wrap(bytes, 0, length))
                    .toString();
        } catch (java.nio.charset.CharacterCodingException e) {
            throw new IllegalStateException(e); // not reached with REPLACE
        }
    }
}
