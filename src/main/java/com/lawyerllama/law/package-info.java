/**
 * Statute articles and citations, in plain Java (no Spring, no Elasticsearch).
 *
 * <ul>
 *   <li>{@link com.lawyerllama.law.Article}: one article of one version of a law, with a stable id
 *       {@code law:version:number[-suffix]} ({@code 民法典:2020-05-28:586}).</li>
 *   <li>{@link com.lawyerllama.law.LawRefBookReader#read} reads the LawRefBook Markdown collection,
 *       {@link com.lawyerllama.law.JsonlArticleReader#read} JSON lines; both return an
 *       {@link com.lawyerllama.law.ArticleReadResult} (articles, per-file stats, problems). Index
 *       {@link com.lawyerllama.law.ArticleReadResult#uniqueArticles()}.</li>
 *   <li>{@link com.lawyerllama.law.LawNames}: names as written → corpus short names; law names in
 *       free text.</li>
 *   <li>{@link com.lawyerllama.law.CitationParser}: 《民法典》第586条, 刑法第一百三十三条之一,
 *       该法第X条, lists … → {@link com.lawyerllama.law.Citation}.</li>
 *   <li>{@link com.lawyerllama.law.ArticleResolver}: citation → article;
 *       {@link com.lawyerllama.law.ArticleCatalog} is the in-memory one.</li>
 *   <li>{@link com.lawyerllama.law.LabelledQuestions}: the question → gold articles sets for
 *       retrieval evaluation.</li>
 *   <li>{@link com.lawyerllama.law.ChineseNumerals}: 一千零八十七 ↔ 1087.</li>
 * </ul>
 *
 * Typical use:
 * <pre>{@code
 * ArticleReadResult corpus = LawRefBookReader.read(Path.of("../shared/data/laws"));
 * List<Article> articles = corpus.uniqueArticles();
 * CitationParser parser = new CitationParser(LawNames.of(articles));
 * ArticleCatalog catalog = ArticleCatalog.of(articles);
 * for (Citation c : parser.parse(answer)) {
 *     Optional<Article> cited = catalog.resolve(c);
 * }
 * }</pre>
 */
package com.lawyerllama.law;
