package com.lawyerllama.dataset;

import com.lawyerllama.consult.CitationChecker;
import com.lawyerllama.consult.ConsultProperties;
import com.lawyerllama.consult.ConsultResponse;
import com.lawyerllama.law.Article;
import com.lawyerllama.retrieval.ArticleRetriever;
import com.lawyerllama.retrieval.DistractorArticles;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Builds training records from questions with a teacher model, as Lawyer LLaMA built its data:
 * for each question the service's own retriever picks the articles (the consultation's three, as
 * the index holds them), the teacher answers with the six requirements and the articles in its
 * prompt, and the quality gate decides. Single-turn records are {@code {query, laws, response}};
 * multi-turn ones let the teacher play the client and the lawyer in turn, the first turn's
 * articles pinned, and are {@code {query, laws, history: ["[客户] …", "[律师] …", …]}}.
 *
 * <p>Questions are taken in file order, a chunk at a time; a chunk's records and rejects are
 * written together ({@link BuildOutput}), so a build that stops (killed, cancelled, the teacher
 * unreachable) loses at most the chunk in progress, and running it again on the same output
 * continues after the last record written.
 */
@Component
public class DatasetBuilder {
    private static final Logger log = LoggerFactory.getLogger(DatasetBuilder.class);
    private static final JsonMapper JSON = JsonMapper.builder().build();
    static final String UNREADABLE = "unreadable-input";
    static final String TOO_LONG = "question-too-long";
    static final String DUPLICATE = "duplicate-question";
    static final String NEAR_DUPLICATE = "near-duplicate-question";
    static final String TEACHER_REFUSED = "teacher-refused";
    static final String TEACHER_MALFORMED = "teacher-malformed";
    static final String TEACHER_UNAVAILABLE = "teacher-unavailable";
    static final String CUT_OFF = "cut-off";
    /** Near misses fetched to draw a distractor from. */
    private static final int NEAR_MISSES = 10;

    /** Sees the report after every chunk. */
    public interface Listener {
        void onProgress(BuildReport soFar);

        Listener NONE = soFar -> { };
    }

    /** How a build ended. */
    public enum State { SUCCEEDED, CANCELLED, INTERRUPTED, FAILED }

    /** The end of a build: its state, the report, and why it stopped when it did not succeed. */
    public record Result(State state, BuildReport report, String error) {
    }

    private final ArticleRetriever retriever;
    private final DistractorArticles distractors;
    private final CitationChecker citations;
    private final int articles;

    public DatasetBuilder(ArticleRetriever retriever, DistractorArticles distractors, CitationChecker citations,
                          ConsultProperties consult) {
        this.retriever = retriever;
        this.distractors = distractors;
        this.citations = citations;
        this.articles = consult.articles();
    }

    /**
     * Runs (or continues) a build to its end.
     *
     * @throws IllegalArgumentException bad settings or an unreadable question file (nothing written)
     * @throws BuildOutput.Conflict     another build writes the output, or it was built with other settings
     */
    public Result build(BuildSettings settings, Teacher teacher, Listener listener, BooleanSupplier cancel) {
        List<String> problems = settings.validate();
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        Path input = Path.of(settings.input());
        List<QuestionFile.Question> questions = QuestionFile.read(input, settings.format());
        Path outputPath = Path.of(settings.output()).toAbsolutePath().normalize();
        Map<String, Object> recipe = settings.recipe(sha256(input), teacher.describe());
        int total = settings.limit() > 0 ? Math.min(settings.limit(), questions.size()) : questions.size();
        BuildReport empty = new BuildReport(outputPath.toString(), BuildOutput.sibling(outputPath, ".rejects.jsonl").toString(),
                settings.outputFormat(), teacher.describe(), total, 0, 0, Map.of(), 0, 0, 0, 0, cost(settings, 0, 0));
        try (BuildOutput out = BuildOutput.open(outputPath, recipe, empty)) {
            return new Run(settings, teacher, questions, total, out, listener, cancel).go();
        }
    }

    /** One build from open to end. */
    private final class Run {
        final BuildSettings s;
        final Teacher teacher;
        final List<QuestionFile.Question> questions;
        final int total;
        final BuildOutput out;
        final Listener listener;
        final BooleanSupplier cancel;
        final AtomicBoolean interrupted = new AtomicBoolean();
        final TeacherCalls calls;
        final QualityGate gate;
        final NearDuplicates seen;
        final BuildReport before;

        Run(BuildSettings s, Teacher teacher, List<QuestionFile.Question> questions, int total, BuildOutput out,
            Listener listener, BooleanSupplier cancel) {
            this.s = s;
            this.teacher = teacher;
            this.questions = questions;
            this.total = total;
            this.out = out;
            this.listener = listener;
            this.cancel = cancel;
            this.calls = new TeacherCalls(teacher, s.requestsPerMinute(), s.maxAttempts(), s.backoff(), s.unreachableAfter(),
                    () -> cancel.getAsBoolean() || interrupted.get());
            this.gate = new QualityGate(citations, s.minAnswerChars());
            this.seen = new NearDuplicates(s.nearDuplicateThreshold());
            this.before = out.progress().report();
        }

        Result go() {
            int next = out.progress().nextQuestion();
            // The repeats are decided in file order: replay the questions already done.
            for (int i = 0; i < Math.min(next, questions.size()); i++) {
                screen(questions.get(i));
            }
            BuildReport report = report(next, before.written(), before.rejected());
            listener.onProgress(report);
            if (next > 0) {
                log.info("Build of {} continues at question {} of {} ({} records written before)", out.output, next, total,
                        before.written());
            }
            ExecutorService pool = Executors.newFixedThreadPool(s.concurrency(), r -> {
                Thread t = new Thread(r, "dataset-build-teacher");
                t.setDaemon(true);
                return t;
            });
            try {
                while (next < total) {
                    if (cancel.getAsBoolean()) {
                        return end(State.CANCELLED, report, "cancelled after question " + next + " of " + total);
                    }
                    int end = Math.min(total, next + s.chunkSize());
                    List<Future<Outcome>> work = new ArrayList<>();
                    for (int i = next; i < end; i++) {
                        QuestionFile.Question q = questions.get(i);
                        Outcome screened = screen(q);
                        work.add(screened != null ? java.util.concurrent.CompletableFuture.completedFuture(screened)
                                : pool.submit(() -> answer(q)));
                    }
                    List<JsonNode> records = new ArrayList<>();
                    List<JsonNode> rejected = new ArrayList<>();
                    Map<String, Integer> reasons = new HashMap<>(report.rejected());
                    int done = next;
                    RuntimeException failure = null;
                    for (Future<Outcome> f : work) {
                        Outcome o;
                        try {
                            o = f.get();
                        } catch (InterruptedException e) {
                            interrupted.set(true);
                            Thread.currentThread().interrupt();
                            break;
                        } catch (ExecutionException e) {
                            if (!(e.getCause() instanceof TeacherCalls.Stopped)) {
                                failure = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
                                interrupted.set(true);      // the chunk's other calls stop too
                            }
                            break;
                        }
                        if (o.record() != null) {
                            records.add(o.record());
                        } else {
                            rejected.add(o.reject());
                            reasons.merge(o.reject().get("reason").asString(), 1, Integer::sum);
                        }
                        done++;
                    }
                    boolean stopping = failure != null || interrupted.get() || cancel.getAsBoolean();
                    if (failure != null) {
                        // The teacher (or the index) failed the chunk: nothing of it is kept, a rerun does it again.
                        for (Future<Outcome> f : work) {
                            f.cancel(true);
                        }
                        return end(State.FAILED, report, failureMessage(failure, next, report.written()));
                    }
                    report = report(done, report.written() + records.size(), reasons);
                    out.commit(records, rejected, done, report);
                    listener.onProgress(report);
                    next = done;
                    if (stopping && next < total) {
                        return end(interrupted.get() ? State.INTERRUPTED : State.CANCELLED, report,
                                (interrupted.get() ? "interrupted" : "cancelled") + " after question " + next + " of " + total
                                        + "; run the build again on the same output to continue");
                    }
                }
                return end(State.SUCCEEDED, report, null);
            } finally {
                pool.shutdownNow();
            }
        }

        private String failureMessage(RuntimeException failure, int next, int written) {
            String where = "; " + next + " of " + total + " questions were done (" + written + " records written); "
                    + "run the build again on the same output to continue";
            if (failure instanceof TeacherCalls.Unreachable) {
                return failure.getMessage() + where;
            }
            if (failure instanceof Teacher.Failure f && f.kind() == Teacher.Failure.Kind.FATAL) {
                return "the teacher (" + teacher.describe() + ") refused the build: " + f.getMessage() + where;
            }
            return failure.getClass().getSimpleName() + ": " + failure.getMessage() + where;
        }

        private Result end(State state, BuildReport committed, String error) {
            // The teacher's counts include the calls of a chunk that was not kept.
            BuildReport report = report(committed.processed(), committed.written(), committed.rejected());
            Map<String, Object> summary = new java.util.LinkedHashMap<>();
            summary.put("state", state.name().toLowerCase(java.util.Locale.ROOT));
            summary.put("error", error);
            summary.put("report", report);
            summary.put("recipe", out.progress().recipe());
            out.writeSummary(summary);
            log.info("Build of {} {}: {}{}", out.output, state, report.summary(), error == null ? "" : " (" + error + ")");
            return new Result(state, report, error);
        }

        private BuildReport report(int processed, int written, Map<String, Integer> rejected) {
            long prompt = before.promptTokens() + calls.promptTokens.get();
            long completion = before.completionTokens() + calls.completionTokens.get();
            return new BuildReport(before.output(), before.rejects(), before.outputFormat(), teacher.describe(), total,
                    processed, written, rejected, before.requests() + calls.requests.get(),
                    before.retries() + calls.retries.get(), prompt, completion, cost(s, prompt, completion));
        }

        /** The question's fate decided before any teacher call (unreadable, too long, a repeat), or null to ask the teacher. */
        private Outcome screen(QuestionFile.Question q) {
            if (q.problem() != null) {
                return reject(q, UNREADABLE, q.problem(), null);
            }
            if (q.text().codePointCount(0, q.text().length()) > s.maxQuestionChars()) {
                return reject(q, TOO_LONG, "longer than " + s.maxQuestionChars() + " characters", null);
            }
            Optional<NearDuplicates.Match> match = seen.check(q.index(), q.text());
            if (match.isPresent()) {
                NearDuplicates.Match m = match.get();
                QuestionFile.Question earlier = questions.get(m.earlierIndex());
                return reject(q, m.exact() ? DUPLICATE : NEAR_DUPLICATE, String.format(java.util.Locale.ROOT,
                        "repeats %s (similarity %.2f): %s", earlier.at(), m.similarity(), earlier.text()), null);
            }
            return null;
        }

        /** Retrieval, the teacher, the gate: one question's record or its reject. */
        private Outcome answer(QuestionFile.Question q) {
            Random random = new Random(s.seed() * 1_000_003L + q.index());
            Articles given = articlesFor(q.text(), random);
            List<String> laws = given.refs().stream().map(ConsultResponse.ArticleRef::promptText).toList();
            ObjectNode record = JSON.createObjectNode();
            record.put("query", q.text());
            ArrayNode lawsNode = record.putArray("laws");
            laws.forEach(lawsNode::add);
            try {
                if (!s.multiTurn()) {
                    String answer = ask(TeacherPrompts.lawyerFirstTurn(q.text(), laws, q.reference()));
                    passGate(answer, given, true, "");
                    record.put("response", answer);
                } else {
                    int turns = s.minTurns() + random.nextInt(s.maxTurns() - s.minTurns() + 1);
                    List<String[]> exchanges = new ArrayList<>();
                    String client = q.text();
                    for (int t = 1; t <= turns; t++) {
                        String answer = ask(TeacherPrompts.lawyerTurn(exchanges, client, laws, q.reference()));
                        passGate(answer, given, t == 1, "turn " + t + ": ");
                        exchanges.add(new String[] {client, answer});
                        if (t < turns) {
                            client = ask(TeacherPrompts.clientTurn(q.text(), exchanges));
                        }
                    }
                    ArrayNode history = record.putArray("history");
                    for (String[] e : exchanges) {
                        history.add("[客户] " + e[0]);
                        history.add("[律师] " + e[1]);
                    }
                }
            } catch (Rejected r) {
                return reject(q, r.reason, r.detail, r.answer);
            }
            if (given.distractor() != null) {
                ObjectNode d = record.putObject("distractor");
                d.put("article", given.distractor().promptText());
                d.put("replaced", given.replaced().promptText());
            }
            return new Outcome(record, null);
        }

        private void passGate(String answer, Articles given, boolean firstTurn, String turn) {
            Optional<QualityGate.Verdict> verdict = gate.check(answer, given.refs(), given.distractor(), firstTurn,
                    s.requireCitation());
            if (verdict.isPresent()) {
                throw new Rejected(verdict.get().reason(), turn + verdict.get().detail(), answer);
            }
        }

        /** One teacher reply as text, or the record's rejection once its attempts are spent. */
        private String ask(List<Teacher.Message> messages) {
            Rejected last = null;
            for (int attempt = 1; attempt <= s.maxAttempts(); attempt++) {
                Teacher.Reply reply;
                try {
                    reply = calls.chat(messages, s.temperature(), s.maxTokens());
                } catch (Teacher.Failure f) {
                    if (f.kind() == Teacher.Failure.Kind.FATAL) {
                        throw f;
                    }
                    // calls.chat has already spent this call's attempts.
                    throw new Rejected(f.kind() == Teacher.Failure.Kind.REFUSED ? TEACHER_REFUSED : TEACHER_UNAVAILABLE,
                            f.getMessage(), null);
                }
                String text = TeacherPrompts.clean(reply.text());
                if ("content_filter".equals(reply.finishReason())) {
                    last = new Rejected(TEACHER_REFUSED, "the teacher's content filter stopped the reply", text);
                } else if (text.isBlank()) {
                    last = new Rejected(TEACHER_MALFORMED, "empty reply (finish reason " + reply.finishReason() + ")", text);
                } else if (s.rejectCutOff() && "length".equals(reply.finishReason())) {
                    last = new Rejected(CUT_OFF, "the reply reached maxTokens (" + s.maxTokens() + ") before it ended", text);
                } else {
                    return text;
                }
            }
            throw last;
        }

        private Articles articlesFor(String question, Random random) {
            List<ArticleRetriever.Hit> hits = retriever.retrieve(ArticleRetriever.Request.of(question, articles));
            List<ConsultResponse.ArticleRef> refs = new ArrayList<>(hits.stream().map(h -> ref(h.article(), h.score())).toList());
            boolean withDistractor = s.distractorShare() > 0 && random.nextDouble() < s.distractorShare();
            if (!withDistractor || refs.size() < 2) {
                return new Articles(refs, null, null);
            }
            List<String> ids = refs.stream().map(ConsultResponse.ArticleRef::id).toList();
            List<Article> misses = distractors.nearMisses(question, List.of(), NEAR_MISSES).stream()
                    .filter(a -> !ids.contains(a.id())).toList();
            if (misses.isEmpty()) {
                return new Articles(refs, null, null);
            }
            ConsultResponse.ArticleRef distractor = ref(misses.get(random.nextInt(misses.size())), null);
            ConsultResponse.ArticleRef replaced = refs.remove(refs.size() - 1);
            refs.add(random.nextInt(refs.size() + 1), distractor);
            return new Articles(refs, distractor, replaced);
        }

        private Outcome reject(QuestionFile.Question q, String reason, String detail, String answer) {
            ObjectNode r = JSON.createObjectNode();
            r.put("index", q.index());
            r.put("at", q.at());
            if (q.text() != null) {
                r.put("question", q.text());
            }
            r.put("reason", reason);
            r.put("detail", detail);
            if (answer != null) {
                r.put("answer", answer);
            }
            return new Outcome(null, r);
        }
    }

    private static ConsultResponse.ArticleRef ref(Article a, Double score) {
        return new ConsultResponse.ArticleRef(a.id(), a.law(), a.articleLabel(), a.text(),
                score == null || score == Double.MAX_VALUE ? null : score);
    }

    /** The articles in the teacher's prompt, and the near miss among them (with the article it replaced), if any. */
    private record Articles(List<ConsultResponse.ArticleRef> refs, ConsultResponse.ArticleRef distractor,
                            ConsultResponse.ArticleRef replaced) {
    }

    /** A question's result: a record, or a reject line. */
    private record Outcome(JsonNode record, JsonNode reject) {
    }

    /** A record set aside, with its reason. */
    private static final class Rejected extends RuntimeException {
        final String reason;
        final String detail;
        final String answer;

        Rejected(String reason, String detail, String answer) {
            super(reason + ": " + detail, null, false, false);
            this.reason = reason;
            this.detail = detail;
            this.answer = answer;
        }
    }

    static Double cost(BuildSettings s, long promptTokens, long completionTokens) {
        if (s.pricePerMillionPrompt() == null && s.pricePerMillionCompletion() == null) {
            return null;
        }
        double p = s.pricePerMillionPrompt() == null ? 0 : s.pricePerMillionPrompt();
        double c = s.pricePerMillionCompletion() == null ? 0 : s.pricePerMillionCompletion();
        return (p * promptTokens + c * completionTokens) / 1_000_000.0;
    }

    static String sha256(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                digest.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
