package com.lawyerllama.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.lawyerllama.system.ApiException;
import com.lawyerllama.system.DataDirectory;
import com.lawyerllama.testsupport.SharedData;
import com.lawyerllama.testsupport.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ad-hoc evaluation jobs: run to the end on a real model, stored, and marked interrupted after a restart. */
class EvaluationJobsTest {
    @Test
    void aJobRunsToItsReportAndAStoppedOneIsMarkedInterruptedAtTheNextStart(@TempDir Path data) throws Exception {
        String root = SharedData.dir().toString();
        EvaluationJobs jobs = new EvaluationJobs(new DataDirectory(data), root);
        EvaluationJob queued = jobs.submit(TestModels.tinyChinese(), new ModelEvaluation.Options(List.of("sst2"), 2, 0, false));
        EvaluationJob job = queued;
        for (int i = 0; i < 600 && !job.finished(); i++) {
            Thread.sleep(100);
            job = jobs.get(queued.id()).orElseThrow();
        }
        assertThat(job.state()).as(String.valueOf(job)).isEqualTo(EvaluationJob.SUCCEEDED);
        assertThat(job.report().tasks().get(0).n()).isEqualTo(2);
        assertThat(job.done()).isEqualTo(2);
        assertThatThrownBy(() -> jobs.cancel(queued.id())).isInstanceOf(ApiException.class);
        assertThatThrownBy(() -> jobs.submit(TestModels.tinyChinese(), new ModelEvaluation.Options(List.of("nope"), 2, 0, false)))
                .isInstanceOf(ApiException.class).hasMessageContaining("unknown task");
        jobs.close();

        // A record left "running" by a service that stopped.
        Path stored = data.resolve("evaluations").resolve(queued.id() + ".json");
        Files.writeString(stored, Files.readString(stored).replace("\"succeeded\"", "\"running\""));
        EvaluationJobs restarted = new EvaluationJobs(new DataDirectory(data), root);
        EvaluationJob after = restarted.get(queued.id()).orElseThrow();
        assertThat(after.state()).isEqualTo(EvaluationJob.INTERRUPTED);
        assertThat(after.error()).contains("submit it again");
        assertThat(Files.readString(stored)).contains("\"interrupted\"");
        restarted.close();
    }
}
