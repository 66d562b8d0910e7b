package com.lawyerllama.llama.tokenizer;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StreamingDecoderTest {

    @Test
    void rareCjkCharacterSpreadOverThreeByteTokensIsEmittedOnceWhole() {
        Tokenizer tokenizer = SentencePieceTokenizerTest.llama2();
        String text = "第鬻条"; // 鬻 (U+9B3B) is not a LLaMA-2 piece: it falls back to 3 byte tokens
        int[] ids = tokenizer.encode(text);
        long byteTokens = java.util.Arrays.stream(ids).filter(id -> tokenizer.piece(id).startsWith("<0x")).count();
        assertThat(byteTokens).isEqualTo(3);

        Tokenizer.StreamingDecoder decoder = tokenizer.streamingDecoder();
        List<String> chunks = new ArrayList<>();
        for (int id : ids) {
            chunks.add(decoder.append(id));
        }
        chunks.add(decoder.flush());
        assertThat(String.join("", chunks)).isEqualTo(text);
        assertThat(chunks).contains("鬻");
        assertThat(chunks).allSatisfy(chunk -> assertThat(chunk).doesNotContain("\uFFFD"));
        // the three byte tokens: held back twice, then the whole character
        int firstByte = 0;
        while (!tokenizer.piece(ids[firstByte]).startsWith("<0x")) {
            firstByte++;
        }
        assertThat(chunks.subList(firstByte, firstByte + 3)).containsExactly("", "", "鬻");
    }

    @Test
    void controlTokensAndLeadingDummySpaceProduceNoText() {
        Tokenizer tokenizer = SentencePieceTokenizerTest.llama2();
        Tokenizer.StreamingDecoder decoder = tokenizer.streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int id : tokenizer.encode("Hello world", true)) {
            text.append(decoder.append(id));
        }
        text.append(decoder.append(tokenizer.eosId())).append(decoder.flush());
        assertThat(text.toString()).isEqualTo("Hello world");
    }

    @Test
    void incompleteBytesAtTheEndBecomeReplacementOnFlush() {
        Tokenizer tokenizer = SentencePieceTokenizerTest.llama2();
        int[] ids = tokenizer.encode("鬻");
        Tokenizer.StreamingDecoder decoder = tokenizer.streamingDecoder();
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < ids.length - 1; i++) { // drop the last byte token
            text.append(decoder.append(ids[i]));
        }
        assertThat(text.toString()).isEmpty();
        assertThat(decoder.flush()).isEqualTo("\uFFFD");
    }
}
