package com.lawyerllama.retrieval.dense;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.ndarray.NDManager;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import com.lawyerllama.law.Article;
import com.lawyerllama.law.LawRefBookReader;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.testsupport.SharedData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The BERT encoder on DJL against the references for the same pretrained model (BGE-small-zh
 * v1.5, bundled): Hugging Face's tokenizer for the token ids, ONNX Runtime running the ONNX export
 * for the vectors. The texts are real: consultation questions and statute articles from the shared
 * data, and a line of awkward characters (full-width letters, accents, spaces of other kinds,
 * characters outside the Basic Multilingual Plane).
 */
class BertEncoderTest {
    private static final String BGE = "bge-small-zh-v1.5";
    private static final String AWKWARD = "Hello, World! 第1084条 ＡＢＣ１２３ café naïve \u00a0x\u2028y\u200bz 𠀀𪚥 e-mail: a_b@c.com ½ ①";
    private static NDManager manager;
    private static BertEncoder bge;
    private static List<String> questions;
    private static List<String> articles;

    @BeforeAll
    static void load() throws IOException {
        manager = NDManager.newBaseManager(Device.cpu());
        bge = BertEncoder.bundled(BGE, manager);
        JsonNode zixun = JsonMapper.builder().build().readTree(Files.readString(SharedData.path("lawyer-llama/zixun_gpt4.json")));
        Random random = new Random(5);
        questions = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            questions.add(zixun.get(random.nextInt(zixun.size())).path("query").asString());
        }
        Path root = Files.createTempDirectory("bert-test");
        Path book = Files.createDirectories(root.resolve("民法典"));
        Files.copy(SharedData.path("laws/民法典/婚姻家庭编.md"), book.resolve("婚姻家庭编.md"));
        Files.copy(SharedData.path("laws/民法典/合同编.md"), book.resolve("合同编.md"));
        List<Article> civilCode = LawRefBookReader.read(root).uniqueArticles();
        deleteTree(root);
        articles = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            articles.add(DenseEncoder.articleText(civilCode.get(random.nextInt(civilCode.size())), DenseEncoder.MAX_ARTICLE_CHARS));
        }
    }

    @AfterAll
    static void close() {
        bge.close();
        manager.close();
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = BertEncoder.class.getResourceAsStream(name)) {
            return in.readAllBytes();
        }
    }

    @Test
    void itReadsTheExportsShape() {
        BertEncoder.Config c = bge.config();
        assertThat(c.vocabSize()).isEqualTo(21128);
        assertThat(c.hidden()).isEqualTo(512);
        assertThat(c.layers()).isEqualTo(4);
        assertThat(c.heads()).isEqualTo(8);
        assertThat(c.intermediate()).isEqualTo(2048);
        assertThat(bge.parameters()).hasSize(5 + 16 * 4);
    }

    @Test
    void itTokenisesAsHuggingFacesTokenizerDoes(@TempDir Path dir) throws Exception {
        Path json = dir.resolve("tokenizer.json");
        Files.write(json, resource(BertEncoder.BUNDLED.get(BGE).tokenizer()));
        List<String> texts = new ArrayList<>(questions);
        texts.addAll(articles);
        texts.add(AWKWARD);
        try (HuggingFaceTokenizer reference = HuggingFaceTokenizer.newInstance(json, Map.of("maxLength", "512", "truncation", "true"))) {
            for (String text : texts) {
                Encoding expected = reference.encode(text);
                long[] mine = java.util.Arrays.stream(bge.tokenizer().encode(text, 512)).asLongStream().toArray();
                assertThat(mine).as(text).containsExactly(expected.getIds());
            }
        }
        assertThat(bge.tokenizer().tokenize("《民法典》第1084条")).containsExactly("《", "民", "法", "典", "》", "第", "108", "##4", "条");
    }

    @Test
    void itComputesTheVectorsOnnxRuntimeComputesForTheSameExport() throws Exception {
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        try (OrtSession session = env.createSession(resource(BertEncoder.BUNDLED.get(BGE).onnx()), new OrtSession.SessionOptions())) {
            List<String> texts = new ArrayList<>(questions.subList(0, 8));
            texts.addAll(articles.subList(0, 8));
            texts.add(AWKWARD);
            for (DenseEncoder.Side side : DenseEncoder.Side.values()) {
                float[][] mine = bge.encode(texts, side);
                for (int t = 0; t < texts.size(); t++) {
                    int[] ids = bge.ids(texts.get(t), side);
                    long[][] input = {java.util.Arrays.stream(ids).asLongStream().toArray()};
                    long[][] ones = {new long[ids.length]};
                    java.util.Arrays.fill(ones[0], 1);
                    Map<String, OnnxTensor> feed = new HashMap<>();
                    feed.put("input_ids", OnnxTensor.createTensor(env, input));
                    feed.put("attention_mask", OnnxTensor.createTensor(env, ones));
                    feed.put("token_type_ids", OnnxTensor.createTensor(env, new long[1][ids.length]));
                    try (OrtSession.Result result = session.run(feed)) {
                        float[] cls = ((float[][][]) result.get(0).getValue())[0][0];
                        double norm = 0;
                        double dot = 0;
                        for (int i = 0; i < cls.length; i++) {
                            norm += cls[i] * cls[i];
                            dot += cls[i] * mine[t][i];
                        }
                        assertThat(dot / Math.sqrt(norm)).as(side + " " + texts.get(t)).isCloseTo(1.0, within(1e-5));
                    } finally {
                        feed.values().forEach(OnnxTensor::close);
                    }
                }
            }
        }
    }

    @Test
    void aTextEncodesTheSameInABatchOfLongerAndShorterOnes() {
        List<String> texts = List.of(articles.get(0), questions.get(0), "离婚", articles.get(1), questions.get(1));
        float[][] together = bge.encode(texts, DenseEncoder.Side.ARTICLE);
        for (int t = 0; t < texts.size(); t++) {
            float[] alone = bge.encode(List.of(texts.get(t)), DenseEncoder.Side.ARTICLE)[0];
            for (int i = 0; i < alone.length; i++) {
                assertThat(together[t][i]).as(texts.get(t)).isCloseTo(alone[i], within(1e-4f));
            }
        }
    }

    @Test
    void aRelatedArticleScoresAboveUnrelatedOnes() {
        float[] q = bge.encode(List.of("男方出轨，离婚时我能要求赔偿吗？"), DenseEncoder.Side.QUERY)[0];
        float[][] a = bge.encode(List.of(
                "民法典 第五编 婚姻家庭 第四章 离婚 有下列情形之一，导致离婚的，无过错方有权请求损害赔偿：（一）重婚；（二）与他人同居；（三）实施家庭暴力；（四）虐待、遗弃家庭成员；（五）有其他重大过错。",
                "民法典 第三编 合同 第九章 买卖合同 出卖人应当按照约定的时间交付标的物。",
                "刑法 第二编 分则 第六章 妨害社会管理秩序罪 非法采矿的，处三年以下有期徒刑、拘役或者管制，并处或者单处罚金。"),
                DenseEncoder.Side.ARTICLE);
        assertThat(dot(q, a[0])).isGreaterThan(dot(q, a[1]) + 0.05).isGreaterThan(dot(q, a[2]) + 0.05);
    }

    @Test
    void aFileThatIsNotAnOnnxBertIsRefusedWithTheReason() {
        String tokenizer = "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"[UNK]\": 0, \"[CLS]\": 1, \"[SEP]\": 2}}}";
        assertThatThrownBy(() -> BertEncoder.fromOnnx(new byte[] {(byte) 0xFF, (byte) 0xFF, 1}, tokenizer, 64, 16, 16, "", manager))
                .isInstanceOf(IOException.class).hasMessageContaining("not a readable ONNX model");
        assertThatThrownBy(() -> BertEncoder.fromOnnx(new byte[0], tokenizer, 64, 16, 16, "", manager))
                .isInstanceOf(IOException.class).hasMessageContaining("no graph");
        assertThatThrownBy(() -> BertEncoder.bundled("bert-base-chinese", manager))
                .isInstanceOf(IOException.class).hasMessageContaining("no bundled pretrained encoder named 'bert-base-chinese'");
    }

    /**
     * A retriever model carrying the BERT part: vectors side by side, so one dot product is the
     * weighted sum of the two cosine similarities; saved, it names the part (read again from the
     * classpath on loading), and its id changes with it.
     */
    @Test
    void aRetrieverModelWithThePretrainedPartScoresTheWeightedSumOfBoth(@TempDir Path dir) throws IOException {
        List<String> texts = new ArrayList<>(articles);
        texts.addAll(questions);
        try (DenseEncoder ngram = DenseEncoder.random(NgramVocabulary.build(texts, 1, 100_000), 32, 3, manager)) {
            Path plain = dir.resolve("plain");
            ngram.save(plain, SafetensorsReader.DType.F32);
            String plainId = ngram.id();
            float[] qn = ngram.encode(List.of(questions.get(3)), DenseEncoder.Side.QUERY)[0];
            float[] an = ngram.encode(List.of(articles.get(3)), DenseEncoder.Side.ARTICLE)[0];
            float[] qb = bge.encode(List.of(questions.get(3)), DenseEncoder.Side.QUERY)[0];
            float[] ab = bge.encode(List.of(articles.get(3)), DenseEncoder.Side.ARTICLE)[0];

            ngram.attachPretrained(BGE, bge, 0.3);
            assertThat(ngram.dims()).isEqualTo(32 + 512);
            float[] q = ngram.encode(List.of(questions.get(3)), DenseEncoder.Side.QUERY)[0];
            float[] a = ngram.encode(List.of(articles.get(3)), DenseEncoder.Side.ARTICLE)[0];
            assertThat(dot(q, q)).isCloseTo(1.0, within(1e-5));
            assertThat(dot(a, a)).isCloseTo(1.0, within(1e-5));
            // the article's halves are equal, the question's weighted 0.7 and 0.3: the score is their weighted sum, scaled
            double scale = Math.sqrt(2) * Math.sqrt(0.7 * 0.7 + 0.3 * 0.3);
            assertThat(dot(q, a) * scale).isCloseTo(0.7 * dot(qn, an) + 0.3 * dot(qb, ab), within(1e-5));
            float[] q8 = ngram.encodeQuery(questions.get(3), 0.8);
            assertThat(dot(q8, a) * Math.sqrt(2) * Math.sqrt(0.2 * 0.2 + 0.8 * 0.8)).isCloseTo(0.2 * dot(qn, an) + 0.8 * dot(qb, ab), within(1e-5));
            assertThat(ngram.encodeQuery(questions.get(3), 0.3)).containsExactly(q, within(1e-6f));

            Path both = dir.resolve("both");
            ngram.save(both, SafetensorsReader.DType.F32);
            assertThat(ngram.id()).isNotEqualTo(plainId);
            try (DenseEncoder loaded = DenseEncoder.load(both, manager)) {
                assertThat(loaded.id()).isEqualTo(ngram.id());
                assertThat(loaded.config().pretrained()).isEqualTo(BGE);
                assertThat(loaded.pretrained()).isPresent();
                assertThat(loaded.encode(List.of(questions.get(3)), DenseEncoder.Side.QUERY)[0]).containsExactly(q, within(1e-6f));
            }
            try (DenseEncoder loaded = DenseEncoder.load(plain, manager)) {
                assertThat(loaded.pretrained()).isEmpty();
                assertThat(loaded.dims()).isEqualTo(32);
            }
            // a model written before the pretrained part existed has neither field in its config
            Path plainConfig = plain.resolve("config.json");
            Files.writeString(plainConfig, Files.readString(plainConfig)
                    .replaceAll(",\\s*\"pretrained\"\\s*:\\s*null", "").replaceAll(",\\s*\"pretrainedWeight\"\\s*:\\s*0\\.0", ""));
            assertThat(Files.readString(plainConfig)).doesNotContain("pretrained");
            try (DenseEncoder loaded = DenseEncoder.load(plain, manager)) {
                assertThat(loaded.pretrained()).isEmpty();
                assertThat(loaded.id()).isEqualTo(plainId);
            }
            assertThat(Files.size(both.resolve("model.safetensors"))).isEqualTo(Files.size(plain.resolve("model.safetensors")));
            Path config = both.resolve("config.json");
            Files.writeString(config, Files.readString(config).replace("\"" + BGE + "\"", "null"));
            assertThatThrownBy(() -> DenseEncoder.load(both, manager)).isInstanceOf(IOException.class)
                    .hasMessageContaining("names no pretrained encoder");
            assertThatThrownBy(() -> ngram.attachPretrained(BGE, bge, 1.0)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    /**
     * A distilled question encoder replaces BERT on the question side only: the model answers
     * questions differently, gives every article the vector it had, and so carries the vector id of
     * the model it was distilled in (the index needs no new pass); it is saved and loaded with the
     * student's weights, and a directory that lost them is refused.
     */
    @Test
    void aDistilledQuestionEncoderKeepsTheArticleVectorsAndTheirId(@TempDir Path dir) throws IOException {
        List<String> texts = new ArrayList<>(articles);
        texts.addAll(questions);
        try (DenseEncoder model = DenseEncoder.random(NgramVocabulary.build(texts, 1, 100_000), 32, 3, manager)) {
            model.attachPretrained(BGE, BertEncoder.bundled(BGE, manager), 0.5);
            Path base = dir.resolve("base");
            model.save(base, SafetensorsReader.DType.F16);
            String baseId = model.id();
            assertThat(model.vectorId()).isEqualTo(baseId);
            float[] question = model.encodeQuery(questions.get(0));
            float[] article = model.encode(List.of(articles.get(0)), DenseEncoder.Side.ARTICLE)[0];
            assertThatThrownBy(() -> DenseEncoder.random(model.vocabulary(), 8, 1, manager)
                    .attachQueryStudent(QueryStudent.random(model.config().vocabSize(), 8, 512, 1, manager)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("needs a model with a pretrained encoder");

            model.attachQueryStudent(QueryStudent.random(model.config().vocabSize(), 16, bge.dims(), 7, model.manager()));
            assertThat(model.config().queryStudentDims()).isEqualTo(16);
            float[] distilled = model.encodeQuery(questions.get(0));
            assertThat(distilled).hasSize(question.length);
            assertThat(dot(distilled, distilled)).isCloseTo(1.0, within(1e-5));
            assertThat(dot(distilled, question)).isLessThan(0.9999);
            assertThat(model.encode(List.of(articles.get(0)), DenseEncoder.Side.ARTICLE)[0]).containsExactly(article, within(1e-6f));

            Path student = dir.resolve("student");
            model.save(student, SafetensorsReader.DType.F16);
            assertThat(model.vectorId()).isEqualTo(baseId);
            assertThat(model.id()).isNotEqualTo(baseId);
            assertThat(student.resolve(QueryStudent.FILE)).isRegularFile();
            assertThat(Files.readString(student.resolve("config.json"))).contains("\"vectorId\" : \"" + baseId + "\"");
            try (DenseEncoder loaded = DenseEncoder.load(student, manager)) {
                assertThat(loaded.id()).isEqualTo(model.id());
                assertThat(loaded.vectorId()).isEqualTo(baseId);
                assertThat(loaded.queryStudent()).isPresent();
                assertThat(dot(loaded.encodeQuery(questions.get(0)), distilled)).isGreaterThan(0.9999);    // F16 weights
                assertThat(dot(loaded.encode(List.of(articles.get(0)), DenseEncoder.Side.ARTICLE)[0], article)).isGreaterThan(0.9999);
            }
            try (DenseEncoder loaded = DenseEncoder.load(base, manager)) {
                assertThat(loaded.queryStudent()).isEmpty();
                assertThat(dot(loaded.encodeQuery(questions.get(0)), question)).isGreaterThan(0.9999);
            }
            // A base saved by an earlier version, whose id was computed otherwise: the index's vectors carry
            // the id in its config.json, so that is the vector id a student distilled from it keeps.
            Path older = dir.resolve("older");
            model.save(older, SafetensorsReader.DType.F16);
            Files.delete(older.resolve(QueryStudent.FILE));
            Files.writeString(older.resolve("config.json"), Files.readString(older.resolve("config.json"))
                    .replace("\"id\" : \"" + model.id() + "\"", "\"id\" : \"0123456789abcdef\"")
                    .replace("\"vectorId\" : \"" + baseId + "\"", "\"vectorId\" : null")
                    .replaceAll("\"queryStudentDims\" : \\d+", "\"queryStudentDims\" : 0"));
            try (DenseEncoder loaded = DenseEncoder.load(older, manager)) {
                assertThat(loaded.vectorId()).isEqualTo("0123456789abcdef");
                loaded.attachQueryStudent(QueryStudent.random(loaded.config().vocabSize(), 16, bge.dims(), 7, loaded.manager()));
                loaded.save(dir.resolve("older-student"), SafetensorsReader.DType.F16);
                assertThat(loaded.vectorId()).isEqualTo("0123456789abcdef");
                assertThat(loaded.id()).isNotEqualTo("0123456789abcdef");
            }

            Files.delete(student.resolve(QueryStudent.FILE));
            assertThatThrownBy(() -> DenseEncoder.load(student, manager)).isInstanceOf(IOException.class)
                    .hasMessageContaining("has a distilled question encoder but no " + QueryStudent.FILE);
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }
}
