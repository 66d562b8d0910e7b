package com.lawyerllama.retrieval;

import com.lawyerllama.law.CitationParser;
import com.lawyerllama.law.LabelledQuestions;
import com.lawyerllama.law.LabelledQuestions.LabelledQuestion;
import com.lawyerllama.retrieval.RetrievalEvaluation.Split;
import com.lawyerllama.retrieval.dense.RetrieverData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The all-law dev collection: labelled questions from across Chinese law that the shipped retriever
 * was not trained on, each in a held-out part ({@link Split#DEV}), a validation part (for choosing
 * settings: fusion weights, candidate counts, floors, gates) or a training part (for training on
 * labels beyond the retriever's own sets, never evaluated on).
 *
 * <p>Sources (paths relative to the shared data root):
 * <ul>
 *   <li>{@code lawbench/3-2.json}: scenarios, one article each, across all of law. The retriever trains
 *       on this set's non-dev part, so only what it never read is taken: the questions of
 *       {@link DevSplit}'s held-out fifth are held out here too, and the questions the retriever's
 *       training holds out for validation ({@link RetrieverData#isValidation}) validate; the rest is
 *       left out (it is the retriever's training data).</li>
 *   <li>Weak labels, the articles that reference answers cite, found by the citation parser:
 *       LawBench 3-5 (criminal facts → the 刑法 articles the judgement applied), Lawyer LLaMA's
 *       {@code fakao_gpt4.json} and {@code judical_examination.json} (exam questions with explained
 *       answers), {@code legal_advice.json} (lay questions; two answers cite articles), DISC-LawLLM's
 *       {@code qa_short_answer.json} (cases and questions with reference answers). No retriever training
 *       reads them. Their parts come from a digest of the question's text (whitespace removed), so a
 *       question found in two sources lands in the same part: two in five held out, two in five
 *       validation, one in five training.</li>
 * </ul>
 * A weak-label question whose text (whitespace removed) is also a question of the retriever's own
 * training sets ({@link #RETRIEVER_TRAINING_SETS}) is left out, as is a repeat of a question already
 * taken (LawBench 3-4 repeats 3-5's facts, so only 3-5 is read). Questions without a gold article
 * are left out.
 */
public final class AllLawCollection {

    /** How a source's questions are split. */
    public enum Origin {
        /** One of the retriever's training sets: dev by {@link DevSplit}, validation by {@link RetrieverData#isValidation}, the rest left out. */
        RETRIEVER_TRAINING_SET,
        /** Labels no retriever training reads: held out / validation / training by a digest of the text. */
        WEAK_LABELS
    }

    /** A source file, relative to the data root. */
    public record Source(String path, Origin origin) {
        public String name() {
            return Path.of(path).getFileName().toString();
        }
    }

    /** The collection's sources, in reading order. */
    public static final List<Source> SOURCES = List.of(
            new Source("lawbench/3-2.json", Origin.RETRIEVER_TRAINING_SET),
            new Source("lawbench/3-5.json", Origin.WEAK_LABELS),
            new Source("lawyer-llama/fakao_gpt4.json", Origin.WEAK_LABELS),
            new Source("lawyer-llama/judical_examination.json", Origin.WEAK_LABELS),
            new Source("lawyer-llama/legal_advice.json", Origin.WEAK_LABELS),
            new Source("disc-lawllm-eval/eval/datasets/subjective/qa_short_answer.json", Origin.WEAK_LABELS));

    /** The labelled sets the shipped retriever ({@code plans/retriever.json}) trains on, outside their dev fifth. */
    public static final List<String> RETRIEVER_TRAINING_SETS = List.of(
            "lawyer-llama/zixun_gpt4.json",
            "lawyer-llama/legal_counsel_with_article_v2.json",
            "lawyer-llama/legal_counsel_multi_turn_with_article_v2.json",
            "lawbench/3-2.json");

    /**
     * A question of the collection.
     *
     * @param source the file's name ({@code 3-5.json})
     * @param part   {@link Split#DEV} (held out), {@link Split#VALIDATION} or {@link Split#TRAIN}
     */
    public record Question(String source, LabelledQuestion question, Split part) {
    }

    private AllLawCollection() {
    }

    /**
     * Reads the collection under {@code dataRoot} (the shared data directory).
     *
     * @throws IllegalArgumentException when a source is missing
     */
    public static List<Question> read(Path dataRoot, CitationParser parser) {
        Set<String> retrieverTraining = new HashSet<>();
        for (String set : RETRIEVER_TRAINING_SETS) {
            for (LabelledQuestion q : LabelledQuestions.read(existing(dataRoot, set), parser)) {
                if (!DevSplit.isDev(q.question())) {
                    retrieverTraining.add(normalise(q.question()));
                }
            }
        }
        List<Question> questions = new ArrayList<>();
        Set<String> taken = new HashSet<>();
        for (Source source : SOURCES) {
            for (LabelledQuestion q : LabelledQuestions.read(existing(dataRoot, source.path()), parser)) {
                if (q.goldCitations().isEmpty()) {
                    continue;
                }
                String text = normalise(q.question());
                if (text.isEmpty() || !taken.add(text)) {
                    continue;
                }
                Split part = partOf(source.origin(), q.question());
                if (part == null || source.origin() == Origin.WEAK_LABELS && retrieverTraining.contains(text)) {
                    continue;
                }
                questions.add(new Question(source.name(), q, part));
            }
        }
        return questions;
    }

    /** The questions of {@code questions} in {@code split} ({@link Split#ALL}: every one). */
    public static List<Question> inSplit(List<Question> questions, Split split) {
        return questions.stream().filter(q -> split == Split.ALL || q.part() == split).toList();
    }

    /** The part a question of a source of {@code origin} belongs to; null when it is left out. */
    static Split partOf(Origin origin, String question) {
        if (origin == Origin.RETRIEVER_TRAINING_SET) {
            if (DevSplit.isDev(question)) {
                return Split.DEV;
            }
            return RetrieverData.isValidation(question) ? Split.VALIDATION : null;
        }
        int bucket = bucket(normalise(question));
        return bucket < 2 ? Split.DEV : bucket < 4 ? Split.VALIDATION : Split.TRAIN;
    }

    /** 0–4 from the first bytes of a SHA-256 of the text: stable across JVMs and file orders. */
    private static int bucket(String text) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            long value = 0;
            for (int i = 0; i < 8; i++) {
                value = value << 8 | (digest[i] & 0xff);
            }
            return (int) Long.remainderUnsigned(value, 5);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static String normalise(String question) {
        return question.replaceAll("\\s+", "");
    }

    private static Path existing(Path root, String relative) {
        Path file = root.resolve(relative);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("labelled set of the all-law collection not found: " + file.toAbsolutePath());
        }
        return file;
    }
}
