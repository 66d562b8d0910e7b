package com.lawyerllama.law;

import java.util.Collection;
import java.util.EnumMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The area of law an article belongs to, for reporting retrieval per area: the Civil Code by 编,
 * criminal law, labour, administrative, procedure, company / commercial, intellectual property,
 * judicial interpretations, other. Derived from the article's law and its corpus category (the
 * LawRefBook folder), in this order:
 * <ol>
 *   <li>category 司法解释: {@link #JUDICIAL_INTERPRETATION}, whatever it interprets;</li>
 *   <li>民法典: its 编, by the article's number (the numbering runs across the whole code: 第1–204条 总则,
 *       …, 第1164–1258条 侵权责任; 附则 counts with 总则);</li>
 *   <li>a labour law by name (劳动, 社会保险, 工伤, 就业, 工资, 职业病, 劳务派遣, 工会): {@link #LABOUR};</li>
 *   <li>category 刑法: {@link #CRIMINAL};</li>
 *   <li>an intellectual-property law by name (著作权, 专利, 商标, 知识产权, 集成电路布图, 植物新品种,
 *       反不正当竞争): {@link #INTELLECTUAL_PROPERTY};</li>
 *   <li>category 诉讼与非诉讼程序法: {@link #PROCEDURE};</li>
 *   <li>category 民法商法 or 经济法: {@link #COMMERCIAL};</li>
 *   <li>category 行政法, 行政法规 or 部门规章: {@link #ADMINISTRATIVE};</li>
 *   <li>anything else (宪法, 宪法相关法, the rest of 社会法, 其他): {@link #OTHER}.</li>
 * </ol>
 */
public enum LawArea {
    CIVIL_GENERAL("民法典·总则"),
    CIVIL_PROPERTY("民法典·物权"),
    CIVIL_CONTRACT("民法典·合同"),
    CIVIL_PERSONALITY("民法典·人格权"),
    CIVIL_MARRIAGE("民法典·婚姻家庭"),
    CIVIL_SUCCESSION("民法典·继承"),
    CIVIL_TORT("民法典·侵权责任"),
    CRIMINAL("刑法"),
    LABOUR("劳动"),
    ADMINISTRATIVE("行政"),
    PROCEDURE("程序"),
    COMMERCIAL("公司商事"),
    INTELLECTUAL_PROPERTY("知识产权"),
    JUDICIAL_INTERPRETATION("司法解释"),
    OTHER("其他");

    private static final Pattern LABOUR_LAW = Pattern.compile("劳动|社会保险|工伤|就业|工资|职业病|劳务派遣|工会");
    private static final Pattern IP_LAW = Pattern.compile("著作权|专利|商标|知识产权|集成电路布图|植物新品种|反不正当竞争");

    private final String label;

    LawArea(String label) {
        this.label = label;
    }

    /** A short Chinese label (民法典·合同, 刑法, 劳动 …) for tables. */
    public String label() {
        return label;
    }

    /** The area of {@code article}, by the rules above. */
    public static LawArea of(Article article) {
        String category = article.category();
        String top = category.contains("/") ? category.substring(0, category.indexOf('/')) : category;
        if (top.equals("司法解释")) {
            return JUDICIAL_INTERPRETATION;
        }
        if (article.law().equals("民法典") || top.equals("民法典")) {
            return civilCodePart(article.number());
        }
        if (LABOUR_LAW.matcher(article.law()).find()) {
            return LABOUR;
        }
        if (top.equals("刑法")) {
            return CRIMINAL;
        }
        if (IP_LAW.matcher(article.law()).find()) {
            return INTELLECTUAL_PROPERTY;
        }
        return switch (top) {
            case "诉讼与非诉讼程序法" -> PROCEDURE;
            case "民法商法", "经济法" -> COMMERCIAL;
            case "行政法", "行政法规", "部门规章" -> ADMINISTRATIVE;
            default -> OTHER;
        };
    }

    /**
     * A question's area: the one most of its gold articles belong to; on a tie, the area of the first
     * of the tied ones in {@code gold}'s order. Null for no articles.
     */
    public static LawArea ofAll(Collection<Article> gold) {
        Map<LawArea, Integer> counts = new EnumMap<>(LawArea.class);
        LawArea best = null;
        for (Article article : gold) {
            counts.merge(of(article), 1, Integer::sum);
        }
        for (Article article : gold) {
            LawArea area = of(article);
            if (best == null || counts.get(area) > counts.get(best)) {
                best = area;
            }
        }
        return best;
    }

    /** The 编 a Civil Code article number falls in. */
    private static LawArea civilCodePart(int number) {
        if (number <= 204) {
            return CIVIL_GENERAL;
        }
        if (number <= 462) {
            return CIVIL_PROPERTY;
        }
        if (number <= 988) {
            return CIVIL_CONTRACT;
        }
        if (number <= 1039) {
            return CIVIL_PERSONALITY;
        }
        if (number <= 1118) {
            return CIVIL_MARRIAGE;
        }
        if (number <= 1163) {
            return CIVIL_SUCCESSION;
        }
        if (number <= 1258) {
            return CIVIL_TORT;
        }
        return CIVIL_GENERAL;
    }
}
