package com.lawyerllama.retrieval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.lawyerllama.law.ArticleCatalog;
import com.lawyerllama.law.ArticleReadResult;
import com.lawyerllama.law.CitationParser;
import com.lawyerllama.law.LabelledQuestions;
import com.lawyerllama.law.LawArea;
import com.lawyerllama.law.LawNames;
import com.lawyerllama.law.LawRefBookReader;
import com.lawyerllama.retrieval.RetrievalEvaluation.Split;
import com.lawyerllama.retrieval.dense.RetrieverData;
import com.lawyerllama.testsupport.SharedData;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The all-law collection's parts: no question is both held out and trained on (by the shipped
 * retriever or in the collection's own training part), and the held-out part spans the areas of law.
 */
class AllLawCollectionTest {

    private static ArticleCatalog catalog;
    private static List<AllLawCollection.Question> collection;

    @BeforeAll
    static void read() {
        ArticleReadResult corpus = LawRefBookReader.read(SharedData.path("laws"));
        catalog = ArticleCatalog.of(corpus.uniqueArticles());
        CitationParser parser = new CitationParser(LawNames.of(corpus.uniqueArticles()));
        collection = AllLawCollection.read(SharedData.dir(), parser);
    }

    @Test
    void noQuestionIsInTwoPartsAndNoneIsTheRetrieversTrainingData() {
        // What the shipped retriever trains on: its sets outside the dev fifth and its own validation tenth.
        Set<String> retrieverTraining = new HashSet<>();
        for (String set : AllLawCollection.RETRIEVER_TRAINING_SETS) {
            for (LabelledQuestions.LabelledQuestion q : LabelledQuestions.read(SharedData.path(set), CitationParser.withoutCorpus())) {
                if (!DevSplit.isDev(q.question()) && !RetrieverData.isValidation(q.question())) {
                    retrieverTraining.add(AllLawCollection.normalise(q.question()));
                }
            }
        }
        Map<String, Split> partOf = new HashMap<>();
        for (AllLawCollection.Question q : collection) {
            String text = AllLawCollection.normalise(q.question().question());
            Split earlier = partOf.put(text, q.part());
            assertTrue(earlier == null, "in the collection twice: " + text);
            if (q.part() != Split.TRAIN) {
                assertFalse(retrieverTraining.contains(text), "held out or validating, yet the retriever trained on it: " + text);
            }
        }
        // The same text always gets the same part, whichever source it came from.
        for (AllLawCollection.Question q : collection) {
            if (!q.source().equals("3-2.json")) {
                assertEquals(q.part(), AllLawCollection.partOf(AllLawCollection.Origin.WEAK_LABELS,
                        " " + q.question().question() + "\n"));
            }
        }
    }

    @Test
    void lawBench32KeepsOnlyWhatTheRetrieverNeverRead() {
        List<AllLawCollection.Question> scenarios = collection.stream().filter(q -> q.source().equals("3-2.json")).toList();
        assertFalse(scenarios.isEmpty());
        for (AllLawCollection.Question q : scenarios) {
            boolean dev = DevSplit.isDev(q.question().question());
            assertEquals(dev ? Split.DEV : Split.VALIDATION, q.part());
            assertTrue(dev || RetrieverData.isValidation(q.question().question()));
        }
    }

    @Test
    void everySourceContributesAndTheHeldOutPartSpansTheAreas() {
        Map<String, Integer> bySource = new HashMap<>();
        Map<Split, Integer> byPart = new EnumMap<>(Split.class);
        Map<LawArea, Integer> heldOutAreas = new EnumMap<>(LawArea.class);
        for (AllLawCollection.Question q : collection) {
            bySource.merge(q.source(), 1, Integer::sum);
            byPart.merge(q.part(), 1, Integer::sum);
            if (q.part() == Split.DEV) {
                LawArea area = LawArea.ofAll(q.question().goldCitations().stream().map(catalog::resolve)
                        .flatMap(java.util.Optional::stream).toList());
                if (area != null) {
                    heldOutAreas.merge(area, 1, Integer::sum);
                }
            }
        }
        for (AllLawCollection.Source source : AllLawCollection.SOURCES) {
            assertTrue(bySource.getOrDefault(source.name(), 0) > 0, "no question from " + source.path());
        }
        // LawBench 3-5's 500 criminal cases, each citing the articles the judgement applied.
        assertEquals(500, bySource.get("3-5.json"));
        int weak = collection.size() - bySource.get("3-2.json");
        assertTrue(weak > 1_000, "weak-label questions: " + weak);
        assertTrue(byPart.get(Split.DEV) > 0.3 * weak && byPart.get(Split.TRAIN) < 0.3 * weak, byPart.toString());
        assertTrue(heldOutAreas.getOrDefault(LawArea.CRIMINAL, 0) >= 150, heldOutAreas.toString());
        assertTrue(heldOutAreas.size() >= 10, "areas held out: " + heldOutAreas);
    }

    @Test
    void criminalFactsLeaveOutTheChargeAndTheArticlesTheyCite() {
        AllLawCollection.Question first = collection.stream()
                .filter(q -> q.source().equals("3-5.json") && q.question().index() == 0).findFirst().orElseThrow();
        String question = first.question().question();
        assertTrue(question.startsWith("公诉机关指控"), question);
        assertFalse(question.contains("罪名") || question.contains("法条") || question.contains("第264条"), question);
        assertEquals(List.of("《刑法》第二百六十四条"), first.question().goldCitations().stream()
                .map(c -> Objects.requireNonNull(c).canonical()).toList());
    }
}
