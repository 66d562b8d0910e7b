package com.lawyerllama.llama;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.lawyerllama.llama.gguf.GgufFile;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The LLaMA decoder, computed exactly as Hugging Face's {@code LlamaForCausalLM}: token
 * embedding, N × (RMSNorm → attention with RoPE and grouped KV heads → residual, RMSNorm →
 * SwiGLU MLP → residual), final RMSNorm, classifier (tied to the embedding or not).
 * The same pass computes Qwen2 and Qwen3 with their {@link Architecture} options: a bias on
 * the q/k/v projections (Qwen2), a per-head RMSNorm on queries and keys before RoPE (Qwen3).
 *
 * <p>The weights are plain NDArrays in {@link #parameters()}, keyed by their Hugging Face
 * names, so a trainer can attach gradients to them and update them in place. There is one
 * forward pass, {@link #forward}: {@link #logits} runs it over whole sequences with a causal
 * mask (training, scoring), {@link #decode} runs it over new tokens against a {@link KvCache}
 * (prefill and token-by-token generation).
 *
 * <p>Shapes below: B batch, T new tokens, S attended positions, D hidden size, H query heads,
 * K key/value heads, G = H / K queries per KV head, E head dim, F MLP width, V vocabulary.
 */
public final class LlamaModel implements AutoCloseable {

    private final LlamaConfig config;
    private final NDManager manager;
    private final DataType dtype;
    private final Map<String, NDArray> parameters;
    private final Layer[] layers;
    private final NDArray embedTokens;  // [V, D]
    private final NDArray finalNorm;    // [D]
    private final NDArray lmHead;       // [V, D], the embedding itself when tied
    private final NDArray lmHeadT;      // [D, V] view of lmHead
    private final int contextLength;
    private final NDArray ropeCos;      // [contextLength, H+2K, E]: per head of [q; k; v], see Rope.tables
    private final NDArray ropeSin;      // [contextLength, H+2K, E]
    private final NDArray rotateHalf;   // [E, E]: x·R == cat(-x[E/2:], x[:E/2])
    // Scalars as 0-d arrays: an op with a Java number first creates such an array, every time.
    private final NDArray rmsEps;       // fp32 rms_norm_eps

    /**
     * One decoder layer's weights ([out, in] as in PyTorch's Linear), with the fused
     * projections [Wq; Wk; Wv] and [Wgate; Wup], and transposed views ([in, out], suffix T) of
     * the matrices: {@code x · Wᵀ} as a matmul with a ready view measured 20–40 % faster on a
     * one-token decode step than PyTorch's {@code linear}, which transposes on every call.
     */
    private record Layer(NDArray inputNorm, NDArray wqkv, NDArray wq, NDArray wk, NDArray wv, NDArray wo,
                         NDArray postNorm, NDArray wGateUp, NDArray wGate, NDArray wUp, NDArray wDown,
                         NDArray wqkvT, NDArray woT, NDArray wGateUpT, NDArray wDownT,
                         NDArray bqkv, NDArray bq, NDArray bk, NDArray bv,   // Qwen2: [bq; bk; bv] and its parts, else null
                         NDArray qNorm, NDArray kNorm) {                     // Qwen3: [E] each, else null
    }

    /** The projections that {@link LlamaModel} fuses into one array per layer (and closes as given). */
    public static boolean isFused(String parameterName) {
        return parameterName.contains(".self_attn.q_proj.") || parameterName.contains(".self_attn.k_proj.")
                || parameterName.contains(".self_attn.v_proj.") || parameterName.contains(".mlp.gate_proj.")
                || parameterName.contains(".mlp.up_proj.");
    }

    /**
     * @param parameters  weights by Hugging Face name, owned by {@code manager}
     * @param contextLength the longest sequence (prompt + generated) this instance serves;
     *                    at most {@code max_position_embeddings}
     */
    public LlamaModel(LlamaConfig config, NDManager manager, Map<String, NDArray> weights, int contextLength) {
        int served = Math.min(contextLength, config.maxPositionEmbeddings());
        LlamaConfig.SlidingWindow window = config.slidingWindow();
        if (window != null && served > window.size()) {
            throw new ModelFormatException("this " + config.architecture().modelType() + " checkpoint uses sliding-window "
                    + "attention (window " + window.size() + " tokens, from layer " + window.fromLayer() + "), which the engine "
                    + "does not implement; it can be served only with a context of at most " + window.size()
                    + " tokens (lawyer.model.context-length), not " + served);
        }
        this.config = config;
        this.manager = manager;
        Map<String, NDArray> parameters = new LinkedHashMap<>(weights);
        Map<String, Shape> shapes = parameterShapes(config);
        for (Map.Entry<String, Shape> e : shapes.entrySet()) {
            NDArray p = parameters.get(e.getKey());
            if (p == null) {
                throw new ModelFormatException("missing tensor " + e.getKey());
            }
            if (!p.getShape().equals(e.getValue())) {
                throw new ModelFormatException("tensor " + e.getKey() + " has shape " + p.getShape() + ", expected " + e.getValue());
            }
        }
        // q, k and v are computed by one matmul over [Wq; Wk; Wv], gate and up by one over
        // [Wgate; Wup]; the parameters become views into the fused arrays, so the weights are in
        // memory once.
        NDArray[] qkv = new NDArray[config.numHiddenLayers()];
        NDArray[] gateUp = new NDArray[config.numHiddenLayers()];
        NDArray[] qkvBias = new NDArray[config.numHiddenLayers()];
        for (int i = 0; i < qkv.length; i++) {
            String p = "model.layers." + i + ".";
            qkv[i] = fuse(parameters, p + "self_attn.q_proj.weight", p + "self_attn.k_proj.weight", p + "self_attn.v_proj.weight");
            if (config.architecture().qkvBias()) {
                qkvBias[i] = fuse(parameters, p + "self_attn.q_proj.bias", p + "self_attn.k_proj.bias", p + "self_attn.v_proj.bias");
            }
            gateUp[i] = fuse(parameters, p + "mlp.gate_proj.weight", p + "mlp.up_proj.weight");
        }
        this.parameters = Collections.unmodifiableMap(parameters);
        this.embedTokens = parameters.get("model.embed_tokens.weight");
        this.dtype = embedTokens.getDataType();
        this.finalNorm = parameters.get("model.norm.weight");
        this.lmHead = config.tieWordEmbeddings() ? embedTokens : parameters.get("lm_head.weight");
        this.lmHeadT = transposed(lmHead);
        this.layers = new Layer[config.numHiddenLayers()];
        for (int i = 0; i < layers.length; i++) {
            String p = "model.layers." + i + ".";
            NDArray wo = parameters.get(p + "self_attn.o_proj.weight");
            NDArray wDown = parameters.get(p + "mlp.down_proj.weight");
            layers[i] = new Layer(parameters.get(p + "input_layernorm.weight"), qkv[i],
                    parameters.get(p + "self_attn.q_proj.weight"), parameters.get(p + "self_attn.k_proj.weight"),
                    parameters.get(p + "self_attn.v_proj.weight"), wo,
                    parameters.get(p + "post_attention_layernorm.weight"), gateUp[i],
                    parameters.get(p + "mlp.gate_proj.weight"), parameters.get(p + "mlp.up_proj.weight"), wDown,
                    transposed(qkv[i]), transposed(wo), transposed(gateUp[i]), transposed(wDown),
                    qkvBias[i], parameters.get(p + "self_attn.q_proj.bias"), parameters.get(p + "self_attn.k_proj.bias"),
                    parameters.get(p + "self_attn.v_proj.bias"),
                    parameters.get(p + "self_attn.q_norm.weight"), parameters.get(p + "self_attn.k_norm.weight"));
        }
        this.contextLength = served;
        NDArray[] tables = Rope.tables(config, this.contextLength, manager, dtype);
        this.ropeCos = tables[0];
        this.ropeSin = tables[1];
        this.rotateHalf = tables[2];
        this.rmsEps = manager.create((float) config.rmsNormEps());
    }

    /**
     * Concatenates the named [out, in] matrices along the output axis, replaces them in
     * {@code parameters} by views into the result and closes them.
     */
    private static NDArray fuse(Map<String, NDArray> parameters, String... names) {
        NDList parts = new NDList();
        for (String name : names) {
            parts.add(parameters.get(name));
        }
        NDArray fused = NDArrays.concat(parts, 0);
        long from = 0;
        for (int i = 0; i < names.length; i++) {
            long rows = parts.get(i).getShape().get(0);
            parameters.put(names[i], fused.get(new NDIndex().addSliceDim(from, from + rows)));
            from += rows;
        }
        parts.close();
        return fused;
    }

    private NDArray transposed(NDArray weight) {
        NDArray view = weight.transpose();
        view.attach(manager);
        return view;
    }

    /** The tensors a checkpoint must hold, in Hugging Face's order, with their shapes. */
    public static Map<String, Shape> parameterShapes(LlamaConfig c) {
        long d = c.hiddenSize();
        long qDim = (long) c.numAttentionHeads() * c.headDim();
        long kvDim = (long) c.numKeyValueHeads() * c.headDim();
        long f = c.intermediateSize();
        Map<String, Shape> shapes = new LinkedHashMap<>();
        shapes.put("model.embed_tokens.weight", new Shape(c.vocabSize(), d));
        for (int i = 0; i < c.numHiddenLayers(); i++) {
            String p = "model.layers." + i + ".";
            shapes.put(p + "input_layernorm.weight", new Shape(d));
            shapes.put(p + "self_attn.q_proj.weight", new Shape(qDim, d));
            shapes.put(p + "self_attn.k_proj.weight", new Shape(kvDim, d));
            shapes.put(p + "self_attn.v_proj.weight", new Shape(kvDim, d));
            if (c.architecture().qkvBias()) {
                shapes.put(p + "self_attn.q_proj.bias", new Shape(qDim));
                shapes.put(p + "self_attn.k_proj.bias", new Shape(kvDim));
                shapes.put(p + "self_attn.v_proj.bias", new Shape(kvDim));
            }
            shapes.put(p + "self_attn.o_proj.weight", new Shape(d, qDim));
            if (c.architecture().qkNorm()) {
                shapes.put(p + "self_attn.q_norm.weight", new Shape(c.headDim()));
                shapes.put(p + "self_attn.k_norm.weight", new Shape(c.headDim()));
            }
            shapes.put(p + "post_attention_layernorm.weight", new Shape(d));
            shapes.put(p + "mlp.gate_proj.weight", new Shape(f, d));
            shapes.put(p + "mlp.up_proj.weight", new Shape(f, d));
            shapes.put(p + "mlp.down_proj.weight", new Shape(d, f));
        }
        shapes.put("model.norm.weight", new Shape(d));
        if (!c.tieWordEmbeddings()) {
            shapes.put("lm_head.weight", new Shape(c.vocabSize(), d));
        }
        return shapes;
    }

    /** The compute type: fp16 on a GPU, fp32 on the CPU. */
    public static DataType defaultDataType(Device device) {
        return device.isGpu() ? DataType.FLOAT16 : DataType.FLOAT32;
    }

    /** The first GPU when the engine sees one, else the CPU. */
    public static Device defaultDevice() {
        return Engine.getInstance().getGpuCount() > 0 ? Device.gpu() : Device.cpu();
    }

    /** Loads a Hugging Face model directory ({@code config.json} + safetensors), or a {@code .gguf} file (see {@link GgufModels}). */
    public static LlamaModel load(Path dir, Device device, int contextLength) throws IOException {
        if (GgufFile.isGguf(dir)) {
            return GgufModels.load(dir, device, contextLength);
        }
        LlamaConfig config = LlamaConfig.read(dir);
        DataType dtype = defaultDataType(device);
        NDManager manager = NDManager.newBaseManager(device);
        try (SafetensorsReader reader = SafetensorsReader.openDirectory(dir)) {
            Map<String, NDArray> params = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : parameterShapes(config).entrySet()) {
                params.put(e.getKey(), reader.load(manager, e.getKey(), e.getValue(), dtype));
            }
            return new LlamaModel(config, manager, params, contextLength);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    /** A model of the given shape with random weights (N(0, 0.02) matrices and biases, unit norms): for benchmarks and tests. */
    public static LlamaModel random(LlamaConfig config, long seed, Device device, int contextLength) {
        Engine.getInstance().setRandomSeed((int) seed);
        DataType dtype = defaultDataType(device);
        NDManager manager = NDManager.newBaseManager(device);
        Map<String, NDArray> params = new LinkedHashMap<>();
        for (Map.Entry<String, Shape> e : parameterShapes(config).entrySet()) {
            NDArray p = e.getValue().dimension() == 1 && !e.getKey().endsWith(".bias")
                    ? manager.ones(e.getValue(), dtype)
                    : manager.randomNormal(0f, 0.02f, e.getValue(), dtype);
            params.put(e.getKey(), p);
        }
        return new LlamaModel(config, manager, params, contextLength);
    }

    /** Writes {@code config.json} and the safetensors weights into {@code dir} (see {@link Checkpoints} for the atomic form). */
    public void saveTo(Path dir, SafetensorsReader.DType fileType, long maxShardBytes) throws IOException {
        config.write(dir, switch (fileType) {
            case F32 -> "float32";
            case F16 -> "float16";
            case BF16 -> "bfloat16";
        });
        SafetensorsWriter.write(dir, parameters, fileType, maxShardBytes);
    }

    // ---------------------------------------------------------------------------------------
    // The forward pass

    /**
     * Logits for every position of whole sequences, with a causal mask and no cache: the
     * training and scoring path. Differentiable with respect to {@link #parameters()}.
     *
     * @param tokenIds [B, T] int64 token ids
     * @return [B, T, V]
     */
    public NDArray logits(NDArray tokenIds) {
        long b = tokenIds.getShape().get(0);
        long t = tokenIds.getShape().get(1);
        boolean views = viewsCarryGradients();
        NDArray hidden = forward(tokenIds, new int[(int) b], null, views);          // [B*T, D]
        return project(hidden, lmHead, lmHeadT, views).reshape(b, t, config.vocabSize()); // [B, T, V]
    }

    /**
     * Runs new tokens through the model against a cache, appends their keys and values to the
     * cache, and returns the logits of the last new token: prefill (T = prompt length) and
     * decode (T = 1).
     *
     * <p>Rows 0..B-1 of the cache may be at different positions (continuous batching); then
     * T must be 1.
     *
     * @param tokenIds [B, T] int64 token ids; row b at positions {@code cache length of b ..}
     * @return [B, V] logits, in {@code tokenIds}' manager
     */
    public NDArray decode(NDArray tokenIds, KvCache cache) {
        return decode(tokenIds, cache, false);
    }

    /**
     * Like {@link #decode} but returns the logits of every new token, not only the last: scoring
     * several continuations of one cached prompt at once. All rows must be at the same position;
     * a row shorter than T may be padded on the right (causal attention keeps padding out of the
     * positions before it).
     *
     * @param tokenIds [B, T] int64 token ids
     * @return [B, T, V] logits, in {@code tokenIds}' manager
     */
    public NDArray decodeAll(NDArray tokenIds, KvCache cache) {
        return decode(tokenIds, cache, true);
    }

    /** The new tokens through the layers; the logits of every position ([B, T, V]) or of the last ([B, V]). */
    private NDArray decode(NDArray tokenIds, KvCache cache, boolean everyPosition) {
        int rows = (int) tokenIds.getShape().get(0);
        long t = tokenIds.getShape().get(1);
        NDArray hidden = decodeHidden(tokenIds, cache);                             // [B*T, D]
        if (everyPosition) {
            return classify(hidden).reshape(rows, t, config.vocabSize());           // [B, T, V]
        }
        NDArray last = t == 1 ? hidden                                              // [B, D]
                : hidden.reshape(rows, t, config.hiddenSize()).get(new NDIndex().addAllDim().addIndices(t - 1).addAllDim());
        return classify(last);                                                      // [B, V]
    }

    /**
     * The new tokens through the layers, before the output layer: the final-normed hidden states of
     * every new token ([B*T, D], row b*T + i for token i of row b). The cache advances.
     */
    private NDArray decodeHidden(NDArray tokenIds, KvCache cache) {
        int rows = (int) tokenIds.getShape().get(0);
        long t = tokenIds.getShape().get(1);
        int[] starts = cache.lengths(rows);
        for (int start : starts) {
            if (start + t > cache.capacity()) {
                throw new ContextLengthExceededException(start + t, cache.capacity());
            }
        }
        NDArray hidden = forward(tokenIds, starts, cache, viewsCarryGradients());  // [B*T, D]
        cache.advance(rows, (int) t);
        return hidden;
    }

    /**
     * A tree of tokens after one cached prompt, in one pass: token i continues the prompt through its
     * ancestors ({@code parents[i]}, -1 for a token that follows the prompt itself), sits at position
     * prompt length + its depth, and attends to the prompt, its ancestors and itself. Options that
     * share prefixes are then scored with each shared prefix computed once, over a single copy of the
     * prompt's cache. The cache (one row) receives every token's keys and values in tree order, which
     * only this call's mask makes sense of: use it for nothing else afterwards.
     *
     * @param tokenIds [1, N] int64 token ids, every parent before its children
     * @param parents  each token's parent (its index in {@code tokenIds}), or -1
     * @return [N, D] final-normed hidden states, for {@link #classify}
     */
    public NDArray decodeTreeHidden(NDArray tokenIds, int[] parents, KvCache cache) {
        int n = parents.length;
        if (tokenIds.getShape().get(0) != 1 || tokenIds.getShape().get(1) != n) {
            throw new IllegalArgumentException("a tree is one row of " + n + " tokens, not " + tokenIds.getShape());
        }
        int start = cache.lengths(1)[0];
        if (start + n > cache.capacity()) {
            throw new ContextLengthExceededException(start + n, cache.capacity());
        }
        int[] depth = new int[n];
        long[] position = new long[n];
        int s = start + n;
        int group = config.groupSize();
        float[] mask = new float[group * n * s];
        Arrays.fill(mask, Float.NEGATIVE_INFINITY);
        for (int i = 0; i < n; i++) {
            int parent = parents[i];
            if (parent >= i || parent < -1) {
                throw new IllegalArgumentException("token " + i + "'s parent " + parent + " must come before it");
            }
            depth[i] = parent < 0 ? 0 : depth[parent] + 1;
            position[i] = start + depth[i];
            if (position[i] >= contextLength) {
                throw new ContextLengthExceededException((int) position[i] + 1, contextLength);
            }
            for (int g = 0; g < group; g++) {
                int row = (g * n + i) * s;
                Arrays.fill(mask, row, row + start, 0f);                 // the prompt
                for (int a = i; a >= 0; a = parents[a]) {
                    mask[row + start + a] = 0f;                         // itself and its ancestors
                }
            }
        }
        NDManager scope = tokenIds.getManager();
        NDArray positions = scope.create(position);
        NDArray m = scope.create(mask, new Shape((long) group * n, s));
        Positions at = new Positions(scoped(ropeCos.get(positions), scope), scoped(ropeSin.get(positions), scope),
                dtype == DataType.FLOAT32 ? m : m.toType(dtype, false), s);
        NDArray hidden = forward(tokenIds, new int[] {start}, cache, viewsCarryGradients(), at);   // [N, D]
        cache.advance(1, n);
        return hidden;
    }

    /** The output layer: logits [N, V] of final-normed hidden states [N, D] ({@link #decodeTreeHidden}'s). */
    public NDArray classify(NDArray hidden) {
        return project(hidden, lmHead, lmHeadT, viewsCarryGradients());
    }

    /**
     * Whether the transposed and fused views taken at construction may stand for the weights.
     * Full fine-tuning marks the weights as requiring gradients after the model exists, and
     * views taken before that do not pass gradients back, so the forward pass then multiplies
     * by the parameters themselves. (A LoRA forward model is built from weights that already
     * carry gradients, so its views do pass them.)
     */
    private boolean viewsCarryGradients() {
        return !embedTokens.hasGradient();
    }

    /**
     * The decoder stack over tokens at positions starts[b] .. starts[b]+T-1 of each row b;
     * returns the final-normed hidden states [B*T, D] (row b*T + i is token i of sequence b).
     */
    private NDArray forward(NDArray tokenIds, int[] starts, KvCache cache, boolean views) {
        return forward(tokenIds, starts, cache, views,
                positions(starts, tokenIds.getShape().get(0), tokenIds.getShape().get(1), tokenIds.getManager()));
    }

    /** As above, with the RoPE rows and the attention mask given ({@link #decodeTreeHidden}). */
    private NDArray forward(NDArray tokenIds, int[] starts, KvCache cache, boolean views, Positions at) {
        NDManager scope = tokenIds.getManager();
        long b = tokenIds.getShape().get(0);
        long t = tokenIds.getShape().get(1);
        int heads = config.numAttentionHeads();
        int kvHeads = config.numKeyValueHeads();
        int group = config.groupSize();
        int e = config.headDim();

        NDArray ids = tokenIds.reshape(b * t);
        NDArray x = ids.getNDArrayInternal().embedding(ids, embedTokens, SparseFormat.DENSE).singletonOrThrow(); // [B*T, D]

        for (int l = 0; l < layers.length; l++) {
            Layer w = layers[l];
            // A prompt's intermediates are freed layer by layer; one decode token's are small enough
            // to wait for the caller's scope (a manager per layer costs more than it saves there).
            try (NDManager layerScope = t > 1 ? scope.newSubManager() : null) {
                NDManager local = layerScope != null ? layerScope : scope;
                x.attach(local);
                // Attention: queries of G heads share one key/value head.
                NDArray h = rmsNorm(x, w.inputNorm);                                       // [B*T, D]
                NDArray qkv = project(h, views ? w.wqkv : fused(w.wq, w.wk, w.wv), w.wqkvT, views); // [B*T, (H+2K)*E]
                if (w.bqkv != null) {
                    qkv = qkv.addi(views ? w.bqkv : fused(w.bq, w.bk, w.bv));              // Qwen2: q/k/v bias
                }
                qkv = qkv.reshape(b, t, heads + 2L * kvHeads, e);                           // [B, T, H+2K, E]
                if (w.qNorm != null) {
                    // Qwen3: RMSNorm over each query and key head (not the values), before RoPE
                    NDList parts = qkv.split(new long[] {heads, heads + kvHeads}, 2);
                    qkv = NDArrays.concat(new NDList(rmsNorm(parts.get(0), w.qNorm), rmsNorm(parts.get(1), w.kNorm),
                            parts.get(2)), 2);
                }
                // RoPE on q and k (the tables leave v as it is and fold 1/sqrt(E) into q)
                qkv = rope(qkv, at.cos, at.sin);
                qkv = t == 1 ? qkv.reshape(b, heads + 2L * kvHeads, 1, e) : qkv.transpose(0, 2, 1, 3); // [B, H+2K, T, E]
                NDList split = qkv.split(new long[] {heads, heads + kvHeads}, 1);
                NDArray q = split.get(0);                                                  // [B, H, T, E]
                NDArray k = split.get(1);                                                  // [B, K, T, E]
                NDArray v = split.get(2);                                                  // [B, K, T, E]
                NDArray keys = k;                                                          // [B, K, S, E]
                NDArray values = v;                                                        // [B, K, S, E]
                if (cache != null) {
                    keys = cache.appendKeys(l, starts, k, local);
                    values = cache.appendValues(l, starts, v, local);
                }
                NDArray qg = q.reshape(b, kvHeads, group * t, e);                          // [B, K, G*T, E]
                NDArray scores = qg.matMul(keys.transpose(0, 1, 3, 2));                    // [B, K, G*T, S], scaled
                if (at.mask != null) {
                    scores = scores.addi(at.mask);                                         // causal / row lengths
                }
                NDArray attn = scores.softmax(-1).matMul(values);                          // [B, K, G*T, E]
                attn = t == 1 ? attn.reshape(b, (long) heads * e)                          // [B*T, H*E]
                        : attn.reshape(b, heads, t, e).transpose(0, 2, 1, 3).reshape(b * t, (long) heads * e);
                x = x.add(project(attn, w.wo, w.woT, views));                              // [B*T, D]

                // SwiGLU MLP: down(silu(gate(h)) * up(h))
                h = rmsNorm(x, w.postNorm);                                                // [B*T, D]
                NDList gateUp = project(h, views ? w.wGateUp : fused(w.wGate, w.wUp), w.wGateUpT, views)
                        .split(new long[] {config.intermediateSize()}, 1);
                NDArray gate = gateUp.get(0);                                              // [B*T, F]
                NDArray up = gateUp.get(1);                                                // [B*T, F]
                NDArray act = gate.mul(gate.getNDArrayInternal().sigmoid()).muli(up);      // [B*T, F]
                x = x.add(project(act, w.wDown, w.wDownT, views));                         // [B*T, D]
                x.attach(scope);
            }
        }
        return rmsNorm(x, finalNorm);                                                      // [B*T, D]
    }

    /**
     * What depends on positions, shared by all layers: RoPE rows for each new token
     * (cos/sin [T, H+2K, E], or [B, 1, H+2K, E] when rows sit at different positions) and the
     * additive attention mask (causal [G*T, S] for several new tokens, per-row lengths
     * [B, 1, 1, S] for a ragged batch, none for one token of rows at the same position).
     */
    private record Positions(NDArray cos, NDArray sin, NDArray mask, long attended) {
    }

    private Positions positions(int[] starts, long b, long t, NDManager scope) {
        int start = starts[0];
        int end = 0;
        boolean ragged = false;
        for (int st : starts) {
            ragged |= st != start;
            end = Math.max(end, (int) (st + t));
        }
        if (end > contextLength) {
            throw new ContextLengthExceededException(end, contextLength);
        }
        if (!ragged) {
            return new Positions(scoped(rows(ropeCos, start, end), scope), scoped(rows(ropeSin, start, end), scope),
                    t > 1 ? causalMask(scope, (int) t, start, config.groupSize()) : null, end);
        }
        if (t != 1) {
            throw new IllegalArgumentException("rows at different positions can only decode one token each");
        }
        long[] pos = new long[starts.length];
        float[] lengthMask = new float[(int) b * end];
        for (int row = 0; row < starts.length; row++) {
            pos[row] = starts[row];
            for (int j = starts[row] + 1; j < end; j++) {
                lengthMask[row * end + j] = Float.NEGATIVE_INFINITY;   // not yet written for this row
            }
        }
        NDArray positions = scope.create(pos);
        Shape perRow = new Shape(b, 1, config.numAttentionHeads() + 2L * config.numKeyValueHeads(), config.headDim());
        NDArray mask = scope.create(lengthMask, new Shape(b, 1, 1, end));
        return new Positions(scoped(ropeCos.get(positions), scope).reshape(perRow),
                scoped(ropeSin.get(positions), scope).reshape(perRow),
                dtype == DataType.FLOAT32 ? mask : mask.toType(dtype, false), end);
    }

    /** The parameters concatenated anew (when they carry gradients, so that training differentiates with respect to them). */
    private static NDArray fused(NDArray... weights) {
        return NDArrays.concat(new NDList(weights), 0);
    }

    /** x · Wᵀ, through the transposed view {@code weightT} when {@code views} allows it. */
    private static NDArray project(NDArray x, NDArray weight, NDArray weightT, boolean views) {
        return views ? x.matMul(weightT) : linear(x, weight);
    }

    /** x / sqrt(mean(x²) + eps) * weight, over the last axis (computed in fp32 as HF does). */
    private NDArray rmsNorm(NDArray x, NDArray weight) {
        NDArray x32 = x.getDataType() == DataType.FLOAT32 ? x : x.toType(DataType.FLOAT32, false);
        NDArray rms = x32.square().mean(new int[] {-1}, true).addi(rmsEps).sqrt();
        NDArray normed = x32.div(rms);
        return (normed.getDataType() == weight.getDataType() ? normed : normed.toType(weight.getDataType(), false)).muli(weight);
    }

    /** Rotary embedding in HF's rotate-half layout: x·cos + rotate_half(x)·sin, over the last axis. */
    private NDArray rope(NDArray x, NDArray cos, NDArray sin) {
        return x.mul(cos).addi(x.matMul(rotateHalf).muli(sin));
    }

    /** y = x · Wᵀ for W [out, in]. */
    private static NDArray linear(NDArray x, NDArray weight) {
        return x.getNDArrayInternal().linear(x, weight, null).singletonOrThrow();
    }

    /** Additive mask [G*T, S]: row g*T + i (query at position start+i) sees positions ≤ start+i. */
    private NDArray causalMask(NDManager scope, int t, int start, int group) {
        int s = start + t;
        float[] mask = new float[group * t * s];
        for (int g = 0; g < group; g++) {
            for (int i = 0; i < t; i++) {
                int row = (g * t + i) * s;
                for (int j = start + i + 1; j < s; j++) {
                    mask[row + j] = Float.NEGATIVE_INFINITY;
                }
            }
        }
        NDArray m = scope.create(mask, new Shape((long) group * t, s));
        return dtype == DataType.FLOAT32 ? m : m.toType(dtype, false);
    }

    /** table[from:to] as a view, in one native call (an NDIndex costs several). */
    private static NDArray rows(NDArray table, long from, long to) {
        return JniUtils.slice((PtNDArray) table, 0, from, to, 1);
    }

    private static NDArray scoped(NDArray array, NDManager scope) {
        array.attach(scope);
        return array;
    }

    // ---------------------------------------------------------------------------------------

    /** A fresh cache for {@code batch} sequences (rows) of up to {@code capacity} positions each. */
    public KvCache newCache(int batch, int capacity, NDManager owner) {
        return new KvCache(config, batch, Math.min(capacity, contextLength), owner, dtype);
    }

    public LlamaConfig config() {
        return config;
    }

    /**
     * The weight matrices one decode step multiplies by, as the step uses them ([in, out] views:
     * per layer [Wq; Wk; Wv]ᵀ, Woᵀ, [Wgate; Wup]ᵀ, Wdownᵀ, then the classifier's): for
     * {@link DecodeProfile}, which times those products alone.
     */
    java.util.List<NDArray> decodeMatrices() {
        java.util.List<NDArray> matrices = new java.util.ArrayList<>();
        for (Layer w : layers) {
            matrices.addAll(java.util.List.of(w.wqkvT(), w.woT(), w.wGateUpT(), w.wDownT()));
        }
        matrices.add(lmHeadT);
        return matrices;
    }


    /** Weights by Hugging Face tensor name, in checkpoint order. */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    public long parameterCount() {
        return parameters.entrySet().stream()
                .filter(e -> !(config.tieWordEmbeddings() && e.getKey().equals("lm_head.weight")))
                .mapToLong(e -> e.getValue().size()).sum();
    }

    public int contextLength() {
        return contextLength;
    }

    public DataType dataType() {
        return dtype;
    }

    public Device device() {
        return embedTokens.getDevice();
    }

    /** The manager that owns the weights; sequences make their own sub-managers. */
    public NDManager manager() {
        return manager;
    }

    @Override
    public void close() {
        manager.close();
    }
}
