package com.lawyerllama.llama.tokenizer;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Pieces by id and ids by piece, with the byte-fallback table; shared by the tokenizer formats. */
final class Vocabulary {
    final String[] pieces;
    final float[] scores;
    final PieceType[] types;
    final int unkId;
    private final Map<String, Integer> ids;
    /** {@code <0xNN>} piece id per byte value, or -1. */
    private final int[] byteIds = new int[256];
    private final boolean byteFallback;

    Vocabulary(List<SentencePieceModel.Piece> entries, int unkId, boolean byteFallback) {
        int n = entries.size();
        pieces = new String[n];
        scores = new float[n];
        types = new PieceType[n];
        ids = new HashMap<>(n * 2);
        java.util.Arrays.fill(byteIds, -1);
        for (int id = 0; id < n; id++) {
            SentencePieceModel.Piece piece = entries.get(id);
            pieces[id] = piece.text();
            scores[id] = piece.score();
            types[id] = piece.type();
            ids.putIfAbsent(piece.text(), id); // the first of duplicate pieces wins, as in SentencePiece
            if (piece.type() == PieceType.BYTE) {
                byteIds[byteValue(piece.text())] = id;
            }
        }
        this.unkId = unkId;
        this.byteFallback = byteFallback;
    }

    int size() {
        return pieces.length;
    }

    /** The id of a piece, or -1. */
    int id(String piece) {
        Integer id = ids.get(piece);
        return id == null ? -1 : id;
    }

    String piece(int id) {
        checkId(id);
        return pieces[id];
    }

    void checkId(int id) {
        if (id < 0 || id >= pieces.length) {
            throw new IllegalArgumentException("token id " + id + " outside the vocabulary [0, " + pieces.length + ")");
        }
    }

    /** Appends a symbol that has no piece: as its UTF-8 bytes when byte fallback is on, else as unknown. */
    void appendUnknown(String symbol, IntList out) {
        if (byteFallback) {
            byte[] utf8 = symbol.getBytes(StandardCharsets.UTF_8);
            boolean allPresent = true;
            for (byte b : utf8) {
                allPresent &= byteIds[b & 0xff] >= 0;
            }
            if (allPresent) {
                for (byte b : utf8) {
                    out.add(byteIds[b & 0xff]);
                }
                return;
            }
        }
        out.add(unkId);
    }

    /** The byte of a {@code <0xNN>} piece. */
    static int byteValue(String piece) {
        if (!isBytePiece(piece)) {
            throw new IllegalArgumentException("byte piece expected as <0xNN>, got '" + piece + "'");
        }
        return Integer.parseInt(piece.substring(3, 5), 16);
    }

    static boolean isBytePiece(String piece) {
        return piece.length() == 6 && piece.startsWith("<0x") && piece.endsWith(">")
                && Character.digit(piece.charAt(3), 16) >= 0 && Character.digit(piece.charAt(4), 16) >= 0;
    }

    /** A growable int array. */
    static final class IntList {
        private int[] data = new int[16];
        private int size;

        void add(int value) {
            if (size == data.length) {
                data = java.util.Arrays.copyOf(data, size * 2);
            }
            data[size++] = value;
        }

        int size() {
            return size;
        }

        int get(int i) {
            return data[i];
        }

        void set(int i, int value) {
            data[i] = value;
        }

        void removeLast() {
            size--;
        }

        int[] toArray() {
            return java.util.Arrays.copyOf(data, size);
        }
    }
}
