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
 *   <li>LawBench 3-4 / 3-5 (the same form, the question holding {@code 事实:… 罪名:… 法条:刑法第264条…}):
 *       the question is the facts alone (without 事实:, and nothing from 罪名: on, which names the charge
 *       and the articles); the gold references are the articles cited after 法条:.</li>
 *   <li>Weak labels from reference answers: Alpaca {@code {instruction, input, output}} (Lawyer LLaMA's
 *       {@code legal_advice.json}, whose items are one-element arrays, and {@code judical_examination.json})
 *       and {@code {input, output, …}} ({@code fakao_gpt4.json}, DISC-LawLLM's {@code qa_short_answer.json}):
 *       the question is the instruction and input; the gold references are every distinct article the
 *       answer cites. An answer citing no article gives a question without gold, which evaluation skips.</li>
 * </ul>
 * Citations are parsed with the given parser: LawBench answers mostly write law names without
 * 《》, so give it a parser that knows the corpus names ({@code new CitationParser(LawNames.of(articles))}).
 */
public final class LabelledQuestions {

    private static final JsonMapper JSON = JsonMapper.builder().build();

    private static final String FACTS = "事实:";
    private static final String CHARGE = "罪名:";
    private static final String ARTICLES = "法条:";
    private static final java.util.regex.Pattern NUMBER_LIST = java.util.regex.Pattern.compile("第([0-9]+(?:\\s*[、，,]\\s*[0-9]+)+)条");

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
        for (JsonNode element : root) {
            // legal_advice.json wraps each Alpaca record in a one-element array.
            JsonNode item = element.isArray() && element.size() == 1 ? element.get(0) : element;
            if (item.has("query") && item.has("laws")) {
                questions.add(lawyerLlama(index, item, parser));
            } else if (item.has("question") && item.has("answer")) {
                questions.add(lawBench(index, item, parser));
            } else if (item.has("input") && item.has("output")) {
                questions.add(answerCitations(index, item, parser));
            } else {
                throw new IllegalArgumentException(file + " item " + index
                        + ": neither {query, laws} (Lawyer LLaMA), {question, answer} (LawBench) nor {input, output}"
                        + " (a reference answer)");
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
        String question = item.get("question").asString();
        int charge = question.indexOf(CHARGE);
        int articles = question.indexOf(ARTICLES);
        if (charge > 0 && articles > charge) {
            // 3-4 / 3-5: the facts are the question; the articles after 法条: are its gold.
            String facts = question.substring(0, charge).strip();
            facts = facts.startsWith(FACTS) ? facts.substring(FACTS.length()).strip() : facts;
            String cited = question.substring(articles + ARTICLES.length());
            int content = cited.indexOf("法条内容");
            return new LabelledQuestion(index, facts, List.of(),
                    distinctCitations(expandNumberLists(content < 0 ? cited : cited.substring(0, content)), parser));
        }
        return new LabelledQuestion(index, question, List.of(), List.of(reference(item.get("answer").asString(), parser)));
    }

    private static LabelledQuestion answerCitations(int index, JsonNode item, CitationParser parser) {
        String instruction = item.path("instruction").asString("").strip();
        String input = item.get("input").asString("").strip();
        String question = instruction.isEmpty() ? input : input.isEmpty() ? instruction : instruction + "\n" + input;
        return new LabelledQuestion(index, question, List.of(), distinctCitations(item.get("output").asString(""), parser));
    }

    /** 刑法第234、275条 (LawBench's shorthand for several articles) as 刑法第234条、第275条, which the parser reads. */
    static String expandNumberLists(String text) {
        return NUMBER_LIST.matcher(text).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                java.util.Arrays.stream(m.group(1).split("[、，,]")).map(n -> "第" + n.strip() + "条")
                        .collect(java.util.stream.Collectors.joining("、"))));
    }

    /** One gold reference per distinct article cited in {@code text}, labelled with the citation as written. */
    private static List<GoldReference> distinctCitations(String text, CitationParser parser) {
        java.util.Map<String, GoldReference> distinct = new java.util.LinkedHashMap<>();
        for (Citation c : parser.parse(text)) {
            distinct.putIfAbsent(c.canonical(), new GoldReference(c.text(), c));
        }
        return List.copyOf(distinct.values());
    }

    private static GoldReference reference(String label, CitationParser parser) {
        List<Citation> citations = parser.parse(label);
        return new GoldReference(label, citations.isEmpty() ? null : citations.get(0));
    }
}
