package com.lawyerllama.retrieval.dense;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * BERT's tokenizer, as Hugging Face's {@code tokenizer.json} describes it for a Chinese BERT: the
 * text is cleaned (control characters dropped, every kind of space made a space), each CJK
 * ideograph becomes a word of its own, words split at spaces and punctuation, and each word is cut
 * into the longest vocabulary pieces from its start ({@code ##} marks a piece that continues a
 * word; a word that cannot be cut is {@code [UNK]}). Case and accents are kept, as the Chinese
 * BERT models' normaliser leaves them. An encoded text is {@code [CLS] pieces [SEP]}.
 */
public final class WordPieceTokenizer {

    private static final int MAX_WORD_CHARS = 100;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final List<String> pieces;
    private final Map<String, Integer> ids;
    private final int unk;
    private final int cls;
    private final int sep;

    private WordPieceTokenizer(List<String> pieces) throws IOException {
        this.pieces = List.copyOf(pieces);
        this.ids = new HashMap<>(pieces.size() * 2);
        for (int i = 0; i < pieces.size(); i++) {
            ids.putIfAbsent(pieces.get(i), i);
        }
        this.unk = special("[UNK]");
        this.cls = special("[CLS]");
        this.sep = special("[SEP]");
    }

    private int special(String token) throws IOException {
        Integer id = ids.get(token);
        if (id == null) {
            throw new IOException("the WordPiece vocabulary has no " + token);
        }
        return id;
    }

    /** The vocabulary of a Hugging Face {@code tokenizer.json} whose model is WordPiece. */
    public static WordPieceTokenizer fromTokenizerJson(String json) throws IOException {
        JsonNode model = JSON.readTree(json).path("model");
        if (!"WordPiece".equals(model.path("type").asString(""))) {
            throw new IOException("tokenizer.json does not describe a WordPiece model (type " + model.path("type").asString("none") + ")");
        }
        JsonNode vocab = model.path("vocab");
        String[] byId = new String[vocab.size()];
        for (var e : vocab.properties()) {
            int id = e.getValue().asInt(-1);
            if (id < 0 || id >= byId.length || byId[id] != null) {
                throw new IOException("tokenizer.json: vocabulary ids are not 0.." + (byId.length - 1) + " each once (" + e.getKey() + ")");
            }
            byId[id] = e.getKey();
        }
        return new WordPieceTokenizer(List.of(byId));
    }

    public int size() {
        return pieces.size();
    }

    /** {@code [CLS]}, the text's pieces (cut to fit), {@code [SEP]}: at most {@code maxLength} ids. */
    public int[] encode(String text, int maxLength) {
        List<Integer> out = new ArrayList<>();
        out.add(cls);
        for (String word : words(text)) {
            if (out.size() >= maxLength - 1) {
                break;
            }
            pieces(word, out);
        }
        int n = Math.min(out.size(), maxLength - 1);
        int[] result = new int[n + 1];
        for (int i = 0; i < n; i++) {
            result[i] = out.get(i);
        }
        result[n] = sep;
        return result;
    }

    /** The pieces of a text as strings, without {@code [CLS]} and {@code [SEP]}. */
    public List<String> tokenize(String text) {
        List<Integer> out = new ArrayList<>();
        for (String word : words(text)) {
            pieces(word, out);
        }
        return out.stream().map(pieces::get).toList();
    }

    private void pieces(String word, List<Integer> out) {
        if (word.codePointCount(0, word.length()) > MAX_WORD_CHARS) {
            out.add(unk);
            return;
        }
        int mark = out.size();
        int start = 0;
        while (start < word.length()) {
            int end = word.length();
            Integer found = null;
            while (end > start) {
                String candidate = start == 0 ? word.substring(0, end) : "##" + word.substring(start, end);
                found = ids.get(candidate);
                if (found != null) {
                    break;
                }
                end = Character.isLowSurrogate(word.charAt(end - 1)) && end - 2 >= start ? end - 2 : end - 1;
            }
            if (found == null) {
                out.subList(mark, out.size()).clear();
                out.add(unk);
                return;
            }
            out.add(found);
            start = end;
        }
    }

    /** The words of a text after BERT's cleaning: CJK ideographs and punctuation stand alone, spaces separate. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) {
                continue;
            }
            if (isSpace(cp)) {
                flush(word, words);
            } else if (isCjk(cp) || isPunctuation(cp)) {
                flush(word, words);
                words.add(new String(Character.toChars(cp)));
            } else {
                word.appendCodePoint(cp);
            }
        }
        flush(word, words);
        return words;
    }

    private static void flush(StringBuilder word, List<String> words) {
        if (!word.isEmpty()) {
            words.add(word.toString());
            word.setLength(0);
        }
    }

    private static boolean isSpace(int cp) {
        return cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.isSpaceChar(cp);
    }

    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        return switch (Character.getType(cp)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED -> true;
            default -> false;
        };
    }

    private static boolean isPunctuation(int cp) {
        if (cp >= 33 && cp <= 47 || cp >= 58 && cp <= 64 || cp >= 91 && cp <= 96 || cp >= 123 && cp <= 126) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION, Character.DASH_PUNCTUATION, Character.START_PUNCTUATION,
                 Character.END_PUNCTUATION, Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION -> true;
            default -> false;
        };
    }

    /** The CJK Unified Ideographs blocks and their extensions, as BERT counts them (its ranges, gap included). */
    private static boolean isCjk(int cp) {
        return cp >= 0x4E00 && cp <= 0x9FFF || cp >= 0x3400 && cp <= 0x4DBF || cp >= 0x20000 && cp <= 0x2A6DF
                || cp >= 0x2A700 && cp <= 0x2B73F || cp >= 0x2B740 && cp <= 0x2B81F || cp >= 0x2B920 && cp <= 0x2CEAF
                || cp >= 0xF900 && cp <= 0xFAFF || cp >= 0x2F800 && cp <= 0x2FA1F;
    }
}
