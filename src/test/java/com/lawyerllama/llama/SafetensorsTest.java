package com.lawyerllama.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** F16 and BF16 files load to the same values as F32. */
class SafetensorsTest {
    @TempDir
    Path tmp;

    /** Values that fp16 and bf16 both hold exactly. */
    private static float[] exactValues(int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = ((i % 61) - 30) / 8.0f;
        }
        return v;
    }

    @Test
    void f16AndBf16LoadToTheSameValuesAsF32() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            tensors.put("small", m.create(exactValues(6), new Shape(2, 3)));
            // larger than one BF16 conversion chunk (1 << 20 elements)
            tensors.put("large", m.create(exactValues(3 * 512 * 1024), new Shape(3, 512, 1024)));
            for (SafetensorsReader.DType type : SafetensorsReader.DType.values()) {
                Path file = tmp.resolve(type + ".safetensors");
                SafetensorsWriter.writeFile(file, tensors, type);
                try (SafetensorsReader reader = SafetensorsReader.openFile(file)) {
                    assertEquals(type, reader.info("small").dtype());
                    for (String name : tensors.keySet()) {
                        NDArray loaded = reader.load(m, name, tensors.get(name).getShape(), DataType.FLOAT32);
                        assertEquals(DataType.FLOAT32, loaded.getDataType());
                        assertEquals(tensors.get(name).getShape(), loaded.getShape());
                        assertArrayEquals(tensors.get(name).toFloatArray(), loaded.toFloatArray(), type + " " + name);
                    }
                }
            }
        }
    }

    @Test
    void bf16LoadsAsFp16ForTheGpu() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path file = tmp.resolve("bf16.safetensors");
            NDArray values = m.create(exactValues(100), new Shape(10, 10));
            SafetensorsWriter.writeFile(file, Map.of("w", values), SafetensorsReader.DType.BF16);
            try (SafetensorsReader reader = SafetensorsReader.openFile(file)) {
                NDArray loaded = reader.load(m, "w", null, DataType.FLOAT16);
                assertEquals(DataType.FLOAT16, loaded.getDataType());
                assertArrayEquals(values.toFloatArray(), loaded.toType(DataType.FLOAT32, false).toFloatArray());
            }
        }
    }

    @Test
    void bf16RoundsToNearestEven() {
        assertEquals((short) 0x3F80, SafetensorsWriter.toBf16(1.0f));
        assertEquals((short) 0x3F80, SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3F808000)));  // tie → even
        assertEquals((short) 0x3F82, SafetensorsWriter.toBf16(Float.intBitsToFloat(0x3F818000)));  // tie → even (up)
    }

    @Test
    void unknownTensorIsNamed() throws Exception {
        try (NDManager m = NDManager.newBaseManager()) {
            Path file = tmp.resolve("one.safetensors");
            SafetensorsWriter.writeFile(file, Map.of("a", m.ones(new Shape(2))), SafetensorsReader.DType.F32);
            try (SafetensorsReader reader = SafetensorsReader.openFile(file)) {
                ModelFormatException e = assertThrows(ModelFormatException.class, () -> reader.load(m, "b", null, DataType.FLOAT32));
                assertTrue(e.getMessage().contains("b"));
            }
        }
    }
}
