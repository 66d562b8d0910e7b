package com.lawyerllama.llama.tokenizer;

import com.lawyerllama.llama.gguf.GgufFile;
import com.lawyerllama.llama.gguf.GgufFormatException;
import com.lawyerllama.llama.gguf.GgufWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The tokenizer a GGUF file carries in its metadata ({@code tokenizer.ggml.*}): the vocabulary
 * ({@code tokens}), per-token {@code scores} and {@code token_type}, {@code merges}, the special
 * ids and {@code add_bos_token}. {@code tokenizer.ggml.model} names the kind: {@code llama} is a
 * SentencePiece BPE model (pieces with scores, byte fallback), {@code gpt2} a byte-level BPE
 * (merges, with the pre-tokenizer named by {@code tokenizer.ggml.pre}).
 */
public final class GgufTokenizers {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    /** Qwen2's pre-tokenizer split (tokenizer.json), which GGUF names {@code tokenizer.ggml.pre = qwen2}. */
    static final String QWEN2_SPLIT = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
            + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";
    private static final int NORMAL = 1;
    private static final int CONTROL = 3;
    private static final int USER_DEFINED = 4;

    private GgufTokenizers() {
    }

    /** The tokenizer of a GGUF file; an unsupported kind is an error naming it. */
    public static Tokenizer read(GgufFile f) {
        String model = f.string("tokenizer.ggml.model", "");
        return switch (model) {
            case "llama" -> {
                SentencePieceTokenizer spm = new SentencePieceTokenizer(sentencePiece(f));
                yield f.bool("tokenizer.ggml.add_bos_token", true) ? spm
                        : new SpecialIdsTokenizer(spm, spm.bosId(), spm.eosId(), false);
            }
            case "gpt2" -> byteLevel(f);
            case "" -> throw new GgufFormatException(f.path() + " has no tokenizer (no tokenizer.ggml.model)");
            default -> throw new GgufFormatException(f.path() + ": tokenizer.ggml.model '" + model
                    + "' is not supported (supported: llama, gpt2)");
        };
    }

    /** A {@code llama} GGUF vocabulary as the SentencePiece model it was converted from. */
    public static SentencePieceModel sentencePiece(GgufFile f) {
        List<?> tokens = f.array("tokenizer.ggml.tokens");
        List<?> scores = f.has("tokenizer.ggml.scores") ? f.array("tokenizer.ggml.scores") : null;
        List<?> types = f.has("tokenizer.ggml.token_type") ? f.array("tokenizer.ggml.token_type") : null;
        if ((scores != null && scores.size() != tokens.size()) || (types != null && types.size() != tokens.size())) {
            throw new GgufFormatException(f.path() + ": tokenizer.ggml.scores / token_type do not have one entry per token");
        }
        List<SentencePieceModel.Piece> pieces = new ArrayList<>(tokens.size());
        for (int i = 0; i < tokens.size(); i++) {
            float score = scores == null ? 0f : ((Number) scores.get(i)).floatValue();
            PieceType type = types == null ? PieceType.NORMAL : pieceType(f, ((Number) types.get(i)).intValue());
            pieces.add(new SentencePieceModel.Piece((String) tokens.get(i), score, type));
        }
        int unk = (int) f.integer("tokenizer.ggml.unknown_token_id", 0);
        int bos = (int) f.integer("tokenizer.ggml.bos_token_id", 1);
        int eos = (int) f.integer("tokenizer.ggml.eos_token_id", 2);
        SentencePieceModel spm = SentencePieceModel.llamaBpe(pieces, unk, bos, eos);
        if (!f.bool("tokenizer.ggml.add_space_prefix", true)) {
            SentencePieceModel.NormalizerSpec n = spm.normalizer();
            spm = new SentencePieceModel(spm.pieces(), spm.modelType(), spm.byteFallback(), spm.unkId(), spm.bosId(),
                    spm.eosId(), spm.padId(), spm.unkSurface(),
                    new SentencePieceModel.NormalizerSpec(n.name(), n.precompiledCharsmap(), false,
                            n.removeExtraWhitespaces(), n.escapeWhitespaces()));
        }
        return spm;
    }

    /**
     * A {@code gpt2} (byte-level BPE) GGUF tokenizer, read as the Hugging Face files it stands for
     * (see {@link #writeHuggingFace}), so that it is encoded by the one byte-level BPE implementation.
     */
    private static Tokenizer byteLevel(GgufFile f) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("gguf-tokenizer");
            writeHuggingFace(f, dir);
            return Tokenizers.load(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            deleteQuietly(dir);
        }
    }

    /**
     * Writes the Hugging Face tokenizer files of a GGUF file's tokenizer into {@code dir}:
     * {@code tokenizer.model} (SentencePiece) or {@code tokenizer.json} (byte-level BPE), and
     * {@code tokenizer_config.json} with the special tokens, {@code add_bos_token} and the
     * chat template ({@code tokenizer.chat_template}).
     */
    public static void writeHuggingFace(GgufFile f, Path dir) throws IOException {
        String model = f.string("tokenizer.ggml.model", "");
        Files.createDirectories(dir);
        List<?> tokens = f.array("tokenizer.ggml.tokens");
        ObjectNode config;
        if (model.equals("llama")) {
            Tokenizers.writeSentencePieceModel(sentencePiece(f), dir);
            config = (ObjectNode) JSON.readTree(Files.readString(dir.resolve("tokenizer_config.json")));
        } else if (model.equals("gpt2")) {
            String pre = f.string("tokenizer.ggml.pre", "default");
            if (!pre.equals("qwen2")) {
                throw new GgufFormatException(f.path() + ": byte-level tokenizer with pre-tokenizer '" + pre
                        + "' is not supported (supported: qwen2)");
            }
            List<?> types = f.array("tokenizer.ggml.token_type");
            List<?> merges = f.array("tokenizer.ggml.merges");
            ObjectNode root = JSON.createObjectNode();
            root.put("version", "1.0");
            root.putNull("truncation");
            root.putNull("padding");
            ArrayNode added = root.putArray("added_tokens");
            ObjectNode vocab = JSON.createObjectNode();
            for (int id = 0; id < tokens.size(); id++) {
                int type = ((Number) types.get(id)).intValue();
                String text = (String) tokens.get(id);
                if (type == CONTROL || type == USER_DEFINED) {
                    if (text.equals("[PAD" + id + "]") && type == USER_DEFINED) {
                        continue;                 // llama.cpp's filler up to the embedding's rows, not a token
                    }
                    ObjectNode t = added.addObject();
                    t.put("id", id);
                    t.put("content", text);
                    t.put("single_word", false);
                    t.put("lstrip", false);
                    t.put("rstrip", false);
                    t.put("normalized", type != CONTROL);
                    t.put("special", type == CONTROL);
                } else {
                    vocab.put(text, id);
                }
            }
            root.putObject("normalizer").put("type", "NFC");
            ObjectNode preTokenizer = root.putObject("pre_tokenizer");
            preTokenizer.put("type", "Sequence");
            ArrayNode steps = preTokenizer.putArray("pretokenizers");
            ObjectNode split = steps.addObject();
            split.put("type", "Split");
            split.putObject("pattern").put("Regex", QWEN2_SPLIT);
            split.put("behavior", "Isolated");
            split.put("invert", false);
            steps.add(byteLevelStep());
            root.set("post_processor", byteLevelStep());
            root.set("decoder", byteLevelStep());
            ObjectNode bpe = root.putObject("model");
            bpe.put("type", "BPE");
            bpe.putNull("dropout");
            bpe.putNull("unk_token");
            bpe.put("continuing_subword_prefix", "");
            bpe.put("end_of_word_suffix", "");
            bpe.put("fuse_unk", false);
            bpe.put("byte_fallback", false);
            bpe.put("ignore_merges", false);
            bpe.set("vocab", vocab);
            ArrayNode m = bpe.putArray("merges");
            for (Object merge : merges) {
                String pair = (String) merge;
                int space = pair.indexOf(' ', 1);
                m.addArray().add(pair.substring(0, space)).add(pair.substring(space + 1));
            }
            Files.writeString(dir.resolve("tokenizer.json"), JSON.writeValueAsString(root), StandardCharsets.UTF_8);
            config = JSON.createObjectNode();
            config.put("add_bos_token", false);
            config.put("add_prefix_space", false);
            putToken(config, "bos_token", f, "tokenizer.ggml.bos_token_id", tokens);
            putToken(config, "eos_token", f, "tokenizer.ggml.eos_token_id", tokens);
            putToken(config, "pad_token", f, "tokenizer.ggml.padding_token_id", tokens);
            config.put("clean_up_tokenization_spaces", false);
            config.put("split_special_tokens", false);
            config.put("tokenizer_class", "Qwen2Tokenizer");
        } else {
            throw new GgufFormatException(f.path() + ": tokenizer.ggml.model '" + model + "' is not supported (supported: llama, gpt2)");
        }
        if (f.has("tokenizer.ggml.add_bos_token")) {
            config.put("add_bos_token", f.bool("tokenizer.ggml.add_bos_token", true));
        }
        if (f.has("tokenizer.chat_template")) {
            config.put("chat_template", f.string("tokenizer.chat_template"));
        }
        Files.writeString(dir.resolve("tokenizer_config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(config),
                StandardCharsets.UTF_8);
    }

    private static ObjectNode byteLevelStep() {
        ObjectNode n = JSON.createObjectNode();
        n.put("type", "ByteLevel");
        n.put("add_prefix_space", false);
        n.put("trim_offsets", false);
        n.put("use_regex", false);
        return n;
    }

    private static void putToken(ObjectNode config, String field, GgufFile f, String key, List<?> tokens) {
        if (f.has(key)) {
            int id = (int) f.integer(key);
            if (id >= 0 && id < tokens.size()) {
                config.put(field, (String) tokens.get(id));
            }
        }
    }

    /**
     * Adds the tokenizer of a Hugging Face model directory to a GGUF file as llama.cpp reads it:
     * {@code tokenizer.model} as {@code llama} (pieces, scores, types), a byte-level
     * {@code tokenizer.json} with Qwen2's split as {@code gpt2} / {@code qwen2} (tokens, types,
     * merges); the vocabulary is padded with {@code [PADn]} entries up to the embedding's
     * {@code vocabSize} rows, as llama.cpp's converter does. Special ids, {@code add_bos_token} and
     * the chat template come from {@code tokenizer_config.json} / {@code config.json} /
     * {@code chat_template.jinja}.
     */
    public static void addToGguf(Path dir, GgufWriter w, int vocabSize, int bosId, List<Integer> eosIds) throws IOException {
        JsonNode tokenizerConfig = readJson(dir.resolve("tokenizer_config.json"));
        Path spm = dir.resolve("tokenizer.model");
        Path json = dir.resolve("tokenizer.json");
        List<String> tokens = new ArrayList<>();
        List<Long> types = new ArrayList<>();
        boolean addBos;
        if (Files.isRegularFile(spm)) {
            SentencePieceModel model = SentencePieceModel.read(spm);
            List<Float> scores = new ArrayList<>();
            for (SentencePieceModel.Piece p : model.pieces()) {
                tokens.add(p.text());
                scores.add(p.score());
                types.add((long) p.type().protoNumber);
            }
            while (tokens.size() < vocabSize) {
                tokens.add("[PAD" + tokens.size() + "]");
                scores.add(-1000f);
                types.add((long) USER_DEFINED);
            }
            w.putString("tokenizer.ggml.model", "llama");
            w.putStringArray("tokenizer.ggml.tokens", tokens);
            w.putFloat32Array("tokenizer.ggml.scores", scores);
            w.putInt32Array("tokenizer.ggml.token_type", types);
            w.putUint32("tokenizer.ggml.unknown_token_id", Math.max(0, model.unkId()));
            w.putBool("tokenizer.ggml.add_space_prefix", model.normalizer().addDummyPrefix());
            addBos = tokenizerConfig == null || tokenizerConfig.path("add_bos_token").asBoolean(true);
        } else if (Files.isRegularFile(json)) {
            JsonNode root = JSON.readTree(Files.readString(json));
            JsonNode split = null;
            for (JsonNode step : root.path("pre_tokenizer").path("pretokenizers")) {
                if (step.path("type").asString("").equals("Split")) {
                    split = step;
                }
            }
            if (!root.path("model").path("type").asString("").equals("BPE") || split == null
                    || !split.path("pattern").path("Regex").asString("").equals(QWEN2_SPLIT)) {
                throw new IllegalArgumentException(json + ": only SentencePiece (tokenizer.model) and Qwen2's byte-level BPE "
                        + "tokenizers can be written to GGUF");
            }
            Map<Integer, String> byId = new HashMap<>();
            Map<Integer, Long> typeById = new HashMap<>();
            root.path("model").path("vocab").properties().forEach(e -> byId.put(e.getValue().asInt(), e.getKey()));
            for (JsonNode t : root.path("added_tokens")) {
                byId.put(t.path("id").asInt(), t.path("content").asString());
                typeById.put(t.path("id").asInt(), t.path("special").asBoolean(false) ? (long) CONTROL : (long) USER_DEFINED);
            }
            int n = Math.max(vocabSize, byId.keySet().stream().max(Comparator.naturalOrder()).orElse(-1) + 1);
            for (int id = 0; id < n; id++) {
                String text = byId.get(id);
                tokens.add(text != null ? text : "[PAD" + id + "]");
                types.add(text != null ? typeById.getOrDefault(id, (long) NORMAL) : (long) USER_DEFINED);
            }
            List<String> merges = new ArrayList<>();
            for (JsonNode m : root.path("model").path("merges")) {
                merges.add(m.isArray() ? m.get(0).asString() + " " + m.get(1).asString() : m.asString());
            }
            w.putString("tokenizer.ggml.model", "gpt2");
            w.putString("tokenizer.ggml.pre", "qwen2");
            w.putStringArray("tokenizer.ggml.tokens", tokens);
            w.putInt32Array("tokenizer.ggml.token_type", types);
            w.putStringArray("tokenizer.ggml.merges", merges);
            addBos = tokenizerConfig != null && tokenizerConfig.path("add_bos_token").asBoolean(false);
            JsonNode pad = tokenizerConfig == null ? null : tokenizerConfig.get("pad_token");
            if (pad != null && pad.isString() && tokens.contains(pad.asString())) {
                w.putUint32("tokenizer.ggml.padding_token_id", tokens.indexOf(pad.asString()));
            }
        } else {
            throw new IllegalArgumentException("no tokenizer.model or tokenizer.json in " + dir + " to write into the GGUF file");
        }
        int eos = eosIds.get(0);
        if (tokenizerConfig != null && tokenizerConfig.path("eos_token").isString()
                && tokens.contains(tokenizerConfig.get("eos_token").asString())) {
            eos = tokens.indexOf(tokenizerConfig.get("eos_token").asString());
        }
        if (bosId >= 0 && bosId < tokens.size()) {
            w.putUint32("tokenizer.ggml.bos_token_id", bosId);
        }
        w.putUint32("tokenizer.ggml.eos_token_id", eos);
        w.putBool("tokenizer.ggml.add_bos_token", addBos);
        w.putBool("tokenizer.ggml.add_eos_token", false);
        String template = chatTemplate(dir, tokenizerConfig);
        if (template != null) {
            w.putString("tokenizer.chat_template", template);
        }
    }

    private static String chatTemplate(Path dir, JsonNode tokenizerConfig) throws IOException {
        Path jinja = dir.resolve("chat_template.jinja");
        if (Files.isRegularFile(jinja)) {
            return Files.readString(jinja);
        }
        if (tokenizerConfig != null && tokenizerConfig.path("chat_template").isString()) {
            return tokenizerConfig.get("chat_template").asString();
        }
        return null;
    }

    private static JsonNode readJson(Path file) throws IOException {
        return Files.isRegularFile(file) ? JSON.readTree(Files.readString(file)) : null;
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // a temporary directory left behind is harmless
        }
    }

    /** llama.cpp's token types are SentencePiece's piece types, with the same numbers. */
    private static PieceType pieceType(GgufFile f, int number) {
        try {
            return PieceType.ofProtoNumber(number);
        } catch (IllegalArgumentException e) {
            throw new GgufFormatException(f.path() + ": unknown token type " + number + " in tokenizer.ggml.token_type");
        }
    }
}
