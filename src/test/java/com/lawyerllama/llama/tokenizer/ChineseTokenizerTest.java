package com.lawyerllama.llama.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import com.lawyerllama.testsupport.SharedData;
import java.text.Normalizer;
import java.util.List;
import org.junit.jupiter.api.Test;

class ChineseTokenizerTest {

    @Test
    void chineseLlama2RoundTripsStatutesInFarFewerTokensThanLlama2() throws Exception {
        Tokenizer chinese = Tokenizers.load(SharedData.path("tokenizers/chinese-llama-2"));
        Tokenizer llama2 = Tokenizers.load(SharedData.path("tokenizers/llama2/tokenizer.model"));
        assertThat(chinese.vocabSize()).isEqualTo(55296);

        List<String> articles = StatuteText.articles(20);
        assertThat(articles).hasSize(20);
        long chineseTokens = 0;
        long llamaTokens = 0;
        for (String article : articles) {
            int[] ids = chinese.encode(article);
            assertThat(chinese.decode(ids)).isEqualTo(article);
            assertThat(llama2.decode(llama2.encode(article))).isEqualTo(article);
            chineseTokens += ids.length;
            llamaTokens += llama2.encode(article).length;
        }
        double ratio = (double) llamaTokens / chineseTokens;
        System.out.printf("20 articles of 合同编: LLaMA-2 %d tokens, Chinese-LLaMA-2 %d tokens, ratio %.2f%n",
                llamaTokens, chineseTokens, ratio);
        assertThat(ratio).isGreaterThanOrEqualTo(1.5);
    }

    @Test
    void chineseLlama2RoundTripsTheWholeContractBook() throws Exception {
        Tokenizer chinese = Tokenizers.load(SharedData.path("tokenizers/chinese-llama-2"));
        String book = StatuteText.contractBook();
        assertThat(chinese.decode(chinese.encode(book))).isEqualTo(book);
    }

    @Test
    void chineseLlama1UnigramModelIsFoundAsTheOnlyModelFileAndRoundTripsNormalizedText() throws Exception {
        Tokenizer tokenizer = Tokenizers.load(SharedData.path("tokenizers/chinese-llama-1"));
        assertThat(tokenizer.vocabSize()).isEqualTo(20000);
        for (String article : StatuteText.articles(10)) {
            int[] ids = tokenizer.encode(article);
            assertThat(ids.length).isLessThan(article.length());
            assertThat(ids).doesNotContain(0); // no <unk> in statute text
            // nmt_nfkc maps full-width punctuation (，；：) to ASCII, as SentencePiece itself does
            assertThat(tokenizer.decode(ids)).isEqualTo(Normalizer.normalize(article, Normalizer.Form.NFKC));
        }
    }
}
