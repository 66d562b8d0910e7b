package com.lawyerllama.cli;

import com.lawyerllama.consult.ConsultationService;
import com.lawyerllama.elasticsearch.ElasticsearchStatus;
import com.lawyerllama.evaluation.AnswerCitationCounts;
import com.lawyerllama.evaluation.AnswerEvaluation;
import com.lawyerllama.evaluation.EvaluationException;
import com.lawyerllama.retrieval.ElasticsearchArticleRetriever;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code eval answers}: answer-level citation metrics through the real consultation path. */
@Command(name = "answers", mixinStandardHelpOptions = true,
        description = {
                "Runs the dev-split questions of labelled Lawyer LLaMA sets ({query, laws, response}) through the",
                "consultation (retrieval, the model, the citation check) and counts the answers' citations:",
                "supported (gold), redundant (given, not gold), from memory, fabricated (not in the index),",
                "wrong (malformed); the share of answers without a citation and character-level ROUGE-L."
        })
public final class EvalAnswersCommand implements Callable<Integer> {

    @Option(names = "--set", required = true, paramLabel = "FILE", description = "Labelled set; repeat for several.")
    List<Path> sets;

    @Option(names = "--limit", paramLabel = "N", description = "At most N questions per set (default all of the dev split).")
    Integer limit;

    @Option(names = "--timeout", defaultValue = "600", paramLabel = "SECONDS", description = "Longest wait for one answer (default ${DEFAULT-VALUE}).")
    long timeout;

    @Parameters(paramLabel = "--key=value", arity = "0..*", description = "Spring configuration properties.")
    List<String> springArgs = new ArrayList<>();

    @Override
    public Integer call() {
        if (limit != null && (limit < 1 || limit > 100_000)) {
            throw new UsageException("--limit must be between 1 and 100000");
        }
        for (Path set : sets) {
            if (!java.nio.file.Files.isRegularFile(set)) {
                throw new UsageException("labelled set not found: " + set);
            }
        }
        try (ConfigurableApplicationContext context = HeadlessSpring.start(springArgs)) {
            context.getBean(ElasticsearchStatus.class).refresh();
            ConsultationService service = context.getBean(ConsultationService.class);
            ElasticsearchArticleRetriever retriever = context.getBean(ElasticsearchArticleRetriever.class);
            List<AnswerEvaluation.SetResult> results = new ArrayList<>();
            AnswerCitationCounts overall = null;
            for (Path set : sets) {
                ProgressBar bar = new ProgressBar(set.getFileName().toString());
                AnswerEvaluation.SetResult r;
                try {
                    r = AnswerEvaluation.evaluate(set, limit, service, retriever.citationParser(), timeout, bar::update);
                } catch (EvaluationException e) {
                    throw new UsageException(e.getMessage());
                }
                bar.done();
                results.add(r);
                overall = overall == null ? r.counts() : sum(overall, r.counts());
            }
            System.out.printf("%-40s %5s %9s %9s %9s %9s %11s %9s %9s %8s%n", "set", "answers", "citations", "supported",
                    "redundant", "memory", "fabricated", "wrong", "no-cite", "ROUGE-L");
            for (AnswerEvaluation.SetResult r : results) {
                print(r.set(), r.counts());
            }
            if (results.size() > 1) {
                print("overall", overall);
            }
            return 0;
        }
    }

    private static void print(String name, AnswerCitationCounts c) {
        System.out.printf("%-40s %5d %9d %8.1f%% %8.1f%% %8.1f%% %10.1f%% %8.1f%% %8.1f%% %8.3f%n", name, c.answers(), c.citations(),
                100 * c.share(c.supported()), 100 * c.share(c.redundant()), 100 * c.share(c.fromMemory()),
                100 * c.share(c.fabricated()), 100 * c.share(c.wrong()), 100 * c.withoutCitationShare(), c.meanRougeL());
    }

    private static AnswerCitationCounts sum(AnswerCitationCounts a, AnswerCitationCounts b) {
        return new AnswerCitationCounts(a.answers() + b.answers(), a.withoutCitation() + b.withoutCitation(),
                a.citations() + b.citations(), a.supported() + b.supported(), a.redundant() + b.redundant(),
                a.fromMemory() + b.fromMemory(), a.fabricated() + b.fabricated(), a.wrong() + b.wrong(),
                a.rougeLSum() + b.rougeLSum());
    }
}
