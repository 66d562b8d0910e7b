package com.lawyerllama.law;

import java.util.List;
import java.util.Objects;

/**
 * One statute article (条) of one version of a law.
 *
 * <p>The {@link #id()} is {@code law:version:number} with {@code -suffix} appended for inserted
 * articles, e.g. {@code 民法典:2020-05-28:586} and {@code 刑法:2023-12-29:133-1}; a law without a
 * known version date gives {@code 某法::12}. It depends only on these three facts, never on file
 * order or import time, so re-importing the same corpus yields the same ids (the search index uses
 * it as document id). Use {@link #idOf} to build one without an article at hand.
 *
 * @param id         stable id, see above
 * @param law        short name without 中华人民共和国 (民法典, 刑法, 劳动合同法); the key citations use
 * @param lawTitle   full official title (中华人民共和国劳动合同法)
 * @param category   corpus folder, nested folders joined by {@code /} (民法商法, 部门规章/公安部)
 * @param version    version date {@code yyyy-MM-dd}, or {@code ""} when unknown
 * @param current    true for the newest version of the law in the corpus
 * @param path       编/章/节 headings above the article, outermost first (民法典: the 编 comes first)
 * @param number     article number, 1-based (第五百八十六条 is 586)
 * @param suffix     0, or n for 之n (第一百三十三条之一 has number 133, suffix 1)
 * @param text       the article text without its 第X条 prefix: 款 and 项 lines joined with {@code \n}
 * @param sourceFile file it was read from, relative to the corpus root
 * @param line       1-based line of the 第X条 line in that file (for JSON lines: the record's line)
 */
public record Article(String id, String law, String lawTitle, String category, String version, boolean current,
                      List<String> path, int number, int suffix, String text, String sourceFile, int line) {

    public Article {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(law, "law");
        Objects.requireNonNull(text, "text");
        lawTitle = lawTitle == null ? law : lawTitle;
        category = category == null ? "" : category;
        version = version == null ? "" : version;
        path = path == null ? List.of() : List.copyOf(path);
        sourceFile = sourceFile == null ? "" : sourceFile;
        if (number < 1 || suffix < 0) {
            throw new IllegalArgumentException("bad article number " + number + " suffix " + suffix + " in " + id);
        }
    }

    /** Builds an article whose id is derived from law, version, number and suffix. */
    public static Article of(String law, String lawTitle, String category, String version, boolean current,
                             List<String> path, int number, int suffix, String text, String sourceFile, int line) {
        return new Article(idOf(law, version, number, suffix), law, lawTitle, category, version, current,
                path, number, suffix, text, sourceFile, line);
    }

    /** The stable id described in the class comment. */
    public static String idOf(String law, String version, int number, int suffix) {
        String id = law + ':' + (version == null ? "" : version) + ':' + number;
        return suffix == 0 ? id : id + '-' + suffix;
    }

    /** The article number as written in a statute: 第五百八十六条, 第一百三十三条之一. */
    public static String articleLabel(int number, int suffix) {
        String label = "第" + ChineseNumerals.format(number) + "条";
        return suffix == 0 ? label : label + "之" + ChineseNumerals.format(suffix);
    }

    /** This article's number as written: 第五百八十六条. */
    public String articleLabel() {
        return articleLabel(number, suffix);
    }

    /** Canonical citation: 《民法典》第五百八十六条. */
    public String citation() {
        return "《" + law + "》" + articleLabel();
    }

    /** The form used in prompts and in the Lawyer LLaMA labels: 《民法典》第五百八十六条：text. */
    public String promptText() {
        return citation() + "：" + text;
    }

    /** The same article marked as (not) the current version. */
    public Article withCurrent(boolean isCurrent) {
        return isCurrent == current ? this : new Article(id, law, lawTitle, category, version, isCurrent,
                path, number, suffix, text, sourceFile, line);
    }
}
