package com.lawyerllama.training;

import java.util.List;

/** One training record after reading: raw text for continual pretraining, or a dialogue for SFT. */
public sealed interface Example {

    /** A document of raw text (causal-lm objective). */
    record Text(String text) implements Example {
    }

    /**
     * A conversation whose assistant turns are the targets.
     *
     * @param turns    human question and assistant answer pairs, in order
     * @param articles statute articles ({@code 《X法》第Y条：text}) given to the assistant in the prompt; may be empty
     */
    record Dialogue(List<Turn> turns, List<String> articles) implements Example {
        public Dialogue {
            turns = List.copyOf(turns);
            articles = articles == null ? List.of() : List.copyOf(articles);
        }
    }

    record Turn(String human, String assistant) {
    }
}
