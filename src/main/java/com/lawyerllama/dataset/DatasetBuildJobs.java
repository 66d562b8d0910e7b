package com.lawyerllama.dataset;

import com.lawyerllama.system.ApiException;
import com.lawyerllama.system.DataDirectory;
import com.lawyerllama.system.DurableJobs;
import jakarta.annotation.PreDestroy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Dataset builds as background jobs, one at a time, stored under {@code <data-dir>/dataset-builds/}
 * like corpus imports and embedding passes. A build that was queued or running when the service
 * stopped is continued at the next start from its last written chunk (when its teacher's key is
 * the configured one; see {@link DatasetBuildJob#resumable()}). A second build of an output that a
 * build is queued for or writing is refused (409).
 */
@Component
public class DatasetBuildJobs {
    private static final Logger log = LoggerFactory.getLogger(DatasetBuildJobs.class);

    /** The teacher a request names; null fields take the configured ones. */
    public record TeacherRequest(String baseUrl, String model, String apiKey) {
    }

    private final DatasetBuilder builder;
    private final DatasetProperties properties;
    private final Path outputDir;
    private final Path dataRoot;
    private final boolean headless;
    private final DurableJobs<DatasetBuildJob> jobs;
    private final Set<String> cancelRequested = ConcurrentHashMap.newKeySet();

    public DatasetBuildJobs(DatasetBuilder builder, DatasetProperties properties, DataDirectory dataDirectory,
                            @Value("${lawyer.training.data-root:../shared/data}") String dataRoot,
                            @Value("${lawyer.headless:false}") boolean headless) {
        this.builder = builder;
        this.properties = properties;
        this.outputDir = properties.outputDir().isBlank() ? dataDirectory.resolve("datasets")
                : Path.of(properties.outputDir()).toAbsolutePath().normalize();
        this.dataRoot = Path.of(dataRoot).toAbsolutePath().normalize();
        this.headless = headless;
        this.jobs = new DurableJobs<>(dataDirectory.resolve("dataset-builds"), DatasetBuildJob.class, "dataset-build",
                job -> job.with(DurableJobs.Job.INTERRUPTED, job.report(), "the service stopped during this build"
                        + (job.report() == null ? "" : " after question " + job.report().processed() + " of " + job.report().questions())
                        + (job.resumable() ? "; it continues at the next start" : "; post it again to continue (its key was not kept)")));
    }

    public Path outputDir() {
        return outputDir;
    }

    /** Where a request's input file is: relative to the data root (or the output folder), and inside one of them. */
    public Path resolveInput(String input) {
        for (Path root : List.of(dataRoot, outputDir)) {
            Path p = root.resolve(input).normalize();
            if (p.startsWith(root) && Files.isRegularFile(p)) {
                return p;
            }
        }
        throw ApiException.badRequest("input: no question file '" + input + "' under the data root " + dataRoot
                + " or the dataset folder " + outputDir).with("problems", List.of("input: not found"));
    }

    /** The output file for a request's name: a plain file name ending in .json, in the dataset folder. */
    public Path resolveOutput(String name) {
        if (name == null || !name.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,120}\\.json")) {
            throw ApiException.badRequest("output: a file name like zixun-teacher.json (letters, digits, '.', '_', '-'), got "
                    + name).with("problems", List.of("output: bad name"));
        }
        return outputDir.resolve(name);
    }

    /** The teacher a request asks for: the configured key goes only to the configured endpoint. */
    public OpenAiTeacher teacher(TeacherRequest request) {
        DatasetProperties.Teacher configured = properties.teacher();
        String baseUrl = request == null || request.baseUrl() == null ? configured.baseUrl() : request.baseUrl();
        String model = request == null || request.model() == null ? configured.model() : request.model();
        String key = request != null && request.apiKey() != null ? request.apiKey()
                : normalizeUrl(baseUrl).equals(normalizeUrl(configured.baseUrl())) ? configured.apiKey() : "";
        if (baseUrl == null || baseUrl.isBlank()) {
            throw ApiException.badRequest("teacher: no endpoint; give teacher.baseUrl or set lawyer.dataset.teacher.base-url")
                    .with("problems", List.of("teacher.baseUrl: missing"));
        }
        try {
            return new OpenAiTeacher(baseUrl, key, model, configured.timeout());
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("teacher: " + e.getMessage()).with("problems", List.of("teacher: " + e.getMessage()));
        }
    }

    private static String normalizeUrl(String url) {
        return url == null ? "" : url.strip().replaceAll("/+$", "");
    }

    /** Queues a build; 409 while another build is queued for or writing the same output. */
    public synchronized DatasetBuildJob start(BuildSettings settings, TeacherRequest teacherRequest) {
        List<String> problems = settings.validate();
        if (!problems.isEmpty()) {
            throw ApiException.badRequest("the build cannot run: " + problems.size() + " problem(s)").with("problems", problems);
        }
        Optional<DatasetBuildJob> same = jobs.list().stream()
                .filter(j -> !j.finished() && j.settings().output().equals(settings.output())).findFirst();
        if (same.isPresent()) {
            throw ApiException.conflict("a build of " + settings.output() + " is already " + same.get().state() + ": "
                    + same.get().id()).with("jobId", same.get().id());
        }
        OpenAiTeacher teacher = teacher(teacherRequest);
        try {
            BuildOutput.probe(Path.of(settings.output()), settings.recipe(DatasetBuilder.sha256(Path.of(settings.input())),
                    teacher.describe()));
        } catch (BuildOutput.Conflict e) {
            throw ApiException.conflict(e.getMessage());
        }
        boolean resumable = teacherRequest == null || teacherRequest.apiKey() == null;
        Instant now = Instant.now();
        DatasetBuildJob job = new DatasetBuildJob(UUID.randomUUID().toString(), settings, teacher.baseUrl(), teacher.model(), resumable,
                DatasetBuildJob.QUEUED, now, now, null, null);
        return submit(job, teacher);
    }

    private DatasetBuildJob submit(DatasetBuildJob job, Teacher teacher) {
        return jobs.submit(job, (queued, progress) -> run(queued, teacher, progress));
    }

    public Optional<DatasetBuildJob> get(String id) {
        return jobs.get(id);
    }

    public List<DatasetBuildJob> list() {
        return jobs.list();
    }

    /** Cancels a queued build at once, a running one after the teacher calls in flight (their chunk is kept). */
    public synchronized DatasetBuildJob cancel(String id) {
        DatasetBuildJob job = jobs.get(id).orElseThrow(() -> ApiException.notFound("no dataset build " + id));
        if (job.finished()) {
            throw ApiException.conflict("build " + id + " has already ended (" + job.state() + ")");
        }
        cancelRequested.add(id);
        if (DatasetBuildJob.QUEUED.equals(job.state())) {
            job = job.with(DatasetBuildJob.CANCELLED, job.report(), "cancelled before it started");
            jobs.update(job);
        }
        return job;
    }

    private DatasetBuildJob run(DatasetBuildJob queued, Teacher teacher, Consumer<DatasetBuildJob> progress) {
        DatasetBuildJob current = jobs.get(queued.id()).orElse(queued);
        if (current.finished()) {
            return current;     // cancelled while it waited
        }
        DatasetBuildJob[] job = {queued.with(DatasetBuildJob.RUNNING, queued.report(), null)};
        progress.accept(job[0]);
        try {
            DatasetBuilder.Result result = builder.build(queued.settings(), teacher, report -> {
                job[0] = job[0].with(DatasetBuildJob.RUNNING, report, null);
                progress.accept(job[0]);
            }, () -> cancelRequested.contains(queued.id()));
            String state = switch (result.state()) {
                case SUCCEEDED -> DatasetBuildJob.SUCCEEDED;
                case CANCELLED -> DatasetBuildJob.CANCELLED;
                case INTERRUPTED -> DatasetBuildJob.INTERRUPTED;
                case FAILED -> DatasetBuildJob.FAILED;
            };
            job[0] = job[0].with(state, result.report(), result.error());
        } catch (RuntimeException e) {
            log.error("Dataset build {} failed: {}", queued.id(), e.toString());
            job[0] = job[0].with(DatasetBuildJob.FAILED, job[0].report(), e.getMessage());
        } finally {
            cancelRequested.remove(queued.id());
        }
        return job[0];
    }

    /** At start-up, continue the builds a stop interrupted (each once: the newest job of its output). */
    @EventListener(ApplicationReadyEvent.class)
    public synchronized void resumeInterrupted() {
        if (headless) {
            return;
        }
        Set<String> outputs = new java.util.HashSet<>();
        for (DatasetBuildJob job : jobs.list()) {     // newest first
            if (!outputs.add(job.settings().output())) {
                continue;
            }
            if (DatasetBuildJob.INTERRUPTED.equals(job.state()) && job.resumable()) {
                try {
                    Teacher teacher = teacher(new TeacherRequest(job.teacherBaseUrl(), job.teacherModel(), null));
                    log.info("Continuing dataset build {} of {}", job.id(), job.settings().output());
                    submit(job.with(DatasetBuildJob.QUEUED, job.report(), null), teacher);
                } catch (RuntimeException e) {
                    log.warn("Cannot continue dataset build {}: {}", job.id(), e.getMessage());
                }
            }
        }
    }

    @PreDestroy
    void stop() {
        jobs.close();
    }
}
