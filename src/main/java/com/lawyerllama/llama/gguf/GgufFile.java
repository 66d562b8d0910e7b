package com.lawyerllama.llama.gguf;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GGUF file (versions 2 and 3), opened for reading: the metadata key/values and the tensor
 * infos are parsed when it is opened; tensor data stay in the file and are memory-mapped a
 * piece at a time when {@link #read} dequantizes them, so a file of many gigabytes never
 * passes through one Java array.
 *
 * <p>Layout: magic {@code GGUF}, uint32 version, uint64 tensor count, uint64 metadata count,
 * the metadata ({@code string key, uint32 value type, value}), the tensor infos
 * ({@code string name, uint32 n_dims, uint64 dims[n_dims], uint32 ggml type, uint64 offset}),
 * padding to {@code general.alignment} (default 32), then the tensor data, each tensor at its
 * offset from there. All little-endian; strings are a uint64 length and UTF-8 bytes. Tensor
 * dims are ggml's, innermost first: a PyTorch [out, in] matrix has dims [in, out].
 */
public final class GgufFile implements Closeable {
    /** "GGUF" read as a little-endian uint32. */
    public static final int MAGIC = 0x46554747;
    public static final int DEFAULT_ALIGNMENT = 32;
    /** How many elements {@link #read} decodes per mapped piece. */
    static final int CHUNK_ELEMENTS = 1 << 20;

    /** Metadata value types, with their numbers in the file. */
    public enum ValueType {
        UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64;

        static ValueType ofId(int id) {
            return id >= 0 && id < values().length ? values()[id] : null;
        }
    }

    /**
     * One tensor: its name, ggml dims (innermost first), type, and absolute byte offset.
     */
    public record TensorInfo(String name, long[] dims, GgmlType type, long offset) {
        public long elements() {
            return Arrays.stream(dims).reduce(1, Math::multiplyExact);
        }

        public long bytes() {
            return type.bytesFor(elements());
        }

        /** The shape in PyTorch's order (outermost first): dims reversed. */
        public long[] shape() {
            long[] s = new long[dims.length];
            for (int i = 0; i < dims.length; i++) {
                s[i] = dims[dims.length - 1 - i];
            }
            return s;
        }
    }

    /** Receives a tensor's values in order, a piece at a time. */
    @FunctionalInterface
    public interface FloatSink {
        /** {@code values[0 .. count)} are elements {@code first ..} of the tensor. */
        void accept(float[] values, int count, long first) throws IOException;
    }

    private final Path file;
    private final FileChannel channel;
    private final int version;
    private final Map<String, Object> metadata;
    private final Map<String, ValueType> metadataTypes;
    private final Map<String, TensorInfo> tensors;
    private final int alignment;
    private final long dataStart;

    private GgufFile(Path file, FileChannel channel, int version, Map<String, Object> metadata,
                     Map<String, ValueType> metadataTypes, Map<String, TensorInfo> tensors, int alignment, long dataStart) {
        this.file = file;
        this.channel = channel;
        this.version = version;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.metadataTypes = Collections.unmodifiableMap(metadataTypes);
        this.tensors = Collections.unmodifiableMap(tensors);
        this.alignment = alignment;
        this.dataStart = dataStart;
    }

    /** Whether the path names a GGUF file by its extension (the loaders' dispatch rule). */
    public static boolean isGguf(Path path) {
        return path.getFileName() != null && path.getFileName().toString().toLowerCase(java.util.Locale.ROOT).endsWith(".gguf");
    }

    /**
     * Opens and checks a GGUF file: magic, version, metadata, tensor infos, that every tensor's
     * type is a known ggml type and that its data lie within the file.
     *
     * @throws GgufFormatException naming the file and what is wrong with it
     */
    public static GgufFile open(Path file) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new GgufFormatException("GGUF file " + file + " does not exist");
        }
        try {
            return parse(file, ch);
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static GgufFile parse(Path file, FileChannel ch) throws IOException {
        HeaderReader in = new HeaderReader(file, ch);
        int magic = in.u32();
        if (magic != MAGIC) {
            throw new GgufFormatException(file + " is not a GGUF file (its first bytes are not \"GGUF\")");
        }
        int version = in.u32();
        if (version != 2 && version != 3) {
            throw new GgufFormatException(file + " is GGUF version " + Integer.toUnsignedString(version)
                    + " (supported: 2 and 3)");
        }
        long tensorCount = in.count("tensor count");
        long kvCount = in.count("metadata count");
        Map<String, Object> metadata = new LinkedHashMap<>();
        Map<String, ValueType> types = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = in.string();
            ValueType type = in.valueType(key);
            metadata.put(key, in.value(type, key));
            types.put(key, type == ValueType.ARRAY ? in.lastElementType : type);
        }
        int alignment = DEFAULT_ALIGNMENT;
        Object a = metadata.get("general.alignment");
        if (a != null) {
            if (!(a instanceof Number n) || n.longValue() <= 0 || Long.bitCount(n.longValue()) != 1 || n.longValue() > 1 << 20) {
                throw new GgufFormatException(file + ": general.alignment " + a + " is not a power of two");
            }
            alignment = n.intValue();
        }
        Map<String, TensorInfo> tensors = new LinkedHashMap<>();
        List<long[]> relative = new ArrayList<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = in.string();
            int nDims = in.u32();
            if (nDims < 1 || nDims > 4) {
                throw new GgufFormatException(file + ": tensor " + name + " has " + nDims + " dimensions (GGUF allows 1 to 4)");
            }
            long[] dims = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                dims[d] = in.u64();
                if (dims[d] <= 0 || dims[d] > (1L << 40)) {
                    throw new GgufFormatException(file + ": tensor " + name + " has dimension " + Long.toUnsignedString(dims[d]));
                }
            }
            int typeId = in.u32();
            GgmlType type = GgmlType.ofId(typeId);
            if (type == null) {
                throw new GgufFormatException(file + ": tensor " + name + " has unknown ggml type " + Integer.toUnsignedString(typeId));
            }
            long offset = in.u64();
            if (tensors.containsKey(name)) {
                throw new GgufFormatException(file + ": tensor " + name + " appears twice");
            }
            tensors.put(name, new TensorInfo(name, dims, type, offset));
            relative.add(new long[] {offset});
        }
        long dataStart = align(in.position(), alignment);
        long size = ch.size();
        Map<String, TensorInfo> absolute = new LinkedHashMap<>();
        for (TensorInfo t : tensors.values()) {
            if (t.elements() % t.type().blockSize != 0) {
                throw new GgufFormatException(file + ": tensor " + t.name() + " of type " + t.type() + " has "
                        + t.elements() + " elements, not a whole number of blocks of " + t.type().blockSize);
            }
            if (t.offset() < 0 || t.offset() % alignment != 0) {
                throw new GgufFormatException(file + ": tensor " + t.name() + " has offset " + t.offset()
                        + ", not a multiple of the alignment " + alignment);
            }
            long start = dataStart + t.offset();
            long end = start + t.bytes();
            if (end > size) {
                throw new GgufFormatException(file + " is truncated: tensor " + t.name() + " needs bytes " + start + ".." + end
                        + " but the file has " + size);
            }
            absolute.put(t.name(), new TensorInfo(t.name(), t.dims(), t.type(), start));
        }
        return new GgufFile(file, ch, version, metadata, types, absolute, alignment, dataStart);
    }

    static long align(long position, int alignment) {
        return (position + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return file;
    }

    public int version() {
        return version;
    }

    public int alignment() {
        return alignment;
    }

    /** Metadata values: Long for integer types, Float/Double, Boolean, String, or a List of those for arrays. */
    public Map<String, Object> metadata() {
        return metadata;
    }

    /** The stored type of a metadata value (for an array: the type of its elements). */
    public ValueType metadataType(String key) {
        return metadataTypes.get(key);
    }

    public Map<String, TensorInfo> tensors() {
        return tensors;
    }

    /** The tensor of that name, or an error naming it as missing. */
    public TensorInfo tensor(String name) {
        TensorInfo t = tensors.get(name);
        if (t == null) {
            throw new GgufFormatException(file + " has no tensor " + name);
        }
        return t;
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public String string(String key) {
        Object v = require(key);
        if (!(v instanceof String s)) {
            throw new GgufFormatException(file + ": metadata " + key + " is not a string");
        }
        return s;
    }

    public String string(String key, String fallback) {
        return metadata.containsKey(key) ? string(key) : fallback;
    }

    public long integer(String key) {
        Object v = require(key);
        if (!(v instanceof Long l)) {
            throw new GgufFormatException(file + ": metadata " + key + " is not an integer");
        }
        return l;
    }

    public long integer(String key, long fallback) {
        return metadata.containsKey(key) ? integer(key) : fallback;
    }

    public double number(String key, double fallback) {
        if (!metadata.containsKey(key)) {
            return fallback;
        }
        Object v = metadata.get(key);
        if (!(v instanceof Number n)) {
            throw new GgufFormatException(file + ": metadata " + key + " is not a number");
        }
        // a float32 as the decimal it was written from (1e-5f as 1.0E-5, not 9.99999974737875E-6)
        return n instanceof Float f ? Double.parseDouble(Float.toString(f)) : n.doubleValue();
    }

    public boolean bool(String key, boolean fallback) {
        if (!metadata.containsKey(key)) {
            return fallback;
        }
        Object v = metadata.get(key);
        if (!(v instanceof Boolean b)) {
            throw new GgufFormatException(file + ": metadata " + key + " is not a boolean");
        }
        return b;
    }

    /** An array value; its elements are as {@link #metadata()} describes. */
    public List<?> array(String key) {
        Object v = require(key);
        if (!(v instanceof List<?> l)) {
            throw new GgufFormatException(file + ": metadata " + key + " is not an array");
        }
        return l;
    }

    private Object require(String key) {
        Object v = metadata.get(key);
        if (v == null) {
            throw new GgufFormatException(file + " has no metadata " + key);
        }
        return v;
    }

    /**
     * Dequantizes a tensor to floats, handing them to {@code sink} in order, at most
     * {@link #CHUNK_ELEMENTS} at a time; each piece's bytes are mapped, decoded and released.
     *
     * @throws GgufFormatException naming the tensor and its type when the type is not supported
     */
    public void read(TensorInfo t, FloatSink sink) throws IOException {
        GgmlType type = t.type();
        if (!type.supported()) {
            throw new GgufFormatException(file + ": tensor " + t.name() + " has type " + type
                    + ", which this engine does not read (supported: " + supportedTypes() + ")");
        }
        long elements = t.elements();
        int blocksPerChunk = Math.max(1, CHUNK_ELEMENTS / type.blockSize);
        float[] values = new float[blocksPerChunk * type.blockSize];
        BlockDecoder decoder = type.decoder();
        for (long block = 0, blocks = elements / type.blockSize; block < blocks; block += blocksPerChunk) {
            int n = (int) Math.min(blocksPerChunk, blocks - block);
            MappedByteBuffer bytes = channel.map(FileChannel.MapMode.READ_ONLY, t.offset() + block * type.blockBytes,
                    (long) n * type.blockBytes);
            bytes.order(ByteOrder.LITTLE_ENDIAN);
            for (int i = 0; i < n; i++) {
                decoder.decode(bytes, i * type.blockBytes, values, i * type.blockSize);
            }
            sink.accept(values, n * type.blockSize, block * type.blockSize);
        }
    }

    /** Reads a whole (small) tensor into a float array: for tests and small tensors only. */
    public float[] readAll(TensorInfo t) throws IOException {
        long n = t.elements();
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor " + t.name() + " is too large for one array");
        }
        float[] all = new float[(int) n];
        read(t, (values, count, first) -> System.arraycopy(values, 0, all, (int) first, count));
        return all;
    }

    /** The raw bytes of a tensor, mapped read-only (for copying a tensor as it is stored). */
    public MappedByteBuffer map(TensorInfo t) throws IOException {
        MappedByteBuffer b = channel.map(FileChannel.MapMode.READ_ONLY, t.offset(), t.bytes());
        b.order(ByteOrder.LITTLE_ENDIAN);
        return b;
    }

    public static String supportedTypes() {
        return String.join(", ", Arrays.stream(GgmlType.values()).filter(GgmlType::supported).map(Enum::name).toList());
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Sequential little-endian reads of the header through a buffer; the end of the file is an error naming it. */
    private static final class HeaderReader {
        private final Path file;
        private final FileChannel ch;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long bufStart;
        /** The element type of the array read last. */
        ValueType lastElementType;

        HeaderReader(Path file, FileChannel ch) throws IOException {
            this.file = file;
            this.ch = ch;
            this.size = ch.size();
            buf.limit(0);
        }

        long position() {
            return bufStart + buf.position();
        }

        private void need(int n) throws IOException {
            if (buf.remaining() >= n) {
                return;
            }
            long pos = position();
            if (pos + n > size) {
                throw new GgufFormatException(file + " is truncated: its header ends at byte " + size
                        + " where " + n + " more bytes were expected");
            }
            buf.compact();                       // unread bytes move to index 0, which is file position pos
            bufStart = pos;
            while (buf.position() < n) {
                int r = ch.read(buf, bufStart + buf.position());
                if (r < 0) {
                    throw new GgufFormatException(file + " is truncated");
                }
            }
            buf.flip();
        }

        int u32() throws IOException {
            need(4);
            return buf.getInt();
        }

        long u64() throws IOException {
            need(8);
            return buf.getLong();
        }

        long count(String what) throws IOException {
            long n = u64();
            if (n < 0 || n > size) {
                throw new GgufFormatException(file + ": " + what + " " + Long.toUnsignedString(n) + " is impossible for a file of "
                        + size + " bytes");
            }
            return n;
        }

        String string() throws IOException {
            long len = count("string length");
            if (len > 64L << 20) {
                throw new GgufFormatException(file + ": a string of " + len + " bytes in the header");
            }
            byte[] bytes = new byte[(int) len];
            int done = 0;
            while (done < len) {
                int n = (int) Math.min(len - done, buf.capacity() / 2);
                need(n);
                buf.get(bytes, done, n);
                done += n;
            }
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                // Byte-level vocabularies may hold pieces that are not valid UTF-8 on their own.
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }

        ValueType valueType(String key) throws IOException {
            int id = u32();
            ValueType type = ValueType.ofId(id);
            if (type == null) {
                throw new GgufFormatException(file + ": metadata " + key + " has unknown value type " + Integer.toUnsignedString(id));
            }
            return type;
        }

        Object value(ValueType type, String key) throws IOException {
            switch (type) {
                case UINT8 -> {
                    need(1);
                    return (long) (buf.get() & 0xFF);
                }
                case INT8 -> {
                    need(1);
                    return (long) buf.get();
                }
                case UINT16 -> {
                    need(2);
                    return (long) (buf.getShort() & 0xFFFF);
                }
                case INT16 -> {
                    need(2);
                    return (long) buf.getShort();
                }
                case UINT32 -> {
                    return u32() & 0xFFFFFFFFL;
                }
                case INT32 -> {
                    return (long) u32();
                }
                case UINT64, INT64 -> {
                    return u64();
                }
                case FLOAT32 -> {
                    need(4);
                    return buf.getFloat();
                }
                case FLOAT64 -> {
                    need(8);
                    return buf.getDouble();
                }
                case BOOL -> {
                    need(1);
                    return buf.get() != 0;
                }
                case STRING -> {
                    return string();
                }
                case ARRAY -> {
                    ValueType elementType = valueType(key);
                    lastElementType = elementType;
                    if (elementType == ValueType.ARRAY) {
                        throw new GgufFormatException(file + ": metadata " + key + " is an array of arrays, which this reader does not read");
                    }
                    long n = count("array length of " + key);
                    List<Object> values = new ArrayList<>((int) Math.min(n, 1 << 20));
                    for (long i = 0; i < n; i++) {
                        values.add(value(elementType, key));
                    }
                    return Collections.unmodifiableList(values);
                }
                default -> throw new IllegalStateException();
            }
        }
    }
}
