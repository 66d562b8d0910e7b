package com.lawyerllama.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.consult.ConsultProperties;
import com.lawyerllama.consult.ConsultResponse;
import com.lawyerllama.consult.PromptBuilder;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The prompt the service serves must be, character for character, the prompt the SFT stages
 * trained on: otherwise the model sees a format at serving time that it never learned.
 */
class ServingPromptMatchesTrainingTest {

    @Test
    void consultPromptIsTheTrainingPromptUpToTheAnswer() {
        ConsultResponse.ArticleRef article = new ConsultResponse.ArticleRef("民法典:2020-05-28:587", "民法典",
                "第五百八十七条", "债务人按照约定履行债务的，定金应当抵作价款或者收回。", 1.0);
        PromptBuilder serving = new PromptBuilder(new ConsultProperties(2000, 16384, 1024, 3, false, "conversations",
                Duration.ofMinutes(5), ConsultProperties.Prompt.lawyerLlama()));
        String served = serving.render(List.of(new PromptBuilder.Exchange("第一问", "第一答")), "第二问", List.of(article));

        Example.Dialogue dialogue = new Example.Dialogue(List.of(new Example.Turn("第一问", "第一答"),
                new Example.Turn("第二问", "第二答")), List.of(article.promptText()));
        SftEncoder.Rendered trained = SftEncoder.render(dialogue);
        int lastAnswer = trained.answerSpans().get(trained.answerSpans().size() - 1)[0];
        assertThat(trained.text().substring(0, lastAnswer)).isEqualTo(served);
    }
}
