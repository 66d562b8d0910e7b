package com.lawyerllama.law;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Questions labelled with the articles that answer them, for retrieval evaluation. Two formats,
 * told apart by their fields (a JSON array of objects):
 * <ul>
 *   <li>Lawyer LLaMA ({@code zixun_gpt4.json}, {@code legal_counsel_*_with_article_v2.json}):
 *       {@code {query, laws: ["《民法典》第X条：text", …], history?: […]}}; each {@code laws} entry is
 *       one gold reference, its citation the first one in the entry.</li>
 *   <li>LawBench 3-2 ({@code {instruction, question, answer}}): one article per scenario; the gold
 *       reference is the answer, its citation the first one in it (根据《X法》第Y条… or 根据X法第Y条…).</li>
 * </ul>
 * Citations are parsed with the given parser: LawBench answers mostly write law names without
 * 《》, so give it a parser that knows the corpus names ({@code new CitationParser(LawNames.of(articles))}).
 */
public final class LabelledQuestions {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private LabelledQuestions() {
    }

    /**
     * One gold reference.
     *
     * @param label    the label as written in the data set
     * @param citation the article it names, or null when no citation could be found in it
     */
    public record GoldReference(String label, Citation citation) {
        public GoldReference {
            Objects.requireNonNull(label, "label");
        }
    }

    /**
     * A labelled question.
     *
     * @param index    position in its file, 0-based
     * @param question the question (Lawyer LLaMA {@code query}; LawBench {@code question})
     * @param history  earlier turns of a multi-turn dialogue ("[客户] …", "[律师] …"), else empty
     * @param gold     the gold references, in the data set's order
     */
    public record LabelledQuestion(int index, String question, List<String> history, List<GoldReference> gold) {
        public LabelledQuestion {
            history = List.copyOf(history);
            gold = List.copyOf(gold);
        }

        /** The user's earlier turns ("[客户] …" in the history), without the speaker tag. */
        public List<String> earlierUserTurns() {
            return history.stream().filter(h -> h.startsWith("[客户]")).map(h -> h.substring("[客户]".length()).trim()).toList();
        }

        /** The gold citations that could be parsed. */
        public List<Citation> goldCitations() {
            return gold.stream().map(GoldReference::citation).filter(Objects::nonNull).toList();
        }
    }

    /** Reads a labelled set; throws {@link IllegalArgumentException} for a file in neither format. */
    public static List<LabelledQuestion> read(Path file, CitationParser parser) {
        JsonNode root;
        try {
            root = JSON.readTree(file);
        } catch (JacksonException e) {
            throw new IllegalArgumentException("not JSON: " + file + ": " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isArray()) {
            throw new IllegalArgumentException("expected a JSON array of labelled questions: " + file);
        }
        List<LabelledQuestion> questions = new ArrayList<>(root.size());
        int index = 0;
        for (JsonNode item : root) {
            if (item.has("query") && item.has("laws")) {
                questions.add(lawyerLlama(index, item, parser));
            } else if (item.has("question") && item.has("answer")) {
                questions.add(lawBench(index, item, parser));
            } else {
                throw new IllegalArgumentException(file + " item " + index
                        + ": neither {query, laws} (Lawyer LLaMA) nor {question, answer} (LawBench)");
            }
            index++;
        }
        return questions;
    }

    private static LabelledQuestion lawyerLlama(int index, JsonNode item, CitationParser parser) {
        List<GoldReference> gold = new ArrayList<>();
        for (JsonNode law : item.get("laws")) {
            gold.add(reference(law.asString(), parser));
        }
        List<String> history = new ArrayList<>();
        for (JsonNode turn : item.path("history")) {
            history.add(turn.asString());
        }
        return new LabelledQuestion(index, item.get("query").asString(), history, gold);
    }

    private static LabelledQuestion lawBench(int index, JsonNode item, CitationParser parser) {
        return new LabelledQuestion(index, item.get("question").asString(), List.of(),
                List.of(reference(item.get("answer").asString(), parser)));
    }

    private static GoldReference reference(String label, CitationParser parser) {
        List<Citation> citations = parser.parse(label);
        return new GoldReference(label, citations.isEmpty() ? null : citations.get(0));
    }
}
