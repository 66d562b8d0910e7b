package com.lawyerllama.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.Cli;
import org.junit.jupiter.api.Test;

/** {@code bench --profile} prints where a decode step's time goes, beside the speeds. */
class BenchCommandTest {

    @Test
    void profilePrintsTheStepTheWeightProductsTheOpCallsAndTheRest() {
        Cli.Result r = Cli.run("bench", "--random", "dim=64,layers=2,heads=4,kv=2,hidden=172,vocab=512",
                "--prompt-tokens", "8", "--new-tokens", "16", "--warmup", "4", "--profile");

        assertThat(r.code()).as(r.stderr()).isZero();
        assertThat(r.stdout()).containsPattern("(?m)^decode +[0-9.]+ tokens/s")
                .containsPattern("(?m)^profile +decode step [0-9]+ µs of CPU time \\(median of 16 steps")
                // 2 layers × ([Wq; Wk; Wv], Wo, [Wgate; Wup], Wdown) + the classifier, 64·(64+2·32)+64·64+3·64·172 per layer + 512·64
                .containsPattern("(?m)^  weights +9 products by the weight matrices \\(123,392 parameters\\)")
                .containsPattern("(?m)^  op calls +[0-9]+ other arrays created per step × [0-9.]+ µs for a bare op")
                .containsPattern("(?m)^  rest +-?[0-9]+ µs");
    }
}
