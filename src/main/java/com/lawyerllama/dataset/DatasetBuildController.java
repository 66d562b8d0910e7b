package com.lawyerllama.dataset;

import com.lawyerllama.system.ApiException;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.http.ResponseEntity;
import org.springframework.validation.annotation.Validated;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code /admin/datasets/build}: start a build (asynchronous, 202), follow it, list them, cancel one.
 * The input is a question file under the data root; the output a file name in the dataset folder
 * ({@code lawyer.dataset.output-dir}); the job shows the absolute path a plan can name.
 */
@RestController
@RequestMapping("/admin/datasets/build")
@Validated
public class DatasetBuildController {

    /**
     * A build request; absent settings take {@link BuildSettings#defaults}. {@code teacher} may name
     * another endpoint or model than the configured one (and its own key, which is never stored).
     */
    public record BuildRequest(@NotBlank @Size(max = 4096) String input, @Size(max = 64) String format,
                               @NotBlank @Size(max = 128) String output, @Size(max = 32) String kind,
                               Integer minTurns, Integer maxTurns, Double distractorShare, Long seed,
                               Integer minAnswerChars, Boolean requireCitation, Boolean rejectCutOff,
                               Double nearDuplicateThreshold, Integer maxQuestionChars, Integer limit, Integer chunkSize,
                               Integer concurrency, Double temperature, Integer maxTokens, Integer requestsPerMinute,
                               Integer maxAttempts, Double backoffSeconds, Double unreachableAfterSeconds,
                               @Valid TeacherBody teacher) {
    }

    public record TeacherBody(@Size(max = 2048) String baseUrl, @Size(max = 256) String model, @Size(max = 4096) String apiKey) {
    }

    private final DatasetBuildJobs jobs;
    private final DatasetProperties properties;

    public DatasetBuildController(DatasetBuildJobs jobs, DatasetProperties properties) {
        this.jobs = jobs;
        this.properties = properties;
    }

    @PostMapping
    ResponseEntity<DatasetBuildJob> start(@RequestBody @Valid BuildRequest r) {
        Path input = jobs.resolveInput(r.input());
        Path output = jobs.resolveOutput(r.output());
        String format = r.format() != null ? r.format() : QuestionFile.guess(input);
        if (format == null) {
            throw ApiException.badRequest("format: give the question file's format (" + QuestionFile.formats() + ")")
                    .with("problems", List.of("format: missing"));
        }
        BuildSettings d = BuildSettings.defaults(input.toString(), format, output.toString(),
                r.kind() == null ? BuildSettings.SINGLE : r.kind());
        DatasetProperties.Teacher t = properties.teacher();
        BuildSettings settings = new BuildSettings(d.input(), d.format(), d.output(), d.kind(),
                or(r.minTurns(), d.minTurns()), or(r.maxTurns(), d.maxTurns()), or(r.distractorShare(), d.distractorShare()),
                or(r.seed(), d.seed()), or(r.minAnswerChars(), d.minAnswerChars()), or(r.requireCitation(), d.requireCitation()),
                or(r.rejectCutOff(), d.rejectCutOff()), or(r.nearDuplicateThreshold(), d.nearDuplicateThreshold()),
                or(r.maxQuestionChars(), d.maxQuestionChars()), or(r.limit(), d.limit()), or(r.chunkSize(), d.chunkSize()),
                or(r.concurrency(), d.concurrency()), or(r.temperature(), d.temperature()), or(r.maxTokens(), d.maxTokens()),
                or(r.requestsPerMinute(), t.requestsPerMinute()), or(r.maxAttempts(), d.maxAttempts()),
                r.backoffSeconds() == null ? d.backoff() : seconds(r.backoffSeconds()),
                r.unreachableAfterSeconds() == null ? d.unreachableAfter() : seconds(r.unreachableAfterSeconds()),
                t.pricePerMillionPrompt(), t.pricePerMillionCompletion());
        DatasetBuildJobs.TeacherRequest teacher = r.teacher() == null ? null
                : new DatasetBuildJobs.TeacherRequest(r.teacher().baseUrl(), r.teacher().model(), r.teacher().apiKey());
        DatasetBuildJob job = jobs.start(settings, teacher);
        return ResponseEntity.accepted().location(URI.create("/admin/datasets/build/" + job.id())).body(job);
    }

    @GetMapping("/{id}")
    DatasetBuildJob get(@PathVariable String id) {
        return jobs.get(id).orElseThrow(() -> ApiException.notFound("no dataset build " + id));
    }

    @GetMapping
    List<DatasetBuildJob> list() {
        return jobs.list();
    }

    @PostMapping("/{id}/cancel")
    DatasetBuildJob cancel(@PathVariable String id) {
        return jobs.cancel(id);
    }

    private static <T> T or(T given, T otherwise) {
        return given != null ? given : otherwise;
    }

    private static Duration seconds(double s) {
        if (!(s >= 0) || s > 86_400) {
            throw ApiException.badRequest("durations are seconds in [0, 86400], got " + s)
                    .with("problems", List.of("duration: out of range"));
        }
        return Duration.ofMillis(Math.round(s * 1000));
    }
}
