package com.lawyerllama.llama.tokenizer;

import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A Hugging Face {@code tokenizer.json} BPE model, of either kind:
 * <ul>
 *   <li>the LLaMA kind: merges and byte fallback, a normalizer that prepends '▁' and replaces
 *       spaces (or a Metaspace pre-tokenizer);</li>
 *   <li>byte-level (GPT-2, Qwen, LLaMA 3): the text is split by the pre-tokenizer's regex
 *       ({@code Split}, "Isolated": matches and the gaps between them are words), each word's
 *       UTF-8 bytes are written in the {@link ByteLevel} alphabet and merged.</li>
 * </ul>
 * Added tokens (e.g. {@code <|im_start|>}) are matched whole in the raw text first, longest
 * first. Merges apply by rank, lowest first, leftmost on ties. Whether a BOS token is added comes
 * from the post-processor (a template that starts with a special token adds one) unless
 * {@code tokenizer_config.json} says otherwise ({@link Tokenizers#load}).
 */
public final class HuggingFaceBpeTokenizer implements Tokenizer {
    private static final char SPACE_MARK = SentencePieceTokenizer.SPACE_MARK;

    private record AddedToken(int id, String content, boolean special) {
    }

    private final Vocabulary vocab;
    /** Rank of a merge, keyed by {@link #mergeKey}. */
    private final Map<String, Integer> mergeRanks;
    private final List<AddedToken> addedTokens; // longest first
    private final UnaryOperator<String> normalizer;
    private final Metaspace metaspace; // null when there is no pre-tokenizer
    private final ByteLevelSplit byteLevel; // null unless the vocabulary is byte-level
    private final boolean byteLevelDecoder;
    private final boolean ignoreMerges;
    private final boolean addsBos;
    private final boolean stripLeadingSpace;
    private final boolean fuseUnknown;
    private final int bosId;
    private final int eosId;
    /** Words already merged (byte-level): most words of a text recur. */
    private final Map<String, int[]> wordCache = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int WORD_CACHE_SIZE = 50_000;

    private record Metaspace(char replacement, String prependScheme, boolean split) {
    }

    /** Byte-level pre-tokenization: regex splits applied one after the other, then the byte alphabet. */
    private record ByteLevelSplit(List<Pattern> splits, boolean addPrefixSpace) {
    }

    /** GPT-2's split, which a ByteLevel pre-tokenizer with {@code use_regex} applies. */
    private static final String GPT2_SPLIT = "'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

    private HuggingFaceBpeTokenizer(Vocabulary vocab, Map<String, Integer> mergeRanks, List<AddedToken> addedTokens,
                                    UnaryOperator<String> normalizer, Metaspace metaspace, ByteLevelSplit byteLevel,
                                    boolean byteLevelDecoder, boolean ignoreMerges, boolean addsBos,
                                    boolean stripLeadingSpace, boolean fuseUnknown) {
        this.vocab = vocab;
        this.mergeRanks = mergeRanks;
        this.addedTokens = addedTokens;
        this.normalizer = normalizer;
        this.metaspace = metaspace;
        this.byteLevel = byteLevel;
        this.byteLevelDecoder = byteLevelDecoder;
        this.ignoreMerges = ignoreMerges;
        this.addsBos = addsBos;
        this.stripLeadingSpace = stripLeadingSpace;
        this.fuseUnknown = fuseUnknown;
        this.bosId = vocab.id("<s>");
        this.eosId = vocab.id("</s>");
    }

    public static HuggingFaceBpeTokenizer read(Path file) {
        JsonNode root;
        try {
            root = JsonMapper.builder().build().readTree(file.toFile());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot read tokenizer.json " + file + ": " + e.getMessage(), e);
        }
        try {
            return fromJson(root);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    static HuggingFaceBpeTokenizer fromJson(JsonNode root) {
        JsonNode model = root.path("model");
        String type = model.path("type").asString("BPE");
        if (!type.equals("BPE")) {
            throw new IllegalArgumentException("only BPE tokenizer.json models are supported, found " + type);
        }
        boolean byteFallback = model.path("byte_fallback").asBoolean(false);
        Map<Integer, String> byId = new HashMap<>();
        int maxId = -1;
        for (Map.Entry<String, JsonNode> entry : model.path("vocab").properties()) {
            int id = entry.getValue().asInt();
            byId.put(id, entry.getKey());
            maxId = Math.max(maxId, id);
        }
        List<AddedToken> added = new ArrayList<>();
        for (JsonNode token : root.path("added_tokens")) {
            AddedToken t = new AddedToken(token.path("id").asInt(), token.path("content").asString(),
                    token.path("special").asBoolean(false));
            added.add(t);
            byId.putIfAbsent(t.id, t.content);
            maxId = Math.max(maxId, t.id);
        }
        String unkToken = model.path("unk_token").isString() ? model.path("unk_token").asString() : null;
        List<SentencePieceModel.Piece> pieces = new ArrayList<>(maxId + 1);
        for (int id = 0; id <= maxId; id++) {
            String text = byId.get(id);
            if (text == null) {
                throw new IllegalArgumentException("token id " + id + " missing from vocab and added_tokens");
            }
            PieceType pieceType = byteFallback && Vocabulary.isBytePiece(text) ? PieceType.BYTE : PieceType.NORMAL;
            if (text.equals(unkToken)) {
                pieceType = PieceType.UNKNOWN;
            }
            pieces.add(new SentencePieceModel.Piece(text, 0f, pieceType));
        }
        for (AddedToken t : added) {
            if (pieces.get(t.id).type() != PieceType.UNKNOWN) {
                pieces.set(t.id, new SentencePieceModel.Piece(t.content, 0f, t.special ? PieceType.CONTROL : PieceType.USER_DEFINED));
            }
        }
        int unkId = unkToken == null ? -1 : byId.entrySet().stream()
                .filter(e -> e.getValue().equals(unkToken)).mapToInt(Map.Entry::getKey).min().orElse(-1);
        Vocabulary vocab = new Vocabulary(pieces, unkId, byteFallback);

        Map<String, Integer> ranks = new HashMap<>();
        int rank = 0;
        for (JsonNode merge : model.path("merges")) {
            String left;
            String right;
            if (merge.isArray()) {
                left = merge.get(0).asString();
                right = merge.get(1).asString();
            } else {
                String m = merge.asString();
                int space = m.indexOf(' ');
                if (space < 0) {
                    throw new IllegalArgumentException("merge without a space: '" + m + "'");
                }
                left = m.substring(0, space);
                right = m.substring(space + 1);
            }
            ranks.putIfAbsent(mergeKey(left.length(), left + right), rank++);
        }
        added.sort(Comparator.comparingInt((AddedToken t) -> t.content.length()).reversed());
        JsonNode pre = root.path("pre_tokenizer");
        boolean byteLevelPre = isByteLevel(pre);
        return new HuggingFaceBpeTokenizer(vocab, ranks, added, normalizer(root.path("normalizer")),
                byteLevelPre ? null : metaspace(pre), byteLevelPre ? byteLevelSplit(pre) : null,
                isByteLevel(root.path("decoder")), model.path("ignore_merges").asBoolean(false),
                addsBos(root.path("post_processor")), stripsLeadingSpace(root.path("decoder")),
                model.path("fuse_unk").asBoolean(false));
    }

    /** Whether a pre-tokenizer or decoder is, or contains, ByteLevel. */
    private static boolean isByteLevel(JsonNode node) {
        String type = node.path("type").asString("");
        if (type.equals("ByteLevel")) {
            return true;
        }
        if (type.equals("Sequence")) {
            for (JsonNode step : node.has("pretokenizers") ? node.path("pretokenizers") : node.path("decoders")) {
                if (isByteLevel(step)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A ByteLevel pre-tokenizer alone, or a Sequence of regex Splits ending in one. */
    private static ByteLevelSplit byteLevelSplit(JsonNode node) {
        List<JsonNode> steps = new ArrayList<>();
        if (node.path("type").asString().equals("Sequence")) {
            node.path("pretokenizers").forEach(steps::add);
        } else {
            steps.add(node);
        }
        List<Pattern> splits = new ArrayList<>();
        boolean addPrefixSpace = false;
        for (int i = 0; i < steps.size(); i++) {
            JsonNode step = steps.get(i);
            String type = step.path("type").asString();
            if (type.equals("Split")) {
                if (!step.path("pattern").has("Regex") && !step.path("pattern").has("String")) {
                    throw new IllegalArgumentException("a Split pre-tokenizer needs a Regex or String pattern");
                }
                String behavior = step.path("behavior").asString("Isolated");
                if (!behavior.equals("Isolated") || step.path("invert").asBoolean(false)) {
                    throw new IllegalArgumentException("unsupported Split pre-tokenizer (behavior " + behavior
                            + ", invert " + step.path("invert").asBoolean(false) + "; only Isolated, not inverted)");
                }
                splits.add(step.path("pattern").has("Regex") ? regex(step.path("pattern").path("Regex").asString())
                        : Pattern.compile(Pattern.quote(step.path("pattern").path("String").asString())));
            } else if (type.equals("ByteLevel") && i == steps.size() - 1) {
                if (step.path("use_regex").asBoolean(true)) {
                    splits.add(regex(GPT2_SPLIT));
                }
                addPrefixSpace = step.path("add_prefix_space").asBoolean(false);
            } else {
                throw new IllegalArgumentException("unsupported byte-level pre_tokenizer step " + type
                        + " (supported: Split with a regex, then ByteLevel)");
            }
        }
        return new ByteLevelSplit(List.copyOf(splits), addPrefixSpace);
    }

    /**
     * A tokenizers (Oniguruma) regex as a Java pattern: the syntax these tokenizers use is
     * Java's too; Unicode classes make \s, \w and case-insensitivity Unicode-aware as there.
     */
    private static Pattern regex(String pattern) {
        try {
            return Pattern.compile(pattern, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException("unsupported pre_tokenizer regex " + pattern + ": " + e.getDescription());
        }
    }

    /** Whether the post-processor adds a BOS: a template whose single sequence starts with a special token. */
    private static boolean addsBos(JsonNode node) {
        String type = node.path("type").asString("");
        if (type.equals("Sequence")) {
            for (JsonNode step : node.path("processors")) {
                if (addsBos(step)) {
                    return true;
                }
            }
            return false;
        }
        if (type.equals("TemplateProcessing")) {
            JsonNode single = node.path("single");
            return single.isArray() && !single.isEmpty() && single.get(0).has("SpecialToken");
        }
        // No post-processor: a LLaMA-style (SentencePiece) tokenizer.json keeps LLaMA's BOS; a byte-level one adds none.
        return node.isMissingNode() || node.isNull();
    }

    private static String mergeKey(int leftLength, String merged) {
        return leftLength + ":" + merged;
    }

    private static UnaryOperator<String> normalizer(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return UnaryOperator.identity();
        }
        String type = node.path("type").asString();
        return switch (type) {
            case "Sequence" -> {
                List<UnaryOperator<String>> steps = new ArrayList<>();
                for (JsonNode step : node.path("normalizers")) {
                    steps.add(normalizer(step));
                }
                yield s -> {
                    for (UnaryOperator<String> step : steps) {
                        s = step.apply(s);
                    }
                    return s;
                };
            }
            case "Prepend" -> {
                String prefix = node.path("prepend").asString();
                yield s -> s.isEmpty() ? s : prefix + s;
            }
            case "Replace" -> {
                if (!node.path("pattern").has("String")) {
                    throw new IllegalArgumentException("only string patterns are supported in a Replace normalizer");
                }
                String pattern = node.path("pattern").path("String").asString();
                String content = node.path("content").asString();
                yield s -> s.replace(pattern, content);
            }
            case "NFKC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKC);
            case "NFC" -> s -> Normalizer.normalize(s, Normalizer.Form.NFC);
            case "NFD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFD);
            case "NFKD" -> s -> Normalizer.normalize(s, Normalizer.Form.NFKD);
            case "Lowercase" -> s -> s.toLowerCase(Locale.ROOT);
            default -> throw new IllegalArgumentException("unsupported normalizer " + type);
        };
    }

    private static Metaspace metaspace(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return null;
        }
        String type = node.path("type").asString();
        if (!type.equals("Metaspace")) {
            throw new IllegalArgumentException("unsupported pre_tokenizer " + type + " (only LLaMA-style Metaspace)");
        }
        String replacement = node.path("replacement").asString(String.valueOf(SPACE_MARK));
        String scheme = node.has("prepend_scheme") ? node.path("prepend_scheme").asString()
                : node.path("add_prefix_space").asBoolean(true) ? "always" : "never";
        return new Metaspace(replacement.charAt(0), scheme, node.path("split").asBoolean(true));
    }

    private static boolean stripsLeadingSpace(JsonNode node) {
        if (node.isMissingNode() || node.isNull()) {
            return false;
        }
        return switch (node.path("type").asString()) {
            case "Sequence" -> {
                boolean strip = false;
                for (JsonNode step : node.path("decoders")) {
                    strip |= stripsLeadingSpace(step);
                }
                yield strip;
            }
            case "Strip" -> node.path("start").asInt(0) > 0;
            case "Metaspace" -> !node.path("prepend_scheme").asString("always").equals("never")
                    && node.path("add_prefix_space").asBoolean(true);
            default -> false;
        };
    }

    @Override
    public int[] encode(String text) {
        Vocabulary.IntList out = new Vocabulary.IntList();
        int segmentStart = 0;
        int i = 0;
        while (i < text.length()) {
            AddedToken matched = matchAdded(text, i);
            if (matched == null) {
                i++;
                continue;
            }
            if (i > segmentStart) {
                encodeSegment(text.substring(segmentStart, i), segmentStart == 0, out);
            }
            out.add(matched.id);
            i += matched.content.length();
            segmentStart = i;
        }
        if (segmentStart < text.length()) {
            encodeSegment(text.substring(segmentStart), segmentStart == 0, out);
        }
        return out.toArray();
    }

    private AddedToken matchAdded(String text, int at) {
        for (AddedToken token : addedTokens) {
            if (!token.content.isEmpty() && text.startsWith(token.content, at)) {
                return token;
            }
        }
        return null;
    }

    /** @param atTextStart whether the segment starts the text (Metaspace's "first" prepend scheme) */
    private void encodeSegment(String segment, boolean atTextStart, Vocabulary.IntList out) {
        String s = normalizer.apply(segment);
        if (byteLevel != null) {
            encodeByteLevel(s, out);
            return;
        }
        if (metaspace == null) {
            encodeWord(s, out);
            return;
        }
        s = s.replace(' ', metaspace.replacement);
        boolean prepend = metaspace.prependScheme.equals("always")
                || metaspace.prependScheme.equals("first") && atTextStart;
        if (prepend && !s.isEmpty() && s.charAt(0) != metaspace.replacement) {
            s = metaspace.replacement + s;
        }
        if (!metaspace.split) {
            encodeWord(s, out);
            return;
        }
        int wordStart = 0;
        for (int i = 1; i < s.length(); i++) {
            if (s.charAt(i) == metaspace.replacement) {
                encodeWord(s.substring(wordStart, i), out);
                wordStart = i;
            }
        }
        encodeWord(s.substring(wordStart), out);
    }

    private void encodeByteLevel(String s, Vocabulary.IntList out) {
        if (byteLevel.addPrefixSpace && !s.isEmpty() && s.charAt(0) != ' ') {
            s = " " + s;
        }
        List<String> words = List.of(s);
        for (Pattern split : byteLevel.splits) {
            List<String> finer = new ArrayList<>();
            for (String word : words) {
                Matcher m = split.matcher(word);
                int last = 0;
                while (m.find()) {
                    if (m.start() > last) {
                        finer.add(word.substring(last, m.start()));
                    }
                    if (m.end() > m.start()) {
                        finer.add(m.group());
                    }
                    last = m.end();
                }
                if (last < word.length()) {
                    finer.add(word.substring(last));
                }
            }
            words = finer;
        }
        for (String word : words) {
            int[] ids = wordCache.get(word);
            if (ids == null) {
                Vocabulary.IntList merged = new Vocabulary.IntList();
                encodeWord(ByteLevel.encode(word), merged);
                ids = merged.toArray();
                if (wordCache.size() >= WORD_CACHE_SIZE) {
                    wordCache.clear();
                }
                wordCache.put(word, ids);
            }
            for (int id : ids) {
                out.add(id);
            }
        }
    }

    private void encodeWord(String word, Vocabulary.IntList out) {
        if (word.isEmpty()) {
            return;
        }
        if (ignoreMerges) {
            int whole = vocab.id(word);
            if (whole >= 0) {
                out.add(whole);
                return;
            }
        }
        int[] bounds = BigramMerge.segment(word, (s, start, mid, end) -> {
            Integer rank = mergeRanks.get(mergeKey(mid - start, s.substring(start, end)));
            return rank == null ? Double.NaN : -rank;
        });
        boolean previousUnknown = false;
        for (int k = 0; k < bounds.length; k += 2) {
            String symbol = word.substring(bounds[k], bounds[k + 1]);
            int id = vocab.id(symbol);
            if (id >= 0) {
                out.add(id);
                previousUnknown = false;
                continue;
            }
            int before = out.size();
            vocab.appendUnknown(symbol, out);
            boolean unknown = out.size() == before + 1 && out.get(before) == vocab.unkId;
            if (unknown && previousUnknown && fuseUnknown) {
                out.removeLast();
            }
            previousUnknown = unknown;
        }
    }

    @Override
    public String decode(int[] ids) {
        return PieceDecoder.decodeAll(newDecoder(), ids);
    }

    @Override
    public StreamingDecoder streamingDecoder() {
        return newDecoder();
    }

    private PieceDecoder newDecoder() {
        return new PieceDecoder(vocab, stripLeadingSpace, "\u2047", byteLevelDecoder);
    }

    @Override
    public boolean addsBos() {
        return addsBos;
    }

    @Override
    public int vocabSize() {
        return vocab.size();
    }

    @Override
    public int bosId() {
        return bosId;
    }

    @Override
    public int eosId() {
        return eosId;
    }

    @Override
    public String piece(int id) {
        return vocab.piece(id);
    }
}
