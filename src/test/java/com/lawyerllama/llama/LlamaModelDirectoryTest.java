package com.lawyerllama.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad model directories fail with a message that names the problem. */
class LlamaModelDirectoryTest {
    static final LlamaConfig TINY = new LlamaConfig(16, 32, 2, 4, 2, 4, 1e-5, 10000.0, null, 64, 40, false, 1,
            List.of(2), "float32");
    static LlamaModel model;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeModel() {
        model = LlamaModel.random(TINY, 7, Device.cpu(), 64);
    }

    @AfterAll
    static void close() {
        model.close();
    }

    @Test
    void missingConfigJsonIsNamed() {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaModel.load(tmp, Device.cpu(), 64));
        assertTrue(e.getMessage().contains("config.json"), e.getMessage());
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        Map<String, NDArray> params = new LinkedHashMap<>(model.parameters());
        params.remove("model.layers.1.mlp.up_proj.weight");
        TINY.write(tmp, "float32");
        SafetensorsWriter.write(tmp, params, SafetensorsReader.DType.F32, 0);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaModel.load(tmp, Device.cpu(), 64));
        assertTrue(e.getMessage().contains("missing tensor model.layers.1.mlp.up_proj.weight"), e.getMessage());
    }

    @Test
    void wrongShapeNamesTensorAndBothShapes() throws Exception {
        Map<String, NDArray> params = new LinkedHashMap<>(model.parameters());
        params.put("model.layers.0.self_attn.k_proj.weight", model.manager().zeros(new Shape(16, 16)));
        TINY.write(tmp, "float32");
        SafetensorsWriter.write(tmp, params, SafetensorsReader.DType.F32, 0);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaModel.load(tmp, Device.cpu(), 64));
        assertTrue(e.getMessage().contains("model.layers.0.self_attn.k_proj.weight"), e.getMessage());
        assertTrue(e.getMessage().contains("(16, 16)") && e.getMessage().contains("(8, 16)"), e.getMessage());
    }

    @Test
    void unknownRopeTypeIsNamed() throws Exception {
        Files.writeString(tmp.resolve("config.json"), """
                {"hidden_size": 16, "intermediate_size": 32, "num_hidden_layers": 2, "num_attention_heads": 4,
                 "vocab_size": 40, "rope_scaling": {"rope_type": "yarn", "factor": 4.0}}""");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> LlamaConfig.read(tmp));
        assertTrue(e.getMessage().contains("yarn"), e.getMessage());
    }

    @Test
    void configRoundTripsThroughConfigJson() throws Exception {
        LlamaConfig scaled = new LlamaConfig(16, 32, 2, 4, 2, 4, 1e-6, 500000.0,
                new LlamaConfig.RopeScaling("llama3", 8.0, 1.0, 4.0, 8192), 131072, 40, true, 128000,
                List.of(128001, 128009), "bfloat16");
        scaled.write(tmp, "bfloat16");
        assertEquals(scaled, LlamaConfig.read(tmp));
        assertEquals(List.of(128001, 128009), LlamaConfig.read(tmp).eosTokenIds());
    }

    @Test
    void llama3RopeScalingSlowsOnlyLongWavelengths() {
        LlamaConfig plain = new LlamaConfig(64, 32, 1, 1, 1, 64, 1e-5, 500000.0, null, 131072, 40, true, 1, List.of(2), "float32");
        LlamaConfig scaled = new LlamaConfig(64, 32, 1, 1, 1, 64, 1e-5, 500000.0,
                new LlamaConfig.RopeScaling("llama3", 8.0, 1.0, 4.0, 8192), 131072, 40, true, 1, List.of(2), "float32");
        double[] a = Rope.inverseFrequencies(plain);
        double[] b = Rope.inverseFrequencies(scaled);
        assertEquals(a[0], b[0], 0.0);                      // highest frequency unchanged
        assertEquals(a[31] / 8.0, b[31], 1e-12);            // lowest frequency divided by factor
    }
}
