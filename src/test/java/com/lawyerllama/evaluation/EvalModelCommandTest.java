package com.lawyerllama.evaluation;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.lawyerllama.llama.Checkpoints;
import com.lawyerllama.llama.LlamaConfig;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import com.lawyerllama.testsupport.Cli;
import com.lawyerllama.testsupport.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * {@code eval model} end to end on a fixture task, with a real checkpoint built to prefer the
 * token "B": single-answer questions with gold B are all right, gold A all wrong; a multi-answer
 * question counts only when the predicted letter set is exactly the gold set.
 */
class EvalModelCommandTest {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @TempDir
    static Path dir;
    static Path model;
    static Path data;

    /** A two-layer model whose layers add nothing and whose classifier puts logit 16 on "B", 0 elsewhere. */
    @BeforeAll
    static void modelThatPrefersB() throws Exception {
        Path tokenizerDir = SharedData.path("tokenizers/chinese-llama-2");
        Tokenizer tokenizer = Tokenizers.load(tokenizerDir);
        int[] b = tokenizer.encode("答案：B");
        int bId = b[b.length - 1];
        assertEquals("B", tokenizer.piece(bId));
        LlamaConfig config = new LlamaConfig(64, 172, 2, 4, 2, 16, 1e-5, 10000.0, null, 1024, 55296, false, 1,
                List.of(2), "float32");
        model = dir.resolve("prefers-b");
        try (NDManager manager = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            Map<String, NDArray> weights = new LinkedHashMap<>();
            for (Map.Entry<String, Shape> e : LlamaModel.parameterShapes(config).entrySet()) {
                weights.put(e.getKey(), e.getValue().dimension() == 1
                        ? manager.ones(e.getValue(), DataType.FLOAT32) : manager.zeros(e.getValue(), DataType.FLOAT32));
            }
            // Every token's embedding is (1, 0, …, 0); attention and MLP outputs are zero, so the final hidden state
            // is (8, 0, …, 0) after RMSNorm, and the classifier row of "B" turns it into logit 16.
            weights.get("model.embed_tokens.weight").set(new NDIndex(":, 0"), 1f);
            weights.get("lm_head.weight").set(new NDIndex(bId + ", 0"), 2f);
            LlamaModel llama = new LlamaModel(config, manager, weights, 1024);
            Checkpoints.writeAtomically(model, tmp -> {
                llama.saveTo(tmp, SafetensorsReader.DType.F32, Long.MAX_VALUE);
                for (String file : List.of("tokenizer.model", "tokenizer_config.json", "special_tokens_map.json")) {
                    Files.copy(tokenizerDir.resolve(file), tmp.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            });
        }
        // A DISC-Law-Eval style objective file: 3 single-answer questions with gold B, 2 with gold A,
        // multi-answer questions with gold {B} and {B, D}, and one malformed row (answer E).
        data = dir.resolve("data");
        Path objective = Files.createDirectories(data.resolve("disc-lawllm-eval/eval/datasets/objective"));
        List<String> rows = new ArrayList<>();
        rows.add("input,output,A,B,C,D,source,multichoice");
        for (int i = 0; i < 3; i++) {
            rows.add("\"下列哪一项正确？（第" + i + "题）\",B,甲,乙,丙,丁,fixture,False");
        }
        rows.add("下列哪一项正确？,A,甲,乙,丙,丁,fixture,False");
        rows.add("\"下列哪一项\n正确？\",A,甲,乙,丙,丁,fixture,False");
        rows.add("下列哪些正确？,B,甲,乙,丙,丁,fixture,True");
        rows.add("下列哪些正确？,DB,甲,乙,丙,丁,fixture,True");
        rows.add("下列哪一项正确？,E,甲,乙,丙,丁,fixture,False");
        Files.writeString(objective.resolve("fixture.csv"), String.join("\n", rows) + "\n");
    }

    @Test
    void aModelThatPrefersBGetsExactlyTheBGoldItemsRight() throws Exception {
        Path items = dir.resolve("items.jsonl");
        Cli.Result r = Cli.run("eval", "model", "--model", model.toString(), "--task", "disc-objective", "--data", data.toString(),
                "--items", items.toString(), "--json");
        assertEquals(0, r.code(), r.stderr());
        JsonNode task = JSON.readTree(r.stdout()).get("tasks").get(0);
        assertEquals(7, task.get("n").asInt());
        assertEquals(4, task.get("correct").asInt(), "3 single B + the multi-answer {B}; not A, not {B, D}");
        assertEquals(1, task.get("malformed").asInt());
        assertTrue(task.get("problems").get(0).asString().contains("fixture.csv #10"), task.get("problems").toString());
        double chance = (5 * 0.25 + 2 / 15.0) / 7;
        assertEquals(chance, task.get("chance").asDouble(), 1e-9);

        List<String> lines = Files.readAllLines(items);
        assertEquals(7, lines.size());
        for (String line : lines) {
            JsonNode item = JSON.readTree(line);
            assertEquals("B", item.get("predicted").asString(), line);
            assertEquals(item.get("gold").asString().equals("B"), item.get("correct").asBoolean());
            JsonNode options = item.get("options");
            assertEquals(item.get("id").asString().endsWith("#8") || item.get("id").asString().endsWith("#9") ? 15 : 4,
                    options.size());
            for (JsonNode o : options) {
                assertEquals(1, o.get("context").get(0).asInt(), "context ids start with BOS");
                assertTrue(o.get("continuation").size() >= 1);
            }
        }
        JsonNode multi = JSON.readTree(lines.get(6));
        assertEquals("BD", multi.get("gold").asString());
        assertTrue(!multi.get("correct").asBoolean(), "B alone is not the set {B, D}");
    }

    @Test
    void shotsPutTheNextItemsSolvedBeforeTheQuestionAndChatWrapsThemInTheModelsFormat() throws Exception {
        Path items = dir.resolve("items-shots-chat.jsonl");
        Cli.Result r = Cli.run("eval", "model", "--model", model.toString(), "--task", "disc-objective", "--data", data.toString(),
                "--items", items.toString(), "--shots", "2", "--chat", "--json");
        assertEquals(0, r.code(), r.stderr());
        Tokenizer tokenizer = Tokenizers.load(model);
        JsonNode first = JSON.readTree(Files.readAllLines(items).get(0));
        int[] ids = new int[first.get("options").get(0).get("context").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = first.get("options").get(0).get("context").get(i).asInt();
        }
        String context = tokenizer.decode(ids);
        // The checkpoint has no chat template: Lawyer LLaMA's turns, its system prompt first, the answer slot last.
        assertTrue(context.contains(com.lawyerllama.llama.PromptFormat.SYSTEM_PROMPT), context);
        assertTrue(context.contains("### Human:") && context.strip().endsWith("### Assistant:"), context);
        // Item 0's two shots are items 1 and 2, each with its gold letter, then item 0's own question.
        int shot1 = context.indexOf("（第1题）");
        int shot2 = context.indexOf("（第2题）");
        int question = context.indexOf("（第0题）");
        assertTrue(shot1 >= 0 && shot1 < shot2 && shot2 < question, context);
        assertTrue(context.substring(shot1, shot2).contains("答案：B"), context);
        assertTrue(context.substring(shot2, question).contains("答案：B"), context);
        assertTrue(!context.substring(question).contains("答案：B"), "the question's own answer is not given: " + context);
        // Without the flags the same item is the bare question.
        Path plain = dir.resolve("items-plain.jsonl");
        assertEquals(0, Cli.run("eval", "model", "--model", model.toString(), "--task", "disc-objective", "--data", data.toString(),
                "--items", plain.toString()).code());
        JsonNode bare = JSON.readTree(Files.readAllLines(plain).get(0)).get("options").get(0).get("context");
        assertTrue(bare.size() < ids.length / 3, "shots and chat make the context several times longer");
        Cli.Result tooMany = Cli.run("eval", "model", "--model", model.toString(), "--task", "disc-objective", "--data", data.toString(),
                "--shots", "-1");
        assertEquals(2, tooMany.code());
        assertTrue(tooMany.stderr().contains("shots must be between 0 and"), tooMany.stderr());
    }

    @Test
    void badInputIsAUsageErrorThatNamesTheProblem() {
        Cli.Result unknown = Cli.run("eval", "model", "--model", model.toString(), "--task", "c3,nosuch", "--data", data.toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.stderr().contains("unknown task 'nosuch'"), unknown.stderr());

        Cli.Result limit = Cli.run("eval", "model", "--model", model.toString(), "--task", "disc-objective", "--limit", "0",
                "--data", data.toString());
        assertEquals(2, limit.code());
        assertTrue(limit.stderr().contains("limit must be between 1 and"), limit.stderr());

        Cli.Result missingData = Cli.run("eval", "model", "--model", model.toString(), "--task", "sst2", "--data", data.toString());
        assertEquals(2, missingData.code());
        assertTrue(missingData.stderr().contains("task sst2: cannot read"), missingData.stderr());

        Cli.Result noModel = Cli.run("eval", "model", "--model", dir.resolve("nothing").toString(), "--task", "disc-objective",
                "--data", data.toString());
        assertEquals(2, noModel.code());
        assertTrue(noModel.stderr().contains("not a directory"), noModel.stderr());
    }
}
