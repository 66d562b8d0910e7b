package com.lawyerllama.openai;

import java.util.function.Consumer;

/**
 * Passes on streamed text with the whitespace at both ends removed, so that the deltas of a stream
 * add up to exactly what the non-streamed response holds ({@link String#strip()} of the whole): the
 * leading whitespace is dropped, and a run of whitespace is held back until something follows it.
 */
final class StrippedText implements Consumer<String> {
    private final Consumer<String> out;
    private final StringBuilder held = new StringBuilder();
    private boolean started;

    StrippedText(Consumer<String> out) {
        this.out = out;
    }

    @Override
    public void accept(String piece) {
        StringBuilder emit = new StringBuilder();
        piece.codePoints().forEach(cp -> {
            if (Character.isWhitespace(cp)) {
                if (started) {
                    held.appendCodePoint(cp);
                }
                return;
            }
            started = true;
            emit.append(held).appendCodePoint(cp);
            held.setLength(0);
        });
        if (!emit.isEmpty()) {
            out.accept(emit.toString());
        }
    }
}
