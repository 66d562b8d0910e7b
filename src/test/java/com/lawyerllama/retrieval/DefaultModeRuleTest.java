package com.lawyerllama.retrieval;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.retrieval.RetrievalEvaluation.AreaResult;
import com.lawyerllama.retrieval.RetrievalEvaluation.Result;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.core.env.PropertySource;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

/**
 * The rule that chooses the default mode (docs/retrieval-areas.md): a mode other than BM25 may be the
 * default only when it is below BM25 on no area of law; the shipped fused retriever was below it on
 * some, so the service's default is BM25.
 */
class DefaultModeRuleTest {

    private static Result set(String name, String mode, AreaResult... areas) {
        return new Result(name, "validation", mode, 0, 0, 0, Map.of(), 0, 0, 0, 0, null, List.of(areas));
    }

    @Test
    void aModeBelowBm25OnAnyAreaIsNamedWithThatArea() {
        List<AreaResult> combined = AreaResult.combine(List.of(
                set("a", "bm25", new AreaResult("刑法", "bm25", 10, Map.of(3, 0.2)), new AreaResult("劳动", "bm25", 4, Map.of(3, 0.5))),
                set("a", "fused", new AreaResult("刑法", "fused", 10, Map.of(3, 0.01)), new AreaResult("劳动", "fused", 4, Map.of(3, 0.75))),
                // a second set: 刑法 over both sets is 0.2·10+0.3·10 = 0.25 for bm25 and 0.155 fused
                set("b", "bm25", new AreaResult("刑法", "bm25", 10, Map.of(3, 0.3))),
                set("b", "fused", new AreaResult("刑法", "fused", 10, Map.of(3, 0.3)))));
        assertThat(combined).filteredOn(a -> a.area().equals("刑法") && a.mode().equals("bm25"))
                .singleElement().satisfies(a -> {
                    assertThat(a.questions()).isEqualTo(20);
                    assertThat(a.recallAtK().get(3)).isEqualTo(0.25, org.assertj.core.api.Assertions.within(1e-12));
                });
        assertThat(AreaResult.areasBelow(combined, "fused", "bm25", 3)).containsExactly("刑法");
        assertThat(AreaResult.areasBelow(combined, "bm25", "bm25", 3)).isEmpty();
    }

    @Test
    void equalOrBetterOnEveryAreaPasses() {
        List<AreaResult> combined = AreaResult.combine(List.of(
                set("a", "bm25", new AreaResult("刑法", "bm25", 10, Map.of(3, 0.2))),
                set("a", "fused", new AreaResult("刑法", "fused", 10, Map.of(3, 0.2)))));
        assertThat(AreaResult.areasBelow(combined, "fused", "bm25", 3)).isEmpty();
    }

    @Test
    void theShippedDefaultIsBm25() throws Exception {
        StandardEnvironment environment = new StandardEnvironment();
        for (PropertySource<?> source : new YamlPropertySourceLoader().load("application", new ClassPathResource("application.yml"))) {
            environment.getPropertySources().addLast(source);
        }
        assertThat(Binder.get(environment).bind("lawyer.retrieval", RetrievalProperties.class).get().mode())
                .isEqualTo(RetrievalProperties.Mode.BM25);
        // With nothing configured at all, the record's own default is BM25 too.
        assertThat(Binder.get(new StandardEnvironment()).bindOrCreate("lawyer.retrieval", RetrievalProperties.class).mode())
                .isEqualTo(RetrievalProperties.Mode.BM25);
    }
}
