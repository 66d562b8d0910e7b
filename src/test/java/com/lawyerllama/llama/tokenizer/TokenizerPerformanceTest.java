package com.lawyerllama.llama.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.io.BufferedReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import org.junit.jupiter.api.Test;

/** Encoding must keep up with training data pipelines: 1 MB of Chinese text well under a few seconds. */
class TokenizerPerformanceTest {

    @Test
    void encodesOneMegabyteOfChineseTextQuickly() throws Exception {
        StringBuilder text = new StringBuilder();
        try (BufferedReader lines = Files.newBufferedReader(
                SharedData.path("general-text/zh/zhwiki_sample_simplified.jsonl"), StandardCharsets.UTF_8)) {
            String line;
            long bytes = 0;
            while (bytes < 1 << 20 && (line = lines.readLine()) != null) {
                text.append(line).append('\n'); // JSON lines, escapes and all: mostly Chinese
                bytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
            }
        }
        String megabyte = text.toString();
        assertThat(megabyte.getBytes(StandardCharsets.UTF_8).length).isGreaterThanOrEqualTo(1 << 20);
        for (String name : new String[] {"llama2/tokenizer.model", "chinese-llama-2/tokenizer.model"}) {
            Tokenizer tokenizer = Tokenizers.load(SharedData.path("tokenizers/" + name));
            tokenizer.encode(megabyte.substring(0, 20_000)); // warm-up
            long start = System.nanoTime();
            int[] ids = tokenizer.encode(megabyte);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("%s: %,d bytes → %,d tokens in %.3f s (%.1f MB/s)%n", name,
                    megabyte.getBytes(StandardCharsets.UTF_8).length, ids.length, seconds, 1.0 / seconds);
            assertThat(tokenizer.decode(ids)).isEqualTo(megabyte);
            assertThat(seconds).as("seconds for 1 MB with " + name).isLessThan(3.0);
        }
    }
}
