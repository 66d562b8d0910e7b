package com.lawyerllama.cli;

import com.lawyerllama.elasticsearch.ElasticsearchStatus;
import com.lawyerllama.law.ReadProblem;
import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.retrieval.ImportReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.springframework.context.ConfigurableApplicationContext;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Imports a statute corpus into the article index, with a progress bar and a summary. */
@Command(name = "import", mixinStandardHelpOptions = true,
        description = {
                "Imports a statute corpus (LawRefBook Markdown) into the article index.",
                "Rerunning is safe: unchanged articles are left alone, and an interrupted import is finished.",
                "Uses the managed Elasticsearch node (started for the run) unless --lawyer.elasticsearch.uris=… is given."
        })
public final class ImportCommand implements Callable<Integer> {

    @Option(names = "--corpus", required = true, paramLabel = "DIR", description = "Corpus directory, e.g. ../shared/data/laws")
    Path corpus;

    @Option(names = "--reindex", description = "Build a fresh index and swap it in atomically when the import succeeds.")
    boolean reindex;

    @Parameters(paramLabel = "--key=value", arity = "0..*", description = "Spring configuration properties.")
    List<String> springArgs = new ArrayList<>();

    @Override
    public Integer call() {
        if (!Files.isDirectory(corpus)) {
            throw new UsageException("corpus directory not found: " + corpus);
        }
        try (ConfigurableApplicationContext context = HeadlessSpring.start(springArgs)) {
            context.getBean(ElasticsearchStatus.class).refresh();
            context.getBean(ElasticsearchStatus.class).requireAvailable();
            ProgressBar bar = new ProgressBar("import");
            ImportReport report;
            try {
                report = context.getBean(CorpusImporter.class).importCorpus(corpus, reindex, new CorpusImporter.Listener() {
                    @Override
                    public void onRead(int files, int articles, List<ReadProblem> problems) {
                        System.err.printf("read %d files, %d articles, %d problems%n", files, articles, problems.size());
                        problems.stream().limit(20).forEach(p -> System.err.println("  problem: " + p));
                    }

                    @Override
                    public void onProgress(ImportReport soFar) {
                        bar.update(soFar.processed(), soFar.articles());
                    }
                });
            } catch (CorpusImporter.ImportInterruptedException e) {
                bar.done();
                System.err.println(e.getMessage());
                return 1;
            }
            bar.done();
            HeadlessSpring.awaitOneSegment(context, report.index());
            System.out.println(report.summary() + " in " + report.durationMs() / 1000.0 + " s (index " + report.index() + ")");
            report.failures().forEach(f -> System.out.println("  failed: " + f.id() + ": " + f.reason()));
            return report.failed() == 0 ? 0 : 1;
        }
    }
}
