package com.lawyerllama.training;

import com.lawyerllama.llama.PromptFormat;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a dialogue into token ids and a loss mask, in exactly the text form the service serves
 * ({@link PromptFormat}): the system line, earlier turns as {@code ### Human: q\n### Assistant: a\n},
 * the last question (with its {@code ### 参考法条:} block when the example carries articles), then
 * {@code ### Assistant:} and the answer, then EOS.
 *
 * <p>Only answer tokens (every assistant turn's text, and the final EOS) are targets. The whole
 * text is tokenized at once, as the service tokenizes a prompt; the answer spans are located by
 * tokenizing the text up to each span's start and end.
 */
public final class SftEncoder {
    private final Tokenizer tokenizer;

    public SftEncoder(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /**
     * @param ids    BOS, the text, EOS
     * @param target {@code target[i]} when token {@code i} is an answer token (predicted with loss)
     */
    public record Encoded(int[] ids, boolean[] target) {
    }

    /** The dialogue's text and, for each assistant answer, its [start, end) character span. */
    record Rendered(String text, List<int[]> answerSpans) {
    }

    static Rendered render(Example.Dialogue d) {
        StringBuilder text = new StringBuilder(PromptFormat.SYSTEM_PROMPT).append('\n');
        List<int[]> spans = new ArrayList<>();
        List<Example.Turn> turns = d.turns();
        for (int i = 0; i < turns.size(); i++) {
            boolean last = i == turns.size() - 1;
            String question = last ? PromptFormat.userContent(turns.get(i).human(), d.articles()) : turns.get(i).human().strip();
            text.append(PromptFormat.HUMAN).append(question).append('\n');
            // The service's prompt ends with "### Assistant:"; the answer's leading space is the model's to write.
            text.append(PromptFormat.ASSISTANT.stripTrailing());
            int start = text.length();
            text.append(' ').append(turns.get(i).assistant().strip());
            spans.add(new int[] {start, text.length()});
            if (!last) {
                text.append('\n');
            }
        }
        return new Rendered(text.toString(), spans);
    }

    public Encoded encode(Example.Dialogue dialogue) {
        Rendered r = render(dialogue);
        int[] body = tokenizer.encode(r.text(), tokenizer.addsBos());
        int[] ids = new int[body.length + 1];
        System.arraycopy(body, 0, ids, 0, body.length);
        ids[body.length] = tokenizer.eosId();
        boolean[] target = new boolean[ids.length];
        for (int[] span : r.answerSpans()) {
            int from = commonPrefix(tokenizer.encode(r.text().substring(0, span[0]), tokenizer.addsBos()), body);
            int to = span[1] == r.text().length() ? body.length
                    : commonPrefix(tokenizer.encode(r.text().substring(0, span[1]), tokenizer.addsBos()), body);
            for (int i = from; i < to; i++) {
                target[i] = true;
            }
        }
        target[body.length] = true;   // EOS ends the final answer
        return new Encoded(ids, target);
    }

    private static int commonPrefix(int[] a, int[] b) {
        int n = Math.min(a.length, b.length);
        int i = 0;
        while (i < n && a[i] == b[i]) {
            i++;
        }
        return i;
    }
}
