package com.lawyerllama.training;

import com.lawyerllama.retrieval.DistractorArticles;

import com.lawyerllama.retrieval.ElasticsearchArticleRetriever;
import com.lawyerllama.retrieval.LexicalNearMisses;
import com.lawyerllama.system.DataDirectory;
import java.nio.file.Path;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.EventListener;

/**
 * Training as Spring beans: runs under {@code ${lawyer.data-dir}/training/runs}, dataset paths
 * relative to {@code lawyer.training.data-root}, distractors drawn from the statute corpus there.
 */
@Configuration(proxyBeanMethods = false)
public class TrainingConfiguration {

    /** BM25's near misses from the article index, falling back to random articles of the corpus while the index cannot answer. */
    @Bean
    public DistractorArticles distractorArticles(@Value("${lawyer.training.data-root:../shared/data}") String dataRoot,
                                                 org.springframework.beans.factory.ObjectProvider<ElasticsearchArticleRetriever> retriever) {
        DistractorArticles random = new RandomStatuteDistractors(Path.of(dataRoot).resolve("laws"));
        ElasticsearchArticleRetriever lexical = retriever.getIfAvailable();
        return lexical == null ? random : new LexicalNearMisses(lexical, random);
    }

    @Bean(destroyMethod = "shutdown")
    public TrainingRuns trainingRuns(DataDirectory data, @Value("${lawyer.training.data-root:../shared/data}") String dataRoot,
                                     DistractorArticles distractors, @Value("${lawyer.training.threads:0}") int threads) {
        // A String, not a Path: Spring would read "../x" as a classpath-style resource path.
        return new TrainingRuns(data.resolve("training/runs"), Path.of(dataRoot).toAbsolutePath().normalize(), distractors, threads);
    }

    /** Unfinished runs resume once the application is up, not while it starts. */
    @Bean
    public ResumeOnStart resumeTrainingOnStart(TrainingRuns runs) {
        return new ResumeOnStart(runs);
    }

    public static final class ResumeOnStart {
        private final TrainingRuns runs;

        ResumeOnStart(TrainingRuns runs) {
            this.runs = runs;
        }

        @EventListener(ApplicationReadyEvent.class)
        public void resume() {
            runs.resumeUnfinished();
        }
    }
}
