package com.lawyerllama.llama;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes tensors as Hugging Face safetensors: one {@code model.safetensors}, or shards
 * {@code model-0000i-of-0000n.safetensors} with {@code model.safetensors.index.json}.
 * Each file is written to a temporary name, fsynced and renamed into place.
 */
public final class SafetensorsWriter {
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final int CHUNK_FLOATS = 1 << 20;

    private SafetensorsWriter() {
    }

    /**
     * Writes {@code tensors} (in iteration order) into {@code dir} as {@code dtype}.
     *
     * @param maxShardBytes 0 for one file; otherwise the largest shard size before a new shard starts
     */
    public static void write(Path dir, Map<String, NDArray> tensors, SafetensorsReader.DType dtype, long maxShardBytes)
            throws IOException {
        Files.createDirectories(dir);
        List<Map<String, NDArray>> shards = new ArrayList<>();
        Map<String, NDArray> current = new LinkedHashMap<>();
        long currentBytes = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            long bytes = e.getValue().size() * dtype.bytes;
            if (maxShardBytes > 0 && !current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += bytes;
        }
        shards.add(current);
        if (shards.size() == 1) {
            writeFile(dir.resolve(SafetensorsReader.SINGLE_FILE), shards.get(0), dtype);
            Files.deleteIfExists(dir.resolve(SafetensorsReader.INDEX_FILE));
            return;
        }
        ObjectNode index = JSON.createObjectNode();
        ObjectNode weightMap = JSON.createObjectNode();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            total += writeFile(dir.resolve(name), shards.get(i), dtype);
            for (String tensor : shards.get(i).keySet()) {
                weightMap.put(tensor, name);
            }
        }
        index.putObject("metadata").put("total_size", total);
        index.set("weight_map", weightMap);
        AtomicFiles.writeString(dir.resolve(SafetensorsReader.INDEX_FILE),
                JSON.writerWithDefaultPrettyPrinter().writeValueAsString(index) + "\n");
    }

    /** Writes one safetensors file atomically; returns the bytes of tensor data. */
    public static long writeFile(Path file, Map<String, NDArray> tensors, SafetensorsReader.DType dtype) throws IOException {
        ObjectNode header = JSON.createObjectNode();
        header.putObject("__metadata__").put("format", "pt");
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            long bytes = e.getValue().size() * dtype.bytes;
            ObjectNode t = header.putObject(e.getKey());
            t.put("dtype", dtype.name());
            var shape = t.putArray("shape");
            for (long d : e.getValue().getShape().getShape()) {
                shape.add(d);
            }
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = JSON.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // the format pads the header with spaces to 8 bytes
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(json);
        while (head.hasRemaining()) {
            head.put((byte) ' ');
        }
        head.flip();
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            writeAll(ch, head);
            for (NDArray array : tensors.values()) {
                writeTensor(ch, array, dtype);
            }
            ch.force(true);
        }
        AtomicFiles.move(tmp, file);
        return offset;
    }

    private static void writeTensor(FileChannel ch, NDArray array, SafetensorsReader.DType dtype) throws IOException {
        DataType wanted = dtype == SafetensorsReader.DType.F16 ? DataType.FLOAT16 : DataType.FLOAT32;
        try (NDArray typed = array.toType(wanted, true)) {
            ByteBuffer data = typed.toByteBuffer().order(ByteOrder.nativeOrder());
            if (dtype != SafetensorsReader.DType.BF16) {
                writeAll(ch, data.order(ByteOrder.LITTLE_ENDIAN));
                return;
            }
            FloatBuffer floats = data.asFloatBuffer();
            ByteBuffer out = ByteBuffer.allocate(Math.min(floats.remaining(), CHUNK_FLOATS) * 2).order(ByteOrder.LITTLE_ENDIAN);
            while (floats.hasRemaining()) {
                out.clear();
                int n = Math.min(floats.remaining(), CHUNK_FLOATS);
                for (int i = 0; i < n; i++) {
                    out.putShort(toBf16(floats.get()));
                }
                out.flip();
                writeAll(ch, out);
            }
        }
    }

    /** float32 → bfloat16 with round-to-nearest-even (NaN stays NaN). */
    static short toBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int rounding = 0x7FFF + ((bits >>> 16) & 1);
        return (short) ((bits + rounding) >>> 16);
    }

    private static void writeAll(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }
}
