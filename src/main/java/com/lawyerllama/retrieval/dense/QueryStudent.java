package com.lawyerllama.retrieval.dense;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.llama.SafetensorsWriter;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;

/**
 * A question encoder distilled from a retriever model's pretrained encoder: it reads a question's
 * character unigrams and bigrams (the model's own n-gram vocabulary), pools their embeddings with a
 * learned salience as the n-gram encoder does, and projects the result into the pretrained encoder's
 * space, where it is trained to land on the vector that encoder gives the same question
 * ({@link QueryDistiller}). Questions are then encoded in well under a millisecond instead of the
 * tens of milliseconds a BERT pass takes on a CPU, while articles keep their pretrained vectors.
 * Its weights live in {@link #FILE} inside the model directory.
 */
public final class QueryStudent implements AutoCloseable {

    /** File name inside a model directory. */
    public static final String FILE = "query_student.safetensors";
    static final String EMBEDDINGS = "student_embeddings";
    static final String SALIENCE = "student_salience";
    static final String PROJECTION = "student_projection";

    private final NDManager manager;
    private final Map<String, NDArray> parameters;
    private final int dims;

    private QueryStudent(NDManager manager, Map<String, NDArray> parameters, int dims) {
        this.manager = manager;
        this.parameters = parameters;
        this.dims = dims;
    }

    /** Fresh weights: small random embeddings, zero salience, a random projection of unit gain. */
    public static QueryStudent random(int vocabSize, int dims, int outputDims, long seed, NDManager parent) {
        NDManager manager = parent.newSubManager();
        Random random = new Random(seed);
        float[] emb = new float[vocabSize * dims];
        for (int i = dims; i < emb.length; i++) {    // row 0 (padding) stays zero
            emb[i] = (float) (random.nextGaussian() * 0.1);
        }
        float[] projection = new float[dims * outputDims];
        double scale = 1 / Math.sqrt(dims);
        for (int i = 0; i < projection.length; i++) {
            projection[i] = (float) (random.nextGaussian() * scale);
        }
        Map<String, NDArray> p = new LinkedHashMap<>();
        p.put(EMBEDDINGS, manager.create(emb, new Shape(vocabSize, dims)));
        p.put(SALIENCE, manager.zeros(new Shape(vocabSize, 1)));
        p.put(PROJECTION, manager.create(projection, new Shape(dims, outputDims)));
        return new QueryStudent(manager, p, dims);
    }

    /** Reads {@code file}; the shapes come from the model's config, so a mismatched file is refused. */
    static QueryStudent load(Path file, int vocabSize, int dims, int outputDims, NDManager parent) throws IOException {
        NDManager manager = parent.newSubManager();
        try (SafetensorsReader reader = SafetensorsReader.openFile(file)) {
            Map<String, NDArray> p = new LinkedHashMap<>();
            p.put(EMBEDDINGS, reader.load(manager, EMBEDDINGS, new Shape(vocabSize, dims), DataType.FLOAT32));
            p.put(SALIENCE, reader.load(manager, SALIENCE, new Shape(vocabSize, 1), DataType.FLOAT32));
            p.put(PROJECTION, reader.load(manager, PROJECTION, new Shape(dims, outputDims), DataType.FLOAT32));
            return new QueryStudent(manager, p, dims);
        } catch (IOException | RuntimeException e) {
            manager.close();
            throw e;
        }
    }

    void save(Path file, SafetensorsReader.DType dtype) throws IOException {
        SafetensorsWriter.writeFile(file, parameters, dtype);
    }

    /** Width of the unit embeddings. */
    public int dims() {
        return dims;
    }

    /** The trainable tensors by name. */
    public Map<String, NDArray> parameters() {
        return parameters;
    }

    /** Normalised vectors [B, the pretrained encoder's width] for questions as unit ids; differentiable while gradients are recorded. */
    public NDArray forward(int[][] ids, NDManager scope) {
        NDArray pooled = DenseEncoder.pool(ids, parameters.get(EMBEDDINGS), parameters.get(SALIENCE), scope);
        return DenseEncoder.unitRows(pooled.matMul(parameters.get(PROJECTION)));
    }

    /** As {@link #forward} without gradients, one row per question. */
    public float[][] encode(int[][] ids) {
        try (NDManager scope = manager.newSubManager()) {
            return DenseEncoder.rows(forward(ids, scope));
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
