package com.lawyerllama.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.llama.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a stage trains: every weight of the model (full fine-tuning), or low-rank adapters
 * {@code W' = W + (α/r)·B·A} on chosen projections with the base weights frozen (LoRA).
 * A is [r, in] with small random values, B is [out, r] zero, so training starts from the base
 * model exactly. Exported weights have the adapters merged in.
 */
public final class TrainableWeights implements AutoCloseable {
    private final LlamaModel model;
    private final TrainingPlan.Lora lora;
    private final NDManager adapterManager;
    private final Map<String, NDArray> trainable = new LinkedHashMap<>();
    private final Map<String, NDArray[]> adapters = new LinkedHashMap<>();   // weight name → {A, B}

    private TrainableWeights(LlamaModel model, TrainingPlan.Lora lora) {
        this.model = model;
        this.lora = lora;
        this.adapterManager = model.manager().newSubManager();
    }

    /** All weights of {@code model} train. */
    public static TrainableWeights full(LlamaModel model) {
        TrainableWeights w = new TrainableWeights(model, null);
        model.parameters().forEach((name, p) -> {
            p.setRequiresGradient(true);
            w.trainable.put(name, p);
        });
        return w;
    }

    /** Adapters on the projections {@code lora.targets()} of every layer train; the model's weights stay frozen. */
    public static TrainableWeights lora(LlamaModel model, TrainingPlan.Lora lora, long seed) {
        TrainableWeights w = new TrainableWeights(model, lora);
        java.util.Random random = new java.util.Random(seed);
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            String suffix = e.getKey().substring(e.getKey().lastIndexOf('.', e.getKey().length() - ".weight".length() - 1) + 1)
                    .replace(".weight", "");
            if (!lora.targets().contains(suffix)) {
                continue;
            }
            long out = e.getValue().getShape().get(0);
            long in = e.getValue().getShape().get(1);
            float[] a = new float[(int) (lora.rank() * in)];
            double std = 1.0 / Math.sqrt(in);
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (random.nextGaussian() * std);
            }
            NDArray aArr = w.adapterManager.create(a, new ai.djl.ndarray.types.Shape(lora.rank(), in));
            NDArray bArr = w.adapterManager.zeros(new ai.djl.ndarray.types.Shape(out, lora.rank()), DataType.FLOAT32);
            aArr.setRequiresGradient(true);
            bArr.setRequiresGradient(true);
            w.adapters.put(e.getKey(), new NDArray[] {aArr, bArr});
            w.trainable.put(e.getKey() + ".lora_A", aArr);
            w.trainable.put(e.getKey() + ".lora_B", bArr);
        }
        return w;
    }

    public boolean isLora() {
        return lora != null;
    }

    /** The arrays the optimizer updates, by name. */
    public Map<String, NDArray> trainable() {
        return trainable;
    }

    /**
     * The model to run forward through: the model itself, or (LoRA) a view of it whose adapted
     * weights are computed in {@code scope} from the adapters, so gradients reach A and B.
     */
    public LlamaModel forwardModel(NDManager scope) {
        if (lora == null) {
            return model;
        }
        return new LlamaModel(model.config(), scope, adaptedWeights(scope), model.contextLength());
    }

    private Map<String, NDArray> adaptedWeights(NDManager scope) {
        Map<String, NDArray> weights = new LinkedHashMap<>(model.parameters());
        // LlamaModel fuses q, k and v (and gate and up) and closes the arrays it was given for them: hand it new views.
        weights.replaceAll((name, w) -> {
            if (!LlamaModel.isFused(name)) {
                return w;
            }
            NDArray view = w.get(new ai.djl.ndarray.index.NDIndex(":"));
            view.attach(scope);
            return view;
        });
        adapters.forEach((name, ab) -> {
            NDArray delta = ab[1].matMul(ab[0]).muli(lora.scale());
            delta.attach(scope);
            NDArray w = model.parameters().get(name).add(delta);
            w.attach(scope);
            weights.put(name, w);
        });
        return weights;
    }

    /** The weights to export: the model's, with adapters merged in (computed in {@code scope}). */
    public Map<String, NDArray> exportWeights(NDManager scope) {
        return lora == null ? model.parameters() : adaptedWeights(scope);
    }

    /** The gradients of the trainable arrays (handles owned by {@code scope}). */
    public Map<String, NDArray> gradients(NDManager scope) {
        Map<String, NDArray> grads = new LinkedHashMap<>();
        trainable.forEach((name, p) -> {
            NDArray g = p.getGradient();
            g.attach(scope);
            grads.put(name, g);
        });
        return grads;
    }

    public void zeroGradients() {
        trainable.values().forEach(p -> JniUtils.zeroGrad((PtNDArray) p));
    }

    /** Writes the adapters (for resuming a LoRA stage). */
    public void saveAdapters(Path file) throws IOException {
        Map<String, NDArray> all = new LinkedHashMap<>();
        adapters.forEach((name, ab) -> {
            all.put(name + ".lora_A", ab[0]);
            all.put(name + ".lora_B", ab[1]);
        });
        SafetensorsWriter.writeFile(file, all, SafetensorsReader.DType.F32);
    }

    /**
     * Resumes a LoRA stage from a checkpoint whose weights have the adapters merged in: loads the
     * adapters and subtracts their product from the model's weights to recover the base.
     */
    public void restoreAdapters(Path file) throws IOException {
        try (SafetensorsReader reader = SafetensorsReader.openFile(file)) {
            for (Map.Entry<String, NDArray[]> e : adapters.entrySet()) {
                NDArray[] ab = e.getValue();
                try (NDManager scope = adapterManager.newSubManager()) {
                    NDArray a = reader.load(scope, e.getKey() + ".lora_A", ab[0].getShape(), DataType.FLOAT32);
                    NDArray b = reader.load(scope, e.getKey() + ".lora_B", ab[1].getShape(), DataType.FLOAT32);
                    ab[0].set(a.toFloatArray());
                    ab[1].set(b.toFloatArray());
                    model.parameters().get(e.getKey()).subi(b.matMul(a).muli(lora.scale()));
                }
            }
        }
    }

    /** Merges the adapters into the model's weights for good (at a LoRA stage's end). */
    public void merge() {
        adapters.forEach((name, ab) -> {
            try (NDManager scope = adapterManager.newSubManager()) {
                NDArray delta = ab[1].matMul(ab[0]).muli(lora.scale());
                delta.attach(scope);
                model.parameters().get(name).addi(delta);
            }
        });
    }

    /** Stops gradient tracking on the model's weights and frees the adapters. */
    @Override
    public void close() {
        if (lora == null) {
            model.parameters().values().forEach(p -> p.setRequiresGradient(false));
        }
        adapterManager.close();
    }
}
