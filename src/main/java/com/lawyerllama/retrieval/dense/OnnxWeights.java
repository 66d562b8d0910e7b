package com.lawyerllama.retrieval.dense;

import com.lawyerllama.llama.tokenizer.Protobuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The weights of a BERT encoder exported to ONNX, read straight from the file's protobuf: each
 * float initialiser of the graph, by name. Exporters give a linear layer's bias its module name
 * ({@code encoder.layer.0.attention.self.query.bias}) but often leave its matrix anonymous
 * ({@code onnx::MatMul_541}), stored transposed as the MatMul's right operand; such a matrix is
 * renamed after the bias that the MatMul's output is added to, and transposed back, so the result
 * has the names and layout of the model's PyTorch checkpoint.
 */
final class OnnxWeights {

    /** A float tensor: its shape and its values in row-major order. */
    record Tensor(long[] shape, float[] values) {
    }

    private record Node(String op, List<String> inputs, List<String> outputs) {
    }

    private static final int FLOAT = 1;

    private OnnxWeights() {
    }

    /** The named weights of an ONNX model; the message of the exception says what the file lacks. */
    static Map<String, Tensor> read(byte[] model) throws IOException {
        try {
            return parse(model);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IOException("not a readable ONNX model: " + e.getMessage(), e);
        }
    }

    private static Map<String, Tensor> parse(byte[] model) throws IOException {
        Protobuf.Reader root = new Protobuf.Reader(model);
        Protobuf.Reader graph = null;
        while (root.next()) {
            if (root.field() == 7 && root.wireType() == Protobuf.LENGTH_DELIMITED) {
                graph = root.readMessage();
            } else {
                root.skip();
            }
        }
        if (graph == null) {
            throw new IOException("not an ONNX model: no graph");
        }
        Map<String, Tensor> initialisers = new LinkedHashMap<>();
        List<Node> nodes = new ArrayList<>();
        while (graph.next()) {
            if (graph.field() == 1 && graph.wireType() == Protobuf.LENGTH_DELIMITED) {
                nodes.add(node(graph.readMessage()));
            } else if (graph.field() == 5 && graph.wireType() == Protobuf.LENGTH_DELIMITED) {
                readTensor(graph.readMessage(), initialisers);
            } else {
                graph.skip();
            }
        }
        Map<String, Node> byInput = new HashMap<>();
        for (Node n : nodes) {
            for (String in : n.inputs()) {
                byInput.putIfAbsent(in, n);
            }
        }
        Map<String, Tensor> named = new LinkedHashMap<>();
        for (Node n : nodes) {
            if (!n.op().equals("MatMul") || n.inputs().size() != 2 || n.outputs().isEmpty()) {
                continue;
            }
            Tensor w = initialisers.get(n.inputs().get(1));
            Node add = byInput.get(n.outputs().get(0));
            if (w == null || w.shape().length != 2 || add == null || !add.op().equals("Add")) {
                continue;
            }
            for (String in : add.inputs()) {
                if (in.endsWith(".bias") && initialisers.containsKey(in)) {
                    named.put(in.substring(0, in.length() - ".bias".length()) + ".weight", transpose(w));
                }
            }
        }
        initialisers.forEach((name, t) -> {
            if (!name.startsWith("onnx::")) {
                named.putIfAbsent(name, t);
            }
        });
        return named;
    }

    private static Tensor transpose(Tensor t) {
        int rows = (int) t.shape()[0];
        int cols = (int) t.shape()[1];
        float[] out = new float[rows * cols];
        float[] in = t.values();
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                out[c * rows + r] = in[r * cols + c];
            }
        }
        return new Tensor(new long[] {cols, rows}, out);
    }

    private static Node node(Protobuf.Reader p) {
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String op = "";
        while (p.next()) {
            boolean text = p.wireType() == Protobuf.LENGTH_DELIMITED;
            switch (text ? p.field() : 0) {
                case 1 -> inputs.add(p.readString());
                case 2 -> outputs.add(p.readString());
                case 4 -> op = p.readString();
                default -> p.skip();
            }
        }
        return new Node(op, inputs, outputs);
    }

    private static void readTensor(Protobuf.Reader p, Map<String, Tensor> out) throws IOException {
        List<Long> dims = new ArrayList<>();
        int type = 0;
        String name = null;
        float[] raw = null;
        List<Float> floats = new ArrayList<>();
        boolean external = false;
        while (p.next()) {
            switch (p.field()) {
                case 1 -> p.forEachValue(v -> dims.add(v.readVarint()));
                case 2 -> type = (int) p.readVarint();
                case 4 -> p.forEachValue(v -> floats.add(v.readFloat()));
                case 8 -> name = p.readString();
                case 9 -> {
                    ByteBuffer b = ByteBuffer.wrap(p.readBytes()).order(ByteOrder.LITTLE_ENDIAN);
                    raw = new float[b.remaining() / 4];
                    b.asFloatBuffer().get(raw);
                }
                case 14 -> external = p.readVarint() == 1;
                default -> p.skip();
            }
        }
        if (name == null || type != FLOAT) {
            return;
        }
        if (external) {
            throw new IOException("ONNX initialiser " + name + " keeps its data in an external file; only self-contained models are read");
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        float[] values = raw != null ? raw : toArray(floats);
        if (values.length != count) {
            throw new IOException("ONNX initialiser " + name + " has " + values.length + " values for shape " + java.util.Arrays.toString(shape));
        }
        out.put(name, new Tensor(shape, values));
    }

    private static float[] toArray(List<Float> list) {
        float[] a = new float[list.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = list.get(i);
        }
        return a;
    }
}
