package com.lawyerllama.llama.tokenizer;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A SentencePiece model ({@code tokenizer.model}) as a {@link Tokenizer}. BPE models (LLaMA,
 * Chinese-LLaMA-2) encode as llama.cpp's SPM tokenizer does; unigram models (Chinese-LLaMA-1's
 * {@code chinese_sp.model}) by the Viterbi best segmentation.
 */
public final class SentencePieceTokenizer implements Tokenizer {
    static final char SPACE_MARK = '\u2581';

    private final SentencePieceModel model;
    private final Vocabulary vocab;
    /** USER_DEFINED pieces by first char, longest first: they are matched whole, never split or merged. */
    private final Map<Character, List<String>> userDefined = new HashMap<>();
    private final int maxPieceLength;
    private final float minScore;

    public SentencePieceTokenizer(SentencePieceModel model) {
        this.model = model;
        this.vocab = new Vocabulary(model.pieces(), model.unkId(), model.byteFallback());
        int maxLength = 1;
        float min = 0f;
        for (SentencePieceModel.Piece piece : model.pieces()) {
            if (piece.type() == PieceType.USER_DEFINED && !piece.text().isEmpty()) {
                userDefined.computeIfAbsent(piece.text().charAt(0), c -> new ArrayList<>()).add(piece.text());
            }
            if (piece.type() == PieceType.NORMAL) {
                maxLength = Math.max(maxLength, piece.text().length());
                min = Math.min(min, piece.score());
            }
        }
        userDefined.values().forEach(list -> list.sort(Comparator.comparingInt(String::length).reversed()));
        this.maxPieceLength = maxLength;
        this.minScore = min;
    }

    public static SentencePieceTokenizer read(java.nio.file.Path file) {
        return new SentencePieceTokenizer(SentencePieceModel.read(file));
    }

    public SentencePieceModel model() {
        return model;
    }

    @Override
    public int[] encode(String text) {
        String normalized = normalize(text);
        Vocabulary.IntList out = new Vocabulary.IntList();
        int segmentStart = 0;
        int i = 0;
        while (i < normalized.length()) {
            String matched = matchUserDefined(normalized, i);
            if (matched == null) {
                i++;
                continue;
            }
            encodeSegment(normalized, segmentStart, i, out);
            out.add(vocab.id(matched));
            i += matched.length();
            segmentStart = i;
        }
        encodeSegment(normalized, segmentStart, normalized.length(), out);
        return out.toArray();
    }

    /** SentencePiece normalization: character map, extra whitespace, dummy prefix, spaces as '▁'. */
    String normalize(String text) {
        SentencePieceModel.NormalizerSpec spec = model.normalizer();
        String s = text;
        String name = spec.name() == null ? "" : spec.name();
        if (!name.equals("identity") && !name.isEmpty()) {
            // SentencePiece's nmt_nfkc charsmap is NFKC plus a few whitespace/control rules: approximated.
            s = Normalizer.normalize(s, Normalizer.Form.NFKC);
            if (name.endsWith("_cf")) {
                s = s.toLowerCase(Locale.ROOT);
            }
        }
        if (spec.removeExtraWhitespaces()) {
            s = s.strip().replaceAll(" {2,}", " ");
        }
        if (s.isEmpty()) {
            return s;
        }
        if (spec.addDummyPrefix()) {
            s = " " + s;
        }
        return spec.escapeWhitespaces() ? s.replace(' ', SPACE_MARK) : s;
    }

    private String matchUserDefined(String text, int at) {
        List<String> candidates = userDefined.get(text.charAt(at));
        if (candidates != null) {
            for (String candidate : candidates) {
                if (text.startsWith(candidate, at)) {
                    return candidate;
                }
            }
        }
        return null;
    }

    private void encodeSegment(String text, int from, int to, Vocabulary.IntList out) {
        if (from >= to) {
            return;
        }
        String segment = text.substring(from, to);
        if (model.modelType() == SentencePieceModel.ModelType.UNIGRAM) {
            encodeUnigram(segment, out);
        } else {
            encodeBpe(segment, out);
        }
    }

    private void encodeBpe(String text, Vocabulary.IntList out) {
        int[] bounds = BigramMerge.segment(text, (s, start, mid, end) -> {
            int id = vocab.id(s.substring(start, end));
            return id < 0 ? Double.NaN : vocab.scores[id];
        });
        for (int k = 0; k < bounds.length; k += 2) {
            String symbol = text.substring(bounds[k], bounds[k + 1]);
            int id = vocab.id(symbol);
            if (id >= 0) {
                out.add(id);
            } else {
                vocab.appendUnknown(symbol, out);
            }
        }
    }

    /** Viterbi: the segmentation with the highest total piece score; unknown characters cost min score − 10. */
    private void encodeUnigram(String text, Vocabulary.IntList out) {
        int n = text.length();
        double[] best = new double[n + 1];
        int[] backStart = new int[n + 1];
        int[] backId = new int[n + 1];
        java.util.Arrays.fill(best, Double.NEGATIVE_INFINITY);
        best[0] = 0;
        for (int i = 0; i < n; i++) {
            if (best[i] == Double.NEGATIVE_INFINITY || Character.isLowSurrogate(text.charAt(i))) {
                continue;
            }
            int charEnd = i + Character.charCount(text.codePointAt(i));
            boolean singleCharPiece = false;
            for (int j = charEnd; j <= Math.min(n, i + maxPieceLength); j++) {
                if (j < n && Character.isLowSurrogate(text.charAt(j))) {
                    continue;
                }
                int id = vocab.id(text.substring(i, j));
                if (id < 0 || vocab.types[id] != PieceType.NORMAL) {
                    continue;
                }
                singleCharPiece |= j == charEnd;
                double score = best[i] + vocab.scores[id];
                if (score > best[j]) {
                    best[j] = score;
                    backStart[j] = i;
                    backId[j] = id;
                }
            }
            if (!singleCharPiece) {
                double score = best[i] + minScore - 10.0;
                if (score > best[charEnd]) {
                    best[charEnd] = score;
                    backStart[charEnd] = i;
                    backId[charEnd] = vocab.unkId;
                }
            }
        }
        List<int[]> path = new ArrayList<>();
        for (int j = n; j > 0; j = backStart[j]) {
            path.add(new int[] {backStart[j], j, backId[j]});
        }
        boolean previousUnknown = false;
        for (int k = path.size() - 1; k >= 0; k--) {
            int[] step = path.get(k);
            if (step[2] == vocab.unkId) {
                if (model.byteFallback()) {
                    vocab.appendUnknown(text.substring(step[0], step[1]), out);
                } else if (!previousUnknown) {
                    out.add(vocab.unkId); // SentencePiece merges a run of unknown characters into one
                }
                previousUnknown = true;
            } else {
                out.add(step[2]);
                previousUnknown = false;
            }
        }
    }

    @Override
    public String decode(int[] ids) {
        return PieceDecoder.decodeAll(vocab, model.normalizer().addDummyPrefix(), model.unkSurface(), ids);
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return new PieceDecoder(vocab, model.normalizer().addDummyPrefix(), model.unkSurface());
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public int bosId() {
        return model.bosId();
    }

    @Override
    public int eosId() {
        return model.eosId();
    }

    @Override
    public String piece(int id) {
        return vocab.piece(id);
    }

    /** The id of a piece as stored (with '▁' for spaces), or -1. */
    public int pieceId(String piece) {
        return vocab.id(piece);
    }

    PieceType pieceType(int id) {
        vocab.checkId(id);
        return vocab.types[id];
    }
}
