package com.lawyerllama.evaluation;

import com.lawyerllama.consult.ConsultRequest;
import com.lawyerllama.consult.ConsultResponse;
import com.lawyerllama.consult.ConsultationService;
import com.lawyerllama.law.Citation;
import com.lawyerllama.law.CitationParser;
import com.lawyerllama.law.LabelledQuestions;
import com.lawyerllama.retrieval.DevSplit;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code eval answers}: runs each dev-split question of a labelled Lawyer LLaMA set
 * ({@code {query, laws, response}}) through the real consultation path (retrieval, prompt, the
 * engine, the citation check) and counts the answers' citations ({@link AnswerCitationCounts})
 * against the gold articles, with character-level ROUGE-L against the reference response.
 */
public final class AnswerEvaluation {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private AnswerEvaluation() {
    }

    public record SetResult(String set, AnswerCitationCounts counts) {
    }

    /** Progress: consultations done of the set's total. */
    @FunctionalInterface
    public interface Progress {
        void update(int done, int total);
    }

    public static SetResult evaluate(Path set, Integer limit, ConsultationService service, CitationParser parser,
                                     long timeoutSeconds, Progress progress) {
        if (set == null || !Files.isRegularFile(set)) {
            throw new EvaluationException("labelled set not found: " + set);
        }
        if (limit != null && (limit < 1 || limit > ModelEvaluation.MAX_LIMIT)) {
            throw new EvaluationException("limit must be between 1 and " + ModelEvaluation.MAX_LIMIT + ", got " + limit);
        }
        List<LabelledQuestions.LabelledQuestion> questions;
        JsonNode records;
        try {
            questions = LabelledQuestions.read(set, parser);
            records = JSON.readTree(Files.readString(set));
        } catch (IllegalArgumentException | IOException e) {
            throw new EvaluationException("labelled set " + set + " cannot be read: " + e.getMessage(), e);
        }
        List<LabelledQuestions.LabelledQuestion> dev = questions.stream()
                .filter(q -> q.history().isEmpty() && DevSplit.isDev(q.question()))
                .limit(limit == null ? Long.MAX_VALUE : limit).toList();
        AnswerCitationCounts counts = AnswerCitationCounts.empty();
        int done = 0;
        for (LabelledQuestions.LabelledQuestion q : dev) {
            JsonNode record = records.get(q.index());
            String reference = record != null && record.has("response") ? record.get("response").asString() : "";
            ConsultResponse response;
            ConsultationService.Turn turn = service.consult(new ConsultRequest(q.question(), null, null, 0.0, null),
                    ConsultationService.Listener.NONE);
            try {
                response = turn.result().get(timeoutSeconds, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                turn.cancel().run();
                Thread.currentThread().interrupt();
                break;
            } catch (ExecutionException | TimeoutException e) {
                turn.cancel().run();
                throw new EvaluationException("consultation failed on question " + (q.index() + 1) + " of " + set + ": "
                        + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()), e);
            }
            List<String> gold = q.goldCitations().stream().map(Citation::canonical).toList();
            counts = counts.add(response.citations(), gold, response.answer(), reference);
            progress.update(++done, dev.size());
        }
        return new SetResult(set.getFileName().toString(), counts);
    }
}
