package com.lawyerllama.training;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tools.jackson.databind.JsonNode;

/**
 * Where a run starts: a Hugging Face model directory ({@code "base": "/models/chinese-llama-2-7b"}),
 * or random weights of a given shape ({@code "base": {"init": "random", "hiddenSize": 64, …,
 * "tokenizer": "models/stories260K/tok512.bin"}}). Relative paths are tried against the working
 * directory, then the data root.
 */
public record BaseModel(String path, String init, int hiddenSize, int intermediateSize, int numHiddenLayers,
                        int numAttentionHeads, Integer numKeyValueHeads, Integer vocabSize, Integer maxPositionEmbeddings,
                        String tokenizer) {

    public boolean randomInit() {
        return "random".equals(init);
    }

    public static BaseModel fromJson(JsonNode node) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (node.isString()) {
            return node.asString().equals("random") ? null : directory(node.asString());
        }
        return TrainingPlan.JSON.treeToValue(node, BaseModel.class);
    }

    /** A base that is a model directory (a Hugging Face model, or a retriever model for distillation). */
    public static BaseModel directory(String path) {
        return new BaseModel(path, null, 0, 0, 0, 0, null, null, null, null);
    }

    /** A path as given, else under the data root. */
    static Path resolve(String p, Path dataRoot) {
        Path direct = Path.of(p);
        return Files.exists(direct) || direct.isAbsolute() ? direct : dataRoot.resolve(p);
    }

    public Path modelDir(Path dataRoot) {
        return resolve(path, dataRoot);
    }

    public Path tokenizerPath(Path dataRoot) {
        return resolve(tokenizer, dataRoot);
    }

    /**
     * Every problem with this base as the retriever model a distillation plan starts from: a
     * directory with a retriever model's config.json that names a pretrained encoder.
     */
    public List<String> validateRetrieverModel(Path dataRoot) {
        if (path == null || path.isBlank() || init != null) {
            return List.of("base: give the retriever model's directory");
        }
        Path config = modelDir(dataRoot).resolve("config.json");
        if (!Files.isRegularFile(config)) {
            return List.of("base: no config.json in retriever model directory " + modelDir(dataRoot));
        }
        try {
            JsonNode node = TrainingPlan.JSON.readTree(Files.readString(config));
            if (!com.lawyerllama.retrieval.dense.DenseEncoder.TYPE.equals(node.path("type").asString(""))) {
                return List.of("base: " + modelDir(dataRoot) + " is not a retriever model (config.json type '"
                        + node.path("type").asString("") + "')");
            }
            if (node.path("pretrained").isNull() || node.path("pretrained").isMissingNode() || !(node.path("pretrainedWeight").asDouble(0) > 0)) {
                return List.of("base: retriever model " + modelDir(dataRoot) + " has no pretrained encoder to distil "
                        + "(train one with plan 'retriever-bge')");
            }
        } catch (java.io.IOException | RuntimeException e) {
            return List.of("base: cannot read " + config + ": " + e.getMessage());
        }
        return List.of();
    }

    /** Every problem with this base; empty when a run can start from it. */
    public List<String> validate(Path dataRoot) {
        List<String> problems = new ArrayList<>();
        if (randomInit()) {
            if (hiddenSize < 1 || intermediateSize < 1 || numHiddenLayers < 1 || numAttentionHeads < 1) {
                problems.add("base: hiddenSize, intermediateSize, numHiddenLayers and numAttentionHeads must be positive");
            } else if (hiddenSize % numAttentionHeads != 0 || (hiddenSize / numAttentionHeads) % 2 != 0) {
                problems.add("base: hiddenSize / numAttentionHeads must be an even whole number");
            }
            if (numKeyValueHeads != null && (numKeyValueHeads < 1 || numAttentionHeads % numKeyValueHeads != 0)) {
                problems.add("base: numAttentionHeads must be a multiple of numKeyValueHeads");
            }
            if (tokenizer == null || tokenizer.isBlank()) {
                problems.add("base: a random model needs a tokenizer (file or model directory)");
            } else if (!Files.exists(tokenizerPath(dataRoot))) {
                problems.add("base: tokenizer not found: " + tokenizerPath(dataRoot));
            }
        } else if (init != null) {
            problems.add("base: init must be 'random' (or give a model directory as path), got " + init);
        } else if (path == null || path.isBlank()) {
            problems.add("base: give a model directory or {\"init\": \"random\", …}");
        } else if (!Files.isRegularFile(modelDir(dataRoot).resolve("config.json"))) {
            problems.add("base: no config.json in model directory " + modelDir(dataRoot));
        }
        return problems;
    }
}
