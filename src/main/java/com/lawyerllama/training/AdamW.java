package com.lawyerllama.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.llama.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * AdamW (Loshchilov & Hutter) over a map of named parameters, written over NDArrays so that it
 * works on the model's parameter map directly: first and second moments per parameter, bias
 * correction, and weight decay decoupled from the gradient, applied to matrices only (not to
 * norm weights), as nanoGPT does. Its state is saved beside a checkpoint and restored on resume.
 */
public final class AdamW implements AutoCloseable {
    static final double BETA1 = 0.9;
    static final double BETA2 = 0.95;
    static final double EPS = 1e-8;

    private final NDManager manager;
    private final Map<String, NDArray> m = new LinkedHashMap<>();
    private final Map<String, NDArray> v = new LinkedHashMap<>();
    private int t;

    public AdamW(NDManager parent) {
        this.manager = parent.newSubManager();
    }

    /** Completed update steps (for bias correction). */
    public int steps() {
        return t;
    }

    /**
     * One update: {@code p -= lr · (m̂ / (√v̂ + ε) + wd · p)}, in place. Must run with gradient
     * recording off (outside a GradientCollector).
     */
    public void step(Map<String, NDArray> params, Map<String, NDArray> grads, double lr, double weightDecay) {
        t++;
        double c1 = 1 - Math.pow(BETA1, t);
        double c2 = 1 - Math.pow(BETA2, t);
        for (Map.Entry<String, NDArray> e : params.entrySet()) {
            NDArray p = e.getValue();
            NDArray g = grads.get(e.getKey());
            if (g == null) {
                continue;
            }
            NDArray mi = m.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), DataType.FLOAT32));
            NDArray vi = v.computeIfAbsent(e.getKey(), k -> manager.zeros(p.getShape(), DataType.FLOAT32));
            try (NDManager scope = manager.newSubManager()) {
                // Every temporary goes into the scope: an array derived from m, v or p would otherwise
                // belong to their long-lived managers and leak a parameter-sized buffer per step.
                g.attach(scope);
                mi.muli(BETA1).addi(g.mul(1 - BETA1));
                vi.muli(BETA2).addi(g.square().muli(1 - BETA2));
                NDArray update = mi.div(c1);
                update.attach(scope);
                NDArray denominator = vi.div(c2);
                denominator.attach(scope);
                update.divi(denominator.sqrt().addi(EPS));
                if (weightDecay > 0 && p.getShape().dimension() >= 2) {
                    NDArray decay = p.mul(weightDecay);
                    decay.attach(scope);
                    update.addi(decay);
                }
                p.subi(update.muli(lr));
            }
        }
    }

    public void save(Path file) throws IOException {
        Map<String, NDArray> all = new LinkedHashMap<>();
        m.forEach((k, a) -> all.put("m." + k, a));
        v.forEach((k, a) -> all.put("v." + k, a));
        SafetensorsWriter.writeFile(file, all, SafetensorsReader.DType.F32);
    }

    /** Restores moments saved by {@link #save} for the given parameters; {@code steps} is the saved step count. */
    public void load(Path file, Map<String, NDArray> params, int steps) throws IOException {
        try (SafetensorsReader reader = SafetensorsReader.openFile(file)) {
            for (Map.Entry<String, NDArray> e : params.entrySet()) {
                if (reader.names().contains("m." + e.getKey())) {
                    m.put(e.getKey(), reader.load(manager, "m." + e.getKey(), e.getValue().getShape(), DataType.FLOAT32));
                    v.put(e.getKey(), reader.load(manager, "v." + e.getKey(), e.getValue().getShape(), DataType.FLOAT32));
                }
            }
        }
        this.t = steps;
    }

    @Override
    public void close() {
        manager.close();
    }
}
