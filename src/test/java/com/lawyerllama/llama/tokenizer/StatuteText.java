package com.lawyerllama.llama.tokenizer;

import com.lawyerllama.testsupport.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Real statute text for tokenizer tests: the 合同编 of the Civil Code. */
final class StatuteText {
    private StatuteText() {
    }

    /** The whole body of 民法典/合同编.md after its header block. */
    static String contractBook() throws IOException {
        String file = Files.readString(SharedData.path("laws/民法典/合同编.md"));
        return file.substring(file.indexOf("<!-- INFO END -->") + "<!-- INFO END -->".length()).strip();
    }

    /** The first {@code count} articles (one line each, first 款 only), e.g. "第四百六十三条 本编调整…". */
    static List<String> articles(int count) throws IOException {
        List<String> articles = new ArrayList<>();
        for (String line : contractBook().split("\n")) {
            if (line.matches("^第[零〇一二三四五六七八九十百千]+条 .*") && articles.size() < count) {
                articles.add(line);
            }
        }
        return articles;
    }
}
