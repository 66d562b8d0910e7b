package com.lawyerllama.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads tensors from Hugging Face safetensors files, one file or a sharded set
 * ({@code model.safetensors.index.json}).
 *
 * <p>The JSON header is parsed here and each tensor's bytes are memory-mapped on their own
 * (so files beyond 2 GB work), then copied once into memory owned by the engine. Nothing
 * passes through the Java heap, so loading needs one copy of the weights, not two. BF16 is
 * converted to the target type in small chunks: DJL 0.36 cannot hold a bfloat16 NDArray.
 */
public final class SafetensorsReader implements Closeable {

    public static final String SINGLE_FILE = "model.safetensors";
    public static final String INDEX_FILE = "model.safetensors.index.json";
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int BF16_CHUNK = 1 << 20;

    /** The element types this reader understands, with their safetensors names. */
    public enum DType {
        F32(4), F16(2), BF16(2);

        final int bytes;

        DType(int bytes) {
            this.bytes = bytes;
        }
    }

    /** Where one tensor lies: its file, absolute byte offset and length. */
    public record TensorInfo(String name, DType dtype, long[] shape, Path file, long offset, long length) {
        public Shape djlShape() {
            return new Shape(shape);
        }
    }

    private final Map<String, TensorInfo> tensors;
    private final Map<Path, FileChannel> channels = new LinkedHashMap<>();

    private SafetensorsReader(Map<String, TensorInfo> tensors) {
        this.tensors = tensors;
    }

    /** Opens the safetensors weights of a model directory (index file, {@code model.safetensors}, or the only *.safetensors). */
    public static SafetensorsReader openDirectory(Path dir) throws IOException {
        Path index = dir.resolve(INDEX_FILE);
        if (Files.exists(index)) {
            JsonNode map = JSON.readTree(Files.readString(index)).get("weight_map");
            if (map == null || !map.isObject()) {
                throw new ModelFormatException(index + " has no weight_map");
            }
            Map<String, TensorInfo> all = new LinkedHashMap<>();
            for (String shard : map.valueStream().map(JsonNode::asString).distinct().toList()) {
                Path file = dir.resolve(shard);
                if (!Files.exists(file)) {
                    throw new ModelFormatException(index + " names shard " + shard + ", which is missing");
                }
                all.putAll(readHeader(file));
            }
            return new SafetensorsReader(all);
        }
        Path single = dir.resolve(SINGLE_FILE);
        if (!Files.exists(single)) {
            try (Stream<Path> files = Files.list(dir)) {
                var found = files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
                if (found.isEmpty()) {
                    throw new ModelFormatException("no " + SINGLE_FILE + " or " + INDEX_FILE + " in model directory " + dir);
                }
                Map<String, TensorInfo> all = new LinkedHashMap<>();
                for (Path f : found) {
                    all.putAll(readHeader(f));
                }
                return new SafetensorsReader(all);
            }
        }
        return new SafetensorsReader(readHeader(single));
    }

    /** Opens one safetensors file. */
    public static SafetensorsReader openFile(Path file) throws IOException {
        return new SafetensorsReader(readHeader(file));
    }

    private static Map<String, TensorInfo> readHeader(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, len, 0);
            long headerLen = len.getLong(0);
            if (headerLen <= 0 || headerLen > 100_000_000 || 8 + headerLen > ch.size()) {
                throw new ModelFormatException(file + " is not a safetensors file (header length " + headerLen + ")");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            JsonNode root = JSON.readTree(new String(header.array(), StandardCharsets.UTF_8));
            long dataStart = 8 + headerLen;
            Map<String, TensorInfo> result = new LinkedHashMap<>();
            for (Map.Entry<String, JsonNode> e : root.properties()) {
                if (e.getKey().equals("__metadata__")) {
                    continue;
                }
                JsonNode t = e.getValue();
                String dtypeName = t.path("dtype").asString();
                DType dtype;
                try {
                    dtype = DType.valueOf(dtypeName);
                } catch (IllegalArgumentException ex) {
                    throw new ModelFormatException(file + ": tensor " + e.getKey() + " has dtype " + dtypeName
                            + " (supported: F32, F16, BF16)");
                }
                long[] shape = new long[t.path("shape").size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = t.get("shape").get(i).asLong();
                }
                long begin = t.get("data_offsets").get(0).asLong();
                long end = t.get("data_offsets").get(1).asLong();
                long elements = Arrays.stream(shape).reduce(1, Math::multiplyExact);
                if (end - begin != elements * dtype.bytes || dataStart + end > ch.size()) {
                    throw new ModelFormatException(file + ": tensor " + e.getKey() + " has inconsistent data_offsets");
                }
                result.put(e.getKey(), new TensorInfo(e.getKey(), dtype, shape, file, dataStart + begin, end - begin));
            }
            return result;
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, position + buf.position());
            if (n < 0) {
                throw new ModelFormatException("unexpected end of file");
            }
        }
    }

    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    public TensorInfo info(String name) {
        TensorInfo info = tensors.get(name);
        if (info == null) {
            throw new ModelFormatException("missing tensor " + name);
        }
        return info;
    }

    /**
     * Loads a tensor as an NDArray of {@code target} type owned by {@code manager}.
     *
     * @param expected the shape the model needs; a different shape in the file is an error naming both
     */
    public NDArray load(NDManager manager, String name, Shape expected, DataType target) throws IOException {
        TensorInfo info = info(name);
        if (expected != null && !expected.equals(info.djlShape())) {
            throw new ModelFormatException("tensor " + name + " has shape " + info.djlShape() + " in " + info.file().getFileName()
                    + ", expected " + expected);
        }
        if (info.length() > Integer.MAX_VALUE) {
            throw new ModelFormatException("tensor " + name + " is larger than 2 GB, which this reader does not map");
        }
        MappedByteBuffer bytes = channel(info.file()).map(FileChannel.MapMode.READ_ONLY, info.offset(), info.length());
        bytes.order(ByteOrder.LITTLE_ENDIAN);
        Shape shape = info.djlShape();
        if (info.dtype() == DType.BF16) {
            return loadBf16(manager, bytes, shape, target);
        }
        DataType source = info.dtype() == DType.F32 ? DataType.FLOAT32 : DataType.FLOAT16;
        // The NDArray made from a direct buffer shares its memory (here: the read-only mapping);
        // the copy below gives the engine memory of its own.
        try (NDArray mapped = manager.create(bytes, shape, source)) {
            return source == target ? mapped.duplicate() : mapped.toType(target, true);
        }
    }

    private static NDArray loadBf16(NDManager manager, ByteBuffer bf16, Shape shape, DataType target) {
        long n = shape.size();
        NDArray result = manager.zeros(new Shape(n), target);
        ByteBuffer scratch = ByteBuffer.allocateDirect((int) Math.min(n, BF16_CHUNK) * 4).order(ByteOrder.nativeOrder());
        for (long start = 0; start < n; start += BF16_CHUNK) {
            int count = (int) Math.min(BF16_CHUNK, n - start);
            scratch.clear();
            for (int i = 0; i < count; i++) {
                // bfloat16 is the top half of a float32
                scratch.putInt((bf16.getShort((int) ((start + i) * 2)) & 0xFFFF) << 16);
            }
            scratch.flip();
            try (NDArray chunk = manager.create(scratch, new Shape(count), DataType.FLOAT32);
                 NDArray converted = chunk.toType(target, true)) {
                result.set(new NDIndex("{}:{}", start, start + count), converted);
            }
        }
        if (shape.dimension() == 1) {
            return result;
        }
        NDArray shaped = result.reshape(shape); // a view: it keeps the storage alive
        result.close();
        return shaped;
    }

    private FileChannel channel(Path file) throws IOException {
        FileChannel ch = channels.get(file);
        if (ch == null) {
            ch = FileChannel.open(file, StandardOpenOption.READ);
            channels.put(file, ch);
        }
        return ch;
    }

    @Override
    public void close() throws IOException {
        for (FileChannel ch : channels.values()) {
            ch.close();
        }
        channels.clear();
    }
}
