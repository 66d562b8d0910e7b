package com.lawyerllama.llama.tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** Loading a model directory's tokenizer, writing tokenizer files, converting llama2.c's. */
public final class Tokenizers {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private Tokenizers() {
    }

    /**
     * The tokenizer of a model directory: {@code tokenizer.json}, else {@code tokenizer.model},
     * else llama2.c's {@code tokenizer.bin}, else the directory's only {@code *.model} file. A
     * path to one of those files loads that file. BOS/EOS come from {@code tokenizer_config.json}
     * (or else {@code config.json}) beside it when present.
     */
    public static Tokenizer load(Path dirOrFile) {
        if (Files.isRegularFile(dirOrFile)) {
            Path parent = dirOrFile.toAbsolutePath().getParent();
            return withConfiguredSpecialIds(loadFile(dirOrFile), parent);
        }
        if (!Files.isDirectory(dirOrFile)) {
            throw new IllegalArgumentException("tokenizer directory " + dirOrFile + " does not exist");
        }
        for (String name : List.of("tokenizer.json", "tokenizer.model", "tokenizer.bin")) {
            Path file = dirOrFile.resolve(name);
            if (Files.isRegularFile(file)) {
                return withConfiguredSpecialIds(loadFile(file), dirOrFile);
            }
        }
        List<Path> models;
        try (Stream<Path> files = Files.list(dirOrFile)) {
            models = files.filter(f -> f.getFileName().toString().endsWith(".model") && Files.isRegularFile(f))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dirOrFile, e);
        }
        if (models.size() == 1) {
            return withConfiguredSpecialIds(loadFile(models.get(0)), dirOrFile);
        }
        throw new IllegalArgumentException("no tokenizer in " + dirOrFile + ": looked for tokenizer.json, "
                + "tokenizer.model, tokenizer.bin or a single *.model file"
                + (models.isEmpty() ? "" : " (found several: " + models.stream().map(p -> p.getFileName().toString()).toList() + ")"));
    }

    /** One tokenizer file, by its name: {@code *.json} Hugging Face, {@code *.bin} llama2.c, else SentencePiece. */
    public static Tokenizer loadFile(Path file) {
        String name = file.getFileName().toString();
        if (name.endsWith(".json")) {
            return HuggingFaceBpeTokenizer.read(file);
        }
        if (name.endsWith(".bin")) {
            return new SentencePieceTokenizer(Llama2cTokenizerFile.read(file));
        }
        return SentencePieceTokenizer.read(file);
    }

    /**
     * Converts llama2.c's {@code tokenizer.bin} into a SentencePiece {@code tokenizer.model} with
     * {@code tokenizer_config.json} and {@code special_tokens_map.json} in {@code outDir}.
     *
     * @return the converted tokenizer
     */
    public static Tokenizer convertLlama2c(Path tokenizerBin, Path outDir) {
        SentencePieceModel model = Llama2cTokenizerFile.read(tokenizerBin);
        writeSentencePieceModel(model, outDir);
        return new SentencePieceTokenizer(model);
    }

    /** Writes {@code tokenizer.model}, {@code tokenizer_config.json} and {@code special_tokens_map.json}. */
    public static void writeSentencePieceModel(SentencePieceModel model, Path outDir) {
        try {
            Files.createDirectories(outDir);
            model.write(outDir.resolve("tokenizer.model"));
            Map<String, Object> specials = specialTokensMap(model);
            Map<String, Object> config = new LinkedHashMap<>();
            config.put("add_bos_token", true);
            config.put("add_eos_token", false);
            config.putAll(specials);
            config.put("clean_up_tokenization_spaces", false);
            config.put("legacy", true);
            config.put("model_max_length", 1_000_000_000_000L);
            config.put("sp_model_kwargs", Map.of());
            config.put("tokenizer_class", "LlamaTokenizer");
            Files.writeString(outDir.resolve("tokenizer_config.json"), toJson(config));
            Files.writeString(outDir.resolve("special_tokens_map.json"), toJson(specials));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write tokenizer files to " + outDir, e);
        }
    }

    private static Map<String, Object> specialTokensMap(SentencePieceModel model) {
        Map<String, Object> specials = new LinkedHashMap<>();
        putPiece(specials, "bos_token", model, model.bosId());
        putPiece(specials, "eos_token", model, model.eosId());
        putPiece(specials, "unk_token", model, model.unkId());
        if (model.padId() >= 0) {
            putPiece(specials, "pad_token", model, model.padId());
        }
        return specials;
    }

    private static void putPiece(Map<String, Object> map, String key, SentencePieceModel model, int id) {
        if (id >= 0 && id < model.pieces().size()) {
            map.put(key, model.pieces().get(id).text());
        }
    }

    /**
     * Writes the Hugging Face {@code tokenizer.json} equivalent to a LLaMA-style SentencePiece
     * BPE model: the vocabulary, merges ordered by the merged piece's score (as Hugging Face's
     * LLaMA converter orders them), the ▁ normalizer, byte fallback and the matching decoder.
     */
    public static void writeTokenizerJson(SentencePieceModel model, Path file) {
        List<SentencePieceModel.Piece> pieces = model.pieces();
        Map<String, Object> vocab = new LinkedHashMap<>();
        List<Map<String, Object>> added = new ArrayList<>();
        Vocabulary lookup = new Vocabulary(pieces, model.unkId(), model.byteFallback());
        for (int id = 0; id < pieces.size(); id++) {
            SentencePieceModel.Piece piece = pieces.get(id);
            vocab.putIfAbsent(piece.text(), id);
            if (piece.type() == PieceType.CONTROL || piece.type() == PieceType.UNKNOWN || piece.type() == PieceType.USER_DEFINED) {
                Map<String, Object> token = new LinkedHashMap<>();
                token.put("id", id);
                token.put("content", piece.text());
                token.put("single_word", false);
                token.put("lstrip", false);
                token.put("rstrip", false);
                token.put("normalized", false);
                token.put("special", piece.type() != PieceType.USER_DEFINED);
                added.add(token);
            }
        }
        record Merge(String left, String right, float score, int id, int leftId) {
        }
        List<Merge> merges = new ArrayList<>();
        for (int id = 0; id < pieces.size(); id++) {
            SentencePieceModel.Piece piece = pieces.get(id);
            if (piece.type() != PieceType.NORMAL || lookup.id(piece.text()) != id) {
                continue;
            }
            String text = piece.text();
            for (int mid = text.offsetByCodePoints(0, 1); mid < text.length(); mid = text.offsetByCodePoints(mid, 1)) {
                int left = lookup.id(text.substring(0, mid));
                int right = lookup.id(text.substring(mid));
                if (left >= 0 && right >= 0) {
                    merges.add(new Merge(text.substring(0, mid), text.substring(mid), piece.score(), id, left));
                }
            }
        }
        merges.sort(Comparator.comparingDouble((Merge m) -> -m.score).thenComparingInt(Merge::id).thenComparingInt(Merge::leftId));

        Map<String, Object> root = new LinkedHashMap<>();
        root.put("version", "1.0");
        root.put("truncation", null);
        root.put("padding", null);
        root.put("added_tokens", added);
        List<Object> normalizers = new ArrayList<>();
        if (model.normalizer().addDummyPrefix()) {
            normalizers.add(Map.of("type", "Prepend", "prepend", "\u2581"));
        }
        normalizers.add(Map.of("type", "Replace", "pattern", Map.of("String", " "), "content", "\u2581"));
        root.put("normalizer", Map.of("type", "Sequence", "normalizers", normalizers));
        root.put("pre_tokenizer", null);
        String bos = pieces.get(model.bosId()).text();
        root.put("post_processor", Map.of(
                "type", "TemplateProcessing",
                "single", List.of(Map.of("SpecialToken", Map.of("id", bos, "type_id", 0)),
                        Map.of("Sequence", Map.of("id", "A", "type_id", 0))),
                "pair", List.of(Map.of("SpecialToken", Map.of("id", bos, "type_id", 0)),
                        Map.of("Sequence", Map.of("id", "A", "type_id", 0)),
                        Map.of("SpecialToken", Map.of("id", bos, "type_id", 1)),
                        Map.of("Sequence", Map.of("id", "B", "type_id", 1))),
                "special_tokens", Map.of(bos, Map.of("id", bos, "ids", List.of(model.bosId()), "tokens", List.of(bos)))));
        List<Object> decoders = new ArrayList<>(List.of(
                Map.of("type", "Replace", "pattern", Map.of("String", "\u2581"), "content", " "),
                Map.of("type", "ByteFallback"),
                Map.of("type", "Fuse")));
        if (model.normalizer().addDummyPrefix()) {
            decoders.add(Map.of("type", "Strip", "content", " ", "start", 1, "stop", 0));
        }
        root.put("decoder", Map.of("type", "Sequence", "decoders", decoders));
        Map<String, Object> bpe = new LinkedHashMap<>();
        bpe.put("type", "BPE");
        bpe.put("dropout", null);
        bpe.put("unk_token", model.unkId() >= 0 ? pieces.get(model.unkId()).text() : null);
        bpe.put("continuing_subword_prefix", null);
        bpe.put("end_of_word_suffix", null);
        bpe.put("fuse_unk", true);
        bpe.put("byte_fallback", model.byteFallback());
        bpe.put("ignore_merges", false);
        bpe.put("vocab", vocab);
        bpe.put("merges", merges.stream().map(m -> List.of(m.left, m.right)).toList());
        root.put("model", bpe);
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(file, toJson(root));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String toJson(Object value) {
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(value);
    }

    /**
     * Applies BOS/EOS named in tokenizer_config.json, else given as ids in config.json, and
     * tokenizer_config.json's {@code add_bos_token} when it is there.
     */
    private static Tokenizer withConfiguredSpecialIds(Tokenizer tokenizer, Path dir) {
        int bos = tokenizer.bosId();
        int eos = tokenizer.eosId();
        boolean addsBos = tokenizer.addsBos();
        if (dir == null) {
            return tokenizer;
        }
        JsonNode config = readJson(dir.resolve("config.json"));
        if (config != null) {
            bos = firstInt(config.path("bos_token_id"), bos);
            eos = firstInt(config.path("eos_token_id"), eos);
        }
        JsonNode tokenizerConfig = readJson(dir.resolve("tokenizer_config.json"));
        if (tokenizerConfig != null) {
            bos = idOfToken(tokenizer, tokenizerConfig.path("bos_token"), bos);
            eos = idOfToken(tokenizer, tokenizerConfig.path("eos_token"), eos);
            if (tokenizerConfig.path("add_bos_token").isBoolean()) {
                addsBos = tokenizerConfig.path("add_bos_token").asBoolean();
            }
        }
        if (bos == tokenizer.bosId() && eos == tokenizer.eosId() && addsBos == tokenizer.addsBos()) {
            return tokenizer;
        }
        return new SpecialIdsTokenizer(tokenizer, bos, eos, addsBos);
    }

    private static JsonNode readJson(Path file) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return JSON.readTree(file.toFile());
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("cannot parse " + file + ": " + e.getMessage(), e);
        }
    }

    private static int firstInt(JsonNode node, int fallback) {
        if (node.isArray() && !node.isEmpty()) {
            node = node.get(0);
        }
        return node.isNumber() ? node.asInt() : fallback;
    }

    private static int idOfToken(Tokenizer tokenizer, JsonNode node, int fallback) {
        String content = node.isString() ? node.asString() : node.path("content").isString() ? node.path("content").asString() : null;
        if (content == null) {
            return fallback;
        }
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            if (tokenizer.piece(id).equals(content)) {
                return id;
            }
        }
        return fallback;
    }
}
