package com.lawyerllama.cli;

import com.lawyerllama.dataset.BuildReport;
import com.lawyerllama.dataset.BuildSettings;
import com.lawyerllama.dataset.DatasetBuilder;
import com.lawyerllama.dataset.DatasetProperties;
import com.lawyerllama.dataset.OpenAiTeacher;
import com.lawyerllama.elasticsearch.ElasticsearchStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Builds training records from questions with a teacher model (the work is {@link DatasetBuilder}'s). */
@Command(name = "build-data", mixinStandardHelpOptions = true,
        description = {
                "Builds training records from a question file with a teacher model (any OpenAI-compatible chat endpoint):",
                "the service's retriever picks each question's articles, the teacher answers, the quality gate decides.",
                "single: {query, laws, response} (format lawyer-llama-rag); multi-turn: {query, laws, history} (lawyer-llama-multi-turn).",
                "Rejected questions go to OUT.rejects.jsonl with the reason; OUT.summary.json has the counts, tokens and cost.",
                "Running it again on the same OUT continues after the last record written.",
                "Uses the managed Elasticsearch node (started for the run) unless --lawyer.elasticsearch.uris=… is given."
        })
public final class BuildDataCommand implements Callable<Integer> {

    @Option(names = "--questions", required = true, paramLabel = "FILE",
            description = "Question file: .txt (one per line), .jsonl ({question, reference_answer?}) or a training dataset (see --format).")
    Path questions;

    @Option(names = "--format", paramLabel = "FORMAT",
            description = "lines, jsonl, or a dialogue format of the training readers (lawyer-llama-rag, alpaca, …); default from the file name.")
    String format;

    @Option(names = "--out", required = true, paramLabel = "FILE", description = "The dataset to write (JSON array).")
    Path out;

    @Option(names = "--kind", defaultValue = "single", description = "single or multi-turn (default: ${DEFAULT-VALUE}).")
    String kind;

    @Option(names = "--turns", defaultValue = "2..3", paramLabel = "MIN..MAX",
            description = "multi-turn: lawyer answers per dialogue (default: ${DEFAULT-VALUE}).")
    String turns;

    @Option(names = "--distractors", defaultValue = "0", paramLabel = "SHARE",
            description = "Share of records where one of the three articles is replaced by a near miss from the index.")
    double distractorShare;

    @Option(names = "--seed", defaultValue = "1234")
    long seed;

    @Option(names = "--min-answer-chars", defaultValue = "50", description = "Shorter first answers are rejected (default: ${DEFAULT-VALUE}).")
    int minAnswerChars;

    @Option(names = "--no-require-citation", negatable = false,
            description = "Keep first answers that cite none of the given articles (only for self-checks with a small model).")
    boolean noRequireCitation;

    @Option(names = "--keep-cut-off", description = "Keep replies that reached --max-tokens before they ended.")
    boolean keepCutOff;

    @Option(names = "--near-duplicate", defaultValue = "0.9", paramLabel = "JACCARD",
            description = "Bigram similarity from which a question repeats an earlier one (above 1: exact repeats only).")
    double nearDuplicate;

    @Option(names = "--max-question-chars", defaultValue = "2000")
    int maxQuestionChars;

    @Option(names = "--limit", defaultValue = "0", description = "Questions to go through (0: all).")
    int limit;

    @Option(names = "--chunk", defaultValue = "16", description = "Records written together (default: ${DEFAULT-VALUE}).")
    int chunk;

    @Option(names = "--concurrency", defaultValue = "2", description = "Teacher calls in flight (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--temperature", defaultValue = "0.7")
    double temperature;

    @Option(names = "--max-tokens", defaultValue = "1024")
    int maxTokens;

    @Option(names = "--rpm", paramLabel = "N", description = "Teacher requests per minute at most (default: lawyer.dataset.teacher.requests-per-minute).")
    Integer requestsPerMinute;

    @Option(names = "--attempts", defaultValue = "4", description = "Attempts per teacher call before the record is rejected.")
    int attempts;

    @Option(names = "--backoff", defaultValue = "2", paramLabel = "SECONDS", description = "First pause before a retry (doubles each time).")
    double backoff;

    @Option(names = "--unreachable-after", defaultValue = "600", paramLabel = "SECONDS",
            description = "Stop when the teacher has answered nothing for this long (default: ${DEFAULT-VALUE}).")
    double unreachableAfter;

    @Option(names = "--teacher-url", paramLabel = "URL", description = "OpenAI-compatible base URL (default: lawyer.dataset.teacher.base-url).")
    String teacherUrl;

    @Option(names = "--teacher-model", paramLabel = "NAME", description = "Model name (default: lawyer.dataset.teacher.model).")
    String teacherModel;

    @Option(names = "--teacher-key-env", defaultValue = "LAWYER_TEACHER_API_KEY", paramLabel = "VAR",
            description = "Environment variable holding the teacher's API key (default: ${DEFAULT-VALUE}; "
                    + "unset: lawyer.dataset.teacher.api-key, for its own base URL only).")
    String teacherKeyEnv;

    @Parameters(paramLabel = "--key=value", arity = "0..*", description = "Spring configuration properties.")
    List<String> springArgs = new ArrayList<>();

    @Override
    public Integer call() {
        LlamaCli.existingFile(questions, "--questions");
        String fmt = format != null ? format : guessFormat(questions);
        int[] turnRange = turnRange(turns);
        try (ConfigurableApplicationContext context = HeadlessSpring.start(springArgs)) {
            DatasetProperties.Teacher configured = context.getBean(DatasetProperties.class).teacher();
            BuildSettings settings = new BuildSettings(questions.toAbsolutePath().toString(), fmt, out.toAbsolutePath().toString(),
                    kind, turnRange[0], turnRange[1], distractorShare, seed, minAnswerChars, !noRequireCitation, !keepCutOff,
                    nearDuplicate, maxQuestionChars, limit, chunk, concurrency, temperature, maxTokens,
                    requestsPerMinute != null ? requestsPerMinute : configured.requestsPerMinute(), attempts,
                    Duration.ofMillis(Math.round(backoff * 1000)), Duration.ofMillis(Math.round(unreachableAfter * 1000)),
                    configured.pricePerMillionPrompt(), configured.pricePerMillionCompletion());
            List<String> problems = settings.validate();
            if (!problems.isEmpty()) {
                throw new UsageException(String.join("; ", problems));
            }
            String url = teacherUrl != null ? teacherUrl : configured.baseUrl();
            String model = teacherModel != null ? teacherModel : configured.model();
            String key = System.getenv(teacherKeyEnv);
            if (key == null || key.isBlank()) {
                key = url != null && url.strip().replaceAll("/+$", "").equals(configured.baseUrl().strip().replaceAll("/+$", ""))
                        ? configured.apiKey() : "";
            }
            if (url == null || url.isBlank()) {
                throw new UsageException("no teacher: give --teacher-url (and --teacher-model) or set lawyer.dataset.teacher.base-url");
            }
            OpenAiTeacher teacher;
            try {
                teacher = new OpenAiTeacher(url, key, model, configured.timeout());
            } catch (IllegalArgumentException e) {
                throw new UsageException(e.getMessage());
            }
            context.getBean(ElasticsearchStatus.class).refresh();
            context.getBean(ElasticsearchStatus.class).requireAvailable();
            System.err.println("teacher: " + teacher.describe() + ", writing " + settings.outputFormat() + " records to " + out);
            ProgressBar bar = new ProgressBar("build-data");
            DatasetBuilder.Result result;
            try {
                result = context.getBean(DatasetBuilder.class).build(settings, teacher,
                        report -> bar.update(report.processed(), report.questions()), () -> false);
            } catch (IllegalArgumentException e) {
                bar.done();
                throw new UsageException(e.getMessage());
            }
            bar.done();
            BuildReport report = result.report();
            System.out.println(result.state().name().toLowerCase(Locale.ROOT) + ": " + report.summary());
            System.out.println("records: " + report.output() + " (format " + report.outputFormat() + ")");
            System.out.println("rejects: " + report.rejects());
            if (result.error() != null) {
                System.err.println(result.error());
            }
            return result.state() == DatasetBuilder.State.SUCCEEDED ? 0 : 1;
        }
    }

    private static String guessFormat(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".jsonl")) {
            return "jsonl";
        }
        if (name.endsWith(".txt")) {
            return "lines";
        }
        throw new UsageException("--format: give the question file's format (lines, jsonl, lawyer-llama-rag, alpaca, …)");
    }

    private static int[] turnRange(String spec) {
        String[] parts = spec.strip().split("\\.\\.");
        try {
            int min = Integer.parseInt(parts[0].strip());
            int max = parts.length > 1 ? Integer.parseInt(parts[1].strip()) : min;
            return new int[] {min, max};
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new UsageException("--turns: MIN..MAX such as 2..3, got " + spec);
        }
    }
}
