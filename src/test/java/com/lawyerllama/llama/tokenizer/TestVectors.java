package com.lawyerllama.llama.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * llama.cpp's tokenizer test vectors: the {@code .inp} strings are separated by
 * {@code "\n__ggml_vocab_test__\n"} (one after the last too), the {@code .out} file has one
 * line of space-separated ids (no BOS) per string.
 */
record TestVectors(List<String> inputs, List<int[]> expected) {
    static final String DIR = "tokenizers/llama-spm-gguf-testvectors/";

    static TestVectors llamaSpm() throws IOException {
        return read(DIR + "ggml-vocab-llama-spm.gguf", 46);
    }

    /** llama.cpp's vectors for the Qwen2 vocabulary (the same byte-level BPE as Qwen2.5 and Qwen3). */
    static TestVectors qwen2() throws IOException {
        return read("tokenizers/qwen3/ggml-vocab-qwen2.gguf", 46);
    }

    private static TestVectors read(String prefix, int count) throws IOException {
        String inp = Files.readString(SharedData.path(prefix + ".inp"), StandardCharsets.UTF_8);
        String out = Files.readString(SharedData.path(prefix + ".out"), StandardCharsets.UTF_8);
        String separator = "\n__ggml_vocab_test__\n";
        assertThat(inp).endsWith(separator);
        List<String> inputs = Arrays.asList(inp.substring(0, inp.length() - separator.length()).split(separator, -1));
        List<int[]> expected = new ArrayList<>();
        for (String line : out.split("\n", -1)) {
            expected.add(line.isBlank() ? new int[0] : Arrays.stream(line.trim().split(" ")).mapToInt(Integer::parseInt).toArray());
        }
        assertThat(expected.remove(expected.size() - 1)).isEmpty(); // the final newline
        assertThat(inputs).hasSize(count);
        assertThat(expected).hasSize(count);
        return new TestVectors(inputs, expected);
    }
}
