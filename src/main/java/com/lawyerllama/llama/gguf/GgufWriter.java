package com.lawyerllama.llama.gguf;

import com.lawyerllama.llama.gguf.GgufFile.ValueType;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes a GGUF v3 file (the layout {@link GgufFile} reads): metadata, tensor infos, then
 * each tensor's data at an aligned offset. Tensors are given as a source of floats and encoded
 * a piece at a time as F32, F16 or Q8_0 (or as raw bytes already in a GGML type), so a model is
 * never held twice. The file appears all at once: it is written beside the target, fsynced and
 * renamed.
 */
public final class GgufWriter {
    /** The types this writer can encode floats to. */
    public static final List<GgmlType> ENCODABLE = List.of(GgmlType.F32, GgmlType.F16, GgmlType.Q8_0, GgmlType.Q4_K);
    private static final int CHUNK_ELEMENTS = 1 << 20;

    /** A tensor's values in order; {@code read} fills {@code into[0..count)} with elements {@code first..}. */
    @FunctionalInterface
    public interface FloatSource {
        void read(long first, float[] into, int count) throws IOException;
    }

    private record Entry(ValueType type, ValueType elementType, Object value) {
    }

    private record Tensor(String name, long[] shape, GgmlType type, FloatSource floats, ByteBuffer raw) {
        long elements() {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            return n;
        }
    }

    private final Map<String, Entry> metadata = new LinkedHashMap<>();
    private final List<Tensor> tensors = new ArrayList<>();
    private final int alignment;

    public GgufWriter() {
        this(GgufFile.DEFAULT_ALIGNMENT);
    }

    public GgufWriter(int alignment) {
        this.alignment = alignment;
        if (alignment != GgufFile.DEFAULT_ALIGNMENT) {
            putUint32("general.alignment", alignment);
        }
    }

    public GgufWriter putString(String key, String value) {
        return put(key, ValueType.STRING, null, value);
    }

    public GgufWriter putUint32(String key, long value) {
        return put(key, ValueType.UINT32, null, value);
    }

    public GgufWriter putInt32(String key, long value) {
        return put(key, ValueType.INT32, null, value);
    }

    public GgufWriter putFloat32(String key, float value) {
        return put(key, ValueType.FLOAT32, null, value);
    }

    public GgufWriter putBool(String key, boolean value) {
        return put(key, ValueType.BOOL, null, value);
    }

    public GgufWriter putStringArray(String key, List<String> values) {
        return put(key, ValueType.ARRAY, ValueType.STRING, List.copyOf(values));
    }

    public GgufWriter putFloat32Array(String key, List<Float> values) {
        return put(key, ValueType.ARRAY, ValueType.FLOAT32, List.copyOf(values));
    }

    public GgufWriter putInt32Array(String key, List<Long> values) {
        return put(key, ValueType.ARRAY, ValueType.INT32, List.copyOf(values));
    }

    /** Any value with an explicit type (for tests of odd files, and copying metadata as it was). */
    public GgufWriter put(String key, ValueType type, ValueType elementType, Object value) {
        metadata.put(key, new Entry(type, elementType, value));
        return this;
    }

    /** Copies metadata values as they are stored in {@code from} (arrays keep their element type). */
    public GgufWriter copyMetadata(GgufFile from, java.util.function.Predicate<String> keys) {
        for (Map.Entry<String, Object> e : from.metadata().entrySet()) {
            if (keys.test(e.getKey()) && !e.getKey().equals("general.alignment")) {
                ValueType type = from.metadataType(e.getKey());
                boolean array = e.getValue() instanceof List<?>;
                put(e.getKey(), array ? ValueType.ARRAY : type, array ? type : null, e.getValue());
            }
        }
        return this;
    }

    /**
     * Adds a tensor encoded from floats.
     *
     * @param shape PyTorch order (outermost first); stored reversed, as ggml does
     * @param type  one of {@link #ENCODABLE}
     */
    public GgufWriter addTensor(String name, long[] shape, GgmlType type, FloatSource floats) {
        if (!ENCODABLE.contains(type)) {
            throw new IllegalArgumentException("cannot encode tensors as " + type + " (supported: " + ENCODABLE + ")");
        }
        Tensor t = new Tensor(name, shape.clone(), type, floats, null);
        if (shape[shape.length - 1] % type.blockSize != 0) {
            throw new IllegalArgumentException("tensor " + name + " rows of " + shape[shape.length - 1]
                    + " values cannot be stored as " + type + " (blocks of " + type.blockSize + ")");
        }
        tensors.add(t);
        return this;
    }

    /** Adds a tensor whose bytes are already in {@code type}'s layout (for tests that build blocks). */
    public GgufWriter addRawTensor(String name, long[] shape, GgmlType type, ByteBuffer bytes) {
        tensors.add(new Tensor(name, shape.clone(), type, null, bytes.duplicate().order(ByteOrder.LITTLE_ENDIAN)));
        return this;
    }

    /** Writes the file atomically. */
    public void write(Path target) throws IOException {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            Out out = new Out(ch);
            out.u32(GgufFile.MAGIC);
            out.u32(3);
            out.u64(tensors.size());
            out.u64(metadata.size());
            for (Map.Entry<String, Entry> e : metadata.entrySet()) {
                out.string(e.getKey());
                out.u32(e.getValue().type().ordinal());
                out.value(e.getValue().type(), e.getValue().elementType(), e.getValue().value());
            }
            long offset = 0;
            for (Tensor t : tensors) {
                out.string(t.name());
                out.u32(t.shape().length);
                for (int i = t.shape().length - 1; i >= 0; i--) {
                    out.u64(t.shape()[i]);
                }
                out.u32(t.type().id);
                out.u64(offset);
                offset = GgufFile.align(offset + t.type().bytesFor(t.elements()), alignment);
            }
            out.pad(alignment);
            for (Tensor t : tensors) {
                long before = out.position();
                if (t.raw() != null) {
                    if (t.raw().remaining() != t.type().bytesFor(t.elements())) {
                        throw new IllegalArgumentException("tensor " + t.name() + ": " + t.raw().remaining()
                                + " bytes given, " + t.type().bytesFor(t.elements()) + " expected");
                    }
                    out.bytes(t.raw().duplicate());
                } else {
                    encode(t, out);
                }
                if (out.position() - before != t.type().bytesFor(t.elements())) {
                    throw new IllegalStateException("tensor " + t.name() + " was written with the wrong size");
                }
                out.pad(alignment);
            }
            out.flush();
            ch.force(true);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(tmp);
            throw e;
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void encode(Tensor t, Out out) throws IOException {
        long n = t.elements();
        float[] chunk = new float[(int) Math.min(n, CHUNK_ELEMENTS)];   // a multiple of every block size
        for (long first = 0; first < n; first += chunk.length) {
            int count = (int) Math.min(chunk.length, n - first);
            t.floats().read(first, chunk, count);
            switch (t.type()) {
                case F32 -> {
                    for (int i = 0; i < count; i++) {
                        out.f32(chunk[i]);
                    }
                }
                case F16 -> {
                    for (int i = 0; i < count; i++) {
                        out.u16(Half.fromFloat(chunk[i]));
                    }
                }
                case Q8_0 -> {
                    for (int b = 0; b < count; b += 32) {
                        quantizeQ8_0(chunk, b, out);
                    }
                }
                case Q4_K -> {
                    for (int b = 0; b < count; b += 256) {
                        quantizeQ4_K(chunk, b, out);
                    }
                }
                default -> throw new IllegalStateException(t.type().name());
            }
        }
    }

    /**
     * One Q4_K block of 256 values, plainly: each group of 32 gets scale (max − min) / 15 and
     * minimum −min (min taken ≤ 0); the block's d and dmin are the largest of those over 63, the
     * groups' six-bit multiples of them are rounded, and each value is rounded to the nearest of
     * its group's 16 levels. (ggml's own quantizer searches for better scales; any Q4_K reader
     * reads these blocks the same way.)
     */
    static void quantizeQ4_K(float[] x, int from, Out out) throws IOException {
        float[] scale = new float[8];
        float[] min = new float[8];
        float maxScale = 0;
        float maxMin = 0;
        for (int g = 0; g < 8; g++) {
            float lo = 0;
            float hi = -Float.MAX_VALUE;
            for (int l = 0; l < 32; l++) {
                lo = Math.min(lo, x[from + 32 * g + l]);
                hi = Math.max(hi, x[from + 32 * g + l]);
            }
            scale[g] = (hi - lo) / 15f;
            min[g] = -lo;
            maxScale = Math.max(maxScale, scale[g]);
            maxMin = Math.max(maxMin, min[g]);
        }
        short dBits = Half.fromFloat(maxScale / 63f);
        short dminBits = Half.fromFloat(maxMin / 63f);
        float d = Half.toFloat(dBits);
        float dmin = Half.toFloat(dminBits);
        int[] sc = new int[8];
        int[] m = new int[8];
        for (int g = 0; g < 8; g++) {
            sc[g] = d > 0 ? Math.min(63, Math.round(scale[g] / d)) : 0;
            m[g] = dmin > 0 ? Math.min(63, Math.round(min[g] / dmin)) : 0;
        }
        out.u16(dBits);
        out.u16(dminBits);
        for (int j = 0; j < 4; j++) {                  // get_scale_min_k4's packing of 8 six-bit scales and mins
            out.u8(sc[j] | (sc[j + 4] >> 4) << 6);
        }
        for (int j = 0; j < 4; j++) {
            out.u8(m[j] | (m[j + 4] >> 4) << 6);
        }
        for (int j = 0; j < 4; j++) {
            out.u8((sc[j + 4] & 0xF) | (m[j + 4] & 0xF) << 4);
        }
        int[] q = new int[256];
        for (int i = 0; i < 256; i++) {
            int g = i / 32;
            float step = d * sc[g];
            q[i] = step > 0 ? Math.max(0, Math.min(15, Math.round((x[from + i] + dmin * m[g]) / step))) : 0;
        }
        for (int c = 0; c < 4; c++) {                  // 32 bytes per 64 values: low nibbles, then high
            for (int l = 0; l < 32; l++) {
                out.u8(q[64 * c + l] | q[64 * c + 32 + l] << 4);
            }
        }
    }

    /**
     * One Q8_0 block as ggml's reference quantizer makes it: d = max|x| / 127, q = round(x / d)
     * (half away from zero), d stored as fp16.
     */
    static void quantizeQ8_0(float[] x, int from, Out out) throws IOException {
        float amax = 0;
        for (int j = 0; j < 32; j++) {
            amax = Math.max(amax, Math.abs(x[from + j]));
        }
        float d = amax / 127f;
        float id = d != 0 ? 1f / d : 0f;
        out.u16(Half.fromFloat(d));
        for (int j = 0; j < 32; j++) {
            float v = x[from + j] * id;
            out.u8((int) (v >= 0 ? Math.floor(v + 0.5f) : -Math.floor(-v + 0.5f)));
        }
    }

    /** Buffered little-endian output that counts its position. */
    static final class Out {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
        private long written;

        Out(FileChannel ch) {
            this.ch = ch;
        }

        long position() {
            return written + buf.position();
        }

        private void room(int n) throws IOException {
            if (buf.remaining() < n) {
                flush();
            }
        }

        void flush() throws IOException {
            buf.flip();
            while (buf.hasRemaining()) {
                written += ch.write(buf);
            }
            buf.clear();
        }

        void u8(int v) throws IOException {
            room(1);
            buf.put((byte) v);
        }

        void u16(short v) throws IOException {
            room(2);
            buf.putShort(v);
        }

        void u32(int v) throws IOException {
            room(4);
            buf.putInt(v);
        }

        void u64(long v) throws IOException {
            room(8);
            buf.putLong(v);
        }

        void f32(float v) throws IOException {
            room(4);
            buf.putFloat(v);
        }

        void string(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            u64(b.length);
            bytes(ByteBuffer.wrap(b));
        }

        void bytes(ByteBuffer b) throws IOException {
            while (b.hasRemaining()) {
                room(1);
                int n = Math.min(buf.remaining(), b.remaining());
                ByteBuffer slice = b.slice();
                slice.limit(n);
                buf.put(slice);
                b.position(b.position() + n);
            }
        }

        void pad(int alignment) throws IOException {
            while (position() % alignment != 0) {
                u8(0);
            }
        }

        void value(ValueType type, ValueType elementType, Object v) throws IOException {
            switch (type) {
                case UINT8, INT8 -> u8(((Number) v).intValue());
                case UINT16, INT16 -> u16(((Number) v).shortValue());
                case UINT32, INT32 -> u32(((Number) v).intValue());
                case UINT64, INT64 -> u64(((Number) v).longValue());
                case FLOAT32 -> f32(((Number) v).floatValue());
                case FLOAT64 -> {
                    room(8);
                    buf.putDouble(((Number) v).doubleValue());
                }
                case BOOL -> u8((Boolean) v ? 1 : 0);
                case STRING -> string((String) v);
                case ARRAY -> {
                    List<?> list = (List<?>) v;
                    u32(elementType.ordinal());
                    u64(list.size());
                    for (Object o : list) {
                        value(elementType, null, o);
                    }
                }
                default -> throw new IllegalStateException(type.name());
            }
        }
    }
}
