package com.lawyerllama.law;

import java.util.List;

/** A handful of real laws, one article each, for tests that need known names but not the corpus. */
final class Fixtures {

    private Fixtures() {
    }

    static Article article(String law, String title, String version, int number, int suffix, String text) {
        return Article.of(law, title, "test", version, false, List.of(), number, suffix, text, law + ".md", 1);
    }

    static List<Article> laws() {
        return ArticleReadResult.markCurrentVersions(List.of(
                article("民法典", "中华人民共和国民法典", "2020-05-28", 586, 0, "当事人可以约定一方向对方给付定金作为债权的担保。"),
                article("民法典", "中华人民共和国民法典", "2020-05-28", 587, 0, "债务人履行债务的，定金应当抵作价款或者收回。"),
                article("刑法", "中华人民共和国刑法", "2023-12-29", 264, 0, "盗窃公私财物，数额较大的……"),
                article("刑法", "中华人民共和国刑法", "2023-12-29", 133, 1, "在道路上驾驶机动车，有下列情形之一的……"),
                article("劳动法", "中华人民共和国劳动法", "2018-12-29", 15, 0, "禁止用人单位招用未满十六周岁的未成年人。"),
                article("劳动合同法", "中华人民共和国劳动合同法", "2012-12-28", 10, 0, "建立劳动关系，应当订立书面劳动合同。"),
                article("公司法", "中华人民共和国公司法", "2018-10-26", 146, 0, "有下列情形之一的，不得担任公司的董事、监事、高级管理人员……"),
                article("公司法", "中华人民共和国公司法", "2023-12-29", 146, 0, "有限责任公司成立后，由公司向股东签发出资证明书……"),
                article("公司法", "中华人民共和国公司法", "2023-12-29", 266, 0, "本法自2024年7月1日起施行。"),
                article("民事诉讼法", "中华人民共和国民事诉讼法", "2023-09-01", 122, 0, "起诉必须符合下列条件……"),
                article("最高人民法院关于适用《民事诉讼法》的解释", "最高人民法院关于适用《中华人民共和国民事诉讼法》的解释",
                        "2022-04-01", 1, 0, "民事诉讼法第三条规定的……"),
                article("处方药与非处方药分类管理办法（试行）", "处方药与非处方药分类管理办法（试行）", "1999-06-18", 4, 0,
                        "国家药品监督管理局负责处方药与非处方药分类管理办法的制定。")));
    }
}
