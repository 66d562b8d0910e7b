package com.lawyerllama.training;

import com.lawyerllama.retrieval.DistractorArticles;

import com.lawyerllama.law.Article;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** Distractors drawn uniformly from the current articles of a LawRefBook statute corpus. */
public final class RandomStatuteDistractors implements DistractorArticles {
    private final Path corpus;
    private volatile List<Article> articles;

    public RandomStatuteDistractors(Path corpus) {
        this.corpus = corpus;
    }

    @Override
    public List<String> distractors(String question, List<String> relevant, int count, Random random) {
        List<Article> all = articles();
        List<String> out = new ArrayList<>(count);
        for (int tries = 0; out.size() < count && tries < count * 20; tries++) {
            String text = all.get(random.nextInt(all.size())).promptText();
            if (!relevant.contains(text) && !out.contains(text)) {
                out.add(text);
            }
        }
        return out;
    }

    private List<Article> articles() {
        if (articles == null) {
            List<Article> read = DatasetReaders.currentArticles(corpus);
            if (read.isEmpty()) {
                throw new IllegalStateException("no statute articles under " + corpus + " to draw distractors from");
            }
            articles = read;
        }
        return articles;
    }
}
