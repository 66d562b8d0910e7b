package com.lawyerllama.dataset;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a build does. The settings that shape the records (the recipe) are stored beside the
 * output and must be the same when a build continues; the others (pace, chunking, limits) may change.
 *
 * @param input                   the question file
 * @param format                  its format ({@link QuestionFile#formats()})
 * @param output                  the dataset written, a JSON array as Lawyer LLaMA's files
 *                                ({@code <output>.rejects.jsonl}, {@code .progress.json}, {@code .summary.json} beside it)
 * @param kind                    {@code single} ({@code {query, laws, response}}, format {@code lawyer-llama-rag}) or
 *                                {@code multi-turn} ({@code {query, laws, history}}, format {@code lawyer-llama-multi-turn})
 * @param minTurns                multi-turn: fewest lawyer answers in a dialogue
 * @param maxTurns                multi-turn: most lawyer answers (each dialogue's count is drawn between them)
 * @param distractorShare         share of records where one of the three articles is replaced by a near miss from the index
 * @param seed                    the only source of the build's random choices (turn counts, distractors)
 * @param minAnswerChars          shortest first answer accepted, in characters
 * @param requireCitation         a first answer must cite one of the given articles when the retriever found any
 *                                (off only for self-checks against a small model that cannot cite)
 * @param rejectCutOff            a reply that reached {@code maxTokens} before it ended is rejected
 * @param nearDuplicateThreshold  bigram Jaccard similarity from which a question counts as a repeat (above 1: exact repeats only)
 * @param maxQuestionChars        longer questions are rejected
 * @param limit                   questions to go through (0: all); a later build may raise it and continue
 * @param chunkSize               records written together (a kill loses at most the chunk in progress)
 * @param concurrency             teacher calls in flight at once
 * @param temperature             the teacher's sampling temperature
 * @param maxTokens               longest teacher reply, in tokens
 * @param requestsPerMinute       teacher requests per minute at most (0: no limit)
 * @param maxAttempts             attempts per teacher call before the record is rejected
 * @param backoff                 first pause before a retry (doubled each time, at most a minute)
 * @param unreachableAfter        the build fails when the teacher has answered nothing for this long
 * @param pricePerMillionPrompt   cost of a million prompt tokens, for the cost estimate (null: no estimate)
 * @param pricePerMillionCompletion cost of a million completion tokens
 */
public record BuildSettings(String input, String format, String output, String kind, int minTurns, int maxTurns,
                            double distractorShare, long seed, int minAnswerChars, boolean requireCitation,
                            boolean rejectCutOff, double nearDuplicateThreshold,
                            int maxQuestionChars, int limit, int chunkSize, int concurrency, double temperature,
                            int maxTokens, int requestsPerMinute, int maxAttempts, Duration backoff,
                            Duration unreachableAfter, Double pricePerMillionPrompt, Double pricePerMillionCompletion) {
    public static final String SINGLE = "single";
    public static final String MULTI_TURN = "multi-turn";

    /** The defaults for everything but the files. */
    public static BuildSettings defaults(String input, String format, String output, String kind) {
        return new BuildSettings(input, format, output, kind, 2, 3, 0.0, 1234, 50, true, true, 0.9, 2000, 0, 16, 2, 0.7,
                1024, 60, 4, Duration.ofSeconds(2), Duration.ofMinutes(10), null, null);
    }

    public boolean multiTurn() {
        return MULTI_TURN.equals(kind);
    }

    /** The training-reader format of what this build writes. */
    public String outputFormat() {
        return multiTurn() ? "lawyer-llama-multi-turn" : "lawyer-llama-rag";
    }

    /** Every problem with these settings (the files' existence is checked when the build opens them). */
    public List<String> validate() {
        List<String> problems = new ArrayList<>();
        if (input == null || input.isBlank()) {
            problems.add("input: missing");
        }
        if (output == null || output.isBlank()) {
            problems.add("output: missing");
        }
        if (format == null || !QuestionFile.formats().contains(format)) {
            problems.add("format: must be one of " + QuestionFile.formats() + ", got " + format);
        }
        if (!SINGLE.equals(kind) && !MULTI_TURN.equals(kind)) {
            problems.add("kind: must be '" + SINGLE + "' or '" + MULTI_TURN + "', got " + kind);
        }
        if (minTurns < 2 || maxTurns < minTurns || maxTurns > 8) {
            problems.add("turns: need 2 <= minTurns <= maxTurns <= 8, got " + minTurns + ".." + maxTurns);
        }
        check(problems, distractorShare >= 0 && distractorShare <= 1, "distractorShare must be in [0, 1], got " + distractorShare);
        check(problems, minAnswerChars >= 0 && minAnswerChars <= 10_000, "minAnswerChars must be in [0, 10000], got " + minAnswerChars);
        check(problems, nearDuplicateThreshold > 0 && nearDuplicateThreshold <= 1.01,
                "nearDuplicateThreshold must be in (0, 1] (above 1: exact repeats only), got " + nearDuplicateThreshold);
        check(problems, maxQuestionChars >= 1 && maxQuestionChars <= 20_000, "maxQuestionChars must be in [1, 20000], got " + maxQuestionChars);
        check(problems, limit >= 0, "limit must not be negative, got " + limit);
        check(problems, chunkSize >= 1 && chunkSize <= 10_000, "chunkSize must be in [1, 10000], got " + chunkSize);
        check(problems, concurrency >= 1 && concurrency <= 64, "concurrency must be in [1, 64], got " + concurrency);
        check(problems, temperature >= 0 && temperature <= 2, "temperature must be in [0, 2], got " + temperature);
        check(problems, maxTokens >= 16 && maxTokens <= 32_768, "maxTokens must be in [16, 32768], got " + maxTokens);
        check(problems, requestsPerMinute >= 0 && requestsPerMinute <= 100_000, "requestsPerMinute must be in [0, 100000], got " + requestsPerMinute);
        check(problems, maxAttempts >= 1 && maxAttempts <= 20, "maxAttempts must be in [1, 20], got " + maxAttempts);
        check(problems, backoff != null && !backoff.isNegative() && backoff.compareTo(Duration.ofMinutes(1)) <= 0,
                "backoff must be between 0 and 1 minute, got " + backoff);
        check(problems, unreachableAfter != null && unreachableAfter.compareTo(Duration.ofSeconds(1)) >= 0
                && unreachableAfter.compareTo(Duration.ofDays(1)) <= 0, "unreachableAfter must be between 1 s and 1 day, got " + unreachableAfter);
        check(problems, pricePerMillionPrompt == null || pricePerMillionPrompt >= 0, "pricePerMillionPrompt must not be negative");
        check(problems, pricePerMillionCompletion == null || pricePerMillionCompletion >= 0, "pricePerMillionCompletion must not be negative");
        return problems;
    }

    private static void check(List<String> problems, boolean ok, String problem) {
        if (!ok) {
            problems.add(problem);
        }
    }

    /** The settings that shape the records: a build continues an output only with the same recipe. */
    Map<String, Object> recipe(String inputSha256, String teacher) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("inputSha256", inputSha256);
        r.put("format", format);
        r.put("kind", kind);
        if (multiTurn()) {
            r.put("turns", minTurns + ".." + maxTurns);
        }
        r.put("distractorShare", distractorShare);
        r.put("seed", seed);
        r.put("minAnswerChars", minAnswerChars);
        r.put("requireCitation", requireCitation);
        r.put("rejectCutOff", rejectCutOff);
        r.put("nearDuplicateThreshold", nearDuplicateThreshold);
        r.put("maxQuestionChars", maxQuestionChars);
        r.put("temperature", temperature);
        r.put("maxTokens", maxTokens);
        r.put("teacher", teacher);
        return r;
    }

    public BuildSettings withLimit(int newLimit) {
        return new BuildSettings(input, format, output, kind, minTurns, maxTurns, distractorShare, seed, minAnswerChars,
                requireCitation, rejectCutOff, nearDuplicateThreshold, maxQuestionChars, newLimit, chunkSize, concurrency, temperature, maxTokens,
                requestsPerMinute, maxAttempts, backoff, unreachableAfter, pricePerMillionPrompt, pricePerMillionCompletion);
    }
}
