package com.lawyerllama.retrieval.dense;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.retrieval.RetrievalProperties;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Which retriever model serves at start-up, and swapping it while it is in use. */
class ActiveRetrieverModelTest {

    private static RetrievalProperties withModelPath(String path) {
        return new RetrievalProperties("articles", "cjk_bigram", 3, 20, 0.25, 5.0, 2000, 500, true, false, 8.0f, 50, "", 200, 0,
                List.of("text^1.0"), RetrievalProperties.Mode.FUSED, new RetrievalProperties.Dense(path, 0.5, 200, 256, null, RetrievalProperties.VectorIndex.AUTO),
                new RetrievalProperties.Fusion(1, 1, 60),
                new RetrievalProperties.CitationSpread(1.0, 20), null, 0.0, 0);
    }

    private static Path saveRandomModel(Path dir, long seed) throws Exception {
        NgramVocabulary vocabulary = NgramVocabulary.build(List.of("当事人可以约定一方向对方给付定金", "定金合同自实际交付定金时成立"), 1, 1000);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
             DenseEncoder encoder = DenseEncoder.random(vocabulary, 16, seed, manager)) {
            encoder.save(dir, SafetensorsReader.DType.F32);
        }
        return dir;
    }

    @Test
    void anEmptyPathTurnsDenseRetrievalOff() {
        try (ActiveRetrieverModel model = new ActiveRetrieverModel(withModelPath(""))) {
            assertThat(model.activeId()).isEmpty();
            assertThat(model.acquire()).isEmpty();
            assertThat(model.absence()).contains("off");
        }
    }

    /** The repository ships a trained model at the default path; where it is missing, BM25 answers alone. */
    @Test
    void theDefaultPathServesTheShippedModelOrMeansBm25OnlyWhenMissing() {
        try (ActiveRetrieverModel model = new ActiveRetrieverModel(withModelPath(RetrievalProperties.Dense.DEFAULT_MODEL_PATH))) {
            if (Files.exists(Path.of(RetrievalProperties.Dense.DEFAULT_MODEL_PATH))) {
                assertThat(model.activeId()).hasValueSatisfying(id -> assertThat(id).hasSize(16));
                assertThat(model.describe()).containsEntry("dims", 128);
            } else {
                assertThat(model.activeId()).isEmpty();
                assertThat(model.absence()).contains("no retriever model at");
            }
        }
    }

    @Test
    void anExplicitPathThatIsMissingOrUnreadableStopsTheStart(@TempDir Path tmp) throws Exception {
        assertThatThrownBy(() -> new ActiveRetrieverModel(withModelPath(tmp.resolve("nope").toString())))
                .isInstanceOf(RetrieverModelException.class)
                .hasMessageContaining("lawyer.retrieval.dense.model-path=").hasMessageContaining("no such directory");
        Path broken = Files.createDirectories(tmp.resolve("broken"));
        Files.copy(saveRandomModel(tmp.resolve("good"), 1).resolve("config.json"), broken.resolve("config.json"));
        assertThatThrownBy(() -> new ActiveRetrieverModel(withModelPath(broken.toString())))
                .isInstanceOf(RetrieverModelException.class)
                .hasMessageContaining("cannot load the retriever model").hasMessageContaining("vocab.txt");
    }

    @Test
    void aSwapLetsLeasesFinishOnThePreviousModel(@TempDir Path tmp) throws Exception {
        Path first = saveRandomModel(tmp.resolve("first"), 1);
        Path second = saveRandomModel(tmp.resolve("second"), 2);
        try (ActiveRetrieverModel model = new ActiveRetrieverModel(withModelPath(first.toString()))) {
            String firstId = model.activeId().orElseThrow();
            ActiveRetrieverModel.Lease lease = model.acquire().orElseThrow();
            model.activate(second);
            assertThat(model.activeId()).hasValueSatisfying(id -> assertThat(id).isNotEqualTo(firstId));
            // the leased (previous) model still encodes until its lease ends
            assertThat(lease.id()).isEqualTo(firstId);
            assertThat(lease.encoder().encodeQuery("定金")).hasSize(16);
            lease.close();
            try (ActiveRetrieverModel.Lease now = model.acquire().orElseThrow()) {
                assertThat(now.path()).isEqualTo(second.toAbsolutePath().normalize());
                assertThat(now.encoder().encodeQuery("定金")).hasSize(16);
            }
            assertThatThrownBy(() -> model.activate(second, encoder -> {
                throw new IllegalStateException("refused");
            })).hasMessage("refused");
            assertThat(model.describe()).containsEntry("path", second.toAbsolutePath().normalize().toString())
                    .containsEntry("dims", 16);
        }
    }

    /**
     * A model with a distilled question encoder is served under its own id, while the index's
     * vectors are looked up by the id of the model it was distilled in (its articles read the same).
     */
    @Test
    void aDistilledModelLooksUpItsBasesVectors(@TempDir Path tmp) throws Exception {
        NgramVocabulary vocabulary = NgramVocabulary.build(List.of("当事人可以约定一方向对方给付定金", "定金合同自实际交付定金时成立"), 1, 1000);
        String baseId;
        String distilledId;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu());
             DenseEncoder encoder = DenseEncoder.random(vocabulary, 16, 3, manager)) {
            encoder.attachPretrained("bge-small-zh-v1.5", BertEncoder.bundled("bge-small-zh-v1.5", manager), 0.5);
            encoder.save(tmp.resolve("base"), SafetensorsReader.DType.F32);
            baseId = encoder.id();
            encoder.attachQueryStudent(QueryStudent.random(vocabulary.size(), 8, 512, 4, encoder.manager()));
            encoder.save(tmp.resolve("distilled"), SafetensorsReader.DType.F32);
            distilledId = encoder.id();
        }
        try (ActiveRetrieverModel model = new ActiveRetrieverModel(withModelPath(tmp.resolve("distilled").toString()))) {
            assertThat(model.activeId()).hasValue(baseId);
            try (ActiveRetrieverModel.Lease lease = model.acquire().orElseThrow()) {
                assertThat(lease.id()).isEqualTo(baseId);
                assertThat(lease.encoder().id()).isEqualTo(distilledId);
                assertThat(lease.encoder().encodeQuery("定金")).hasSize(16 + 512);
            }
            assertThat(model.describe()).containsEntry("id", distilledId).containsEntry("vectorId", baseId)
                    .containsEntry("questionEncoder", "distilled (8-dim unit embeddings)");
        }
    }
}
