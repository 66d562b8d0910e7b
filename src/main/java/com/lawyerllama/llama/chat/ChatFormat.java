package com.lawyerllama.llama.chat;

import java.util.List;
import java.util.Set;

/**
 * How chat messages become the text a model continues: the checkpoint's own Jinja chat template
 * ({@link ChatTemplate}) or Lawyer LLaMA's {@code ### Human:} format ({@link LawyerLlamaFormat}).
 * {@link #render} is the single entry point every caller uses (consultations, {@code generate --chat},
 * the Spring AI chat model, OpenAI-style endpoints). {@link ChatFormats#forModel} picks the format a
 * model directory calls for.
 */
public interface ChatFormat {

    /**
     * The prompt text for {@code messages}; with {@code addGenerationPrompt} it ends where the
     * assistant's next answer begins.
     *
     * @throws ChatTemplateException when the template cannot render these messages
     */
    String render(List<ChatMessage> messages, boolean addGenerationPrompt);

    /** Text at which generation stops (the start of the next turn, for formats without an end-of-turn token). */
    List<String> stopStrings();

    /** Token ids that end the assistant's turn (e.g. {@code <|im_end|>}), in addition to the model's EOS. */
    Set<Integer> endOfTurnIds();

    /** For health and info: "own" (the checkpoint's template) or "Lawyer LLaMA". */
    String kind();

    /** Where the format comes from, e.g. "tokenizer_config.json" or "### Human: / ### Assistant:". */
    String source();
}
