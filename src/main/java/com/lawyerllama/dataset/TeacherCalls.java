package com.lawyerllama.dataset;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Every call a build makes to its teacher goes through here: spaced to at most
 * {@code requestsPerMinute}, retried with exponential backoff (and jitter) while the endpoint is
 * unavailable (unreachable, 429, 5xx), and counted (requests, retries, tokens).
 *
 * <p>A record is given up on (and rejected) only when it failed {@code maxAttempts} times
 * <em>and</em> the teacher answered other calls meanwhile: while the teacher answers nothing at all
 * the calls keep waiting, and once it has answered nothing for {@code unreachableAfter} the build
 * stops with {@link Unreachable} (rejecting every question of an outage would throw them away).
 */
final class TeacherCalls {
    /** Longest pause between two attempts. */
    static final Duration MAX_BACKOFF = Duration.ofSeconds(60);

    /** The teacher has answered nothing for longer than the build allows. */
    static final class Unreachable extends RuntimeException {
        Unreachable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The build was cancelled or interrupted while a call waited. */
    static final class Stopped extends RuntimeException {
        Stopped() {
            super("stopped", null, false, false);
        }
    }

    private final Teacher teacher;
    private final int maxAttempts;
    private final Duration backoff;
    private final Duration unreachableAfter;
    private final long intervalNanos;
    private final BooleanSupplier stop;
    private final Object pacing = new Object();
    private long nextSlot;
    private volatile long lastAnswer = System.nanoTime();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong retries = new AtomicLong();
    final AtomicLong promptTokens = new AtomicLong();
    final AtomicLong completionTokens = new AtomicLong();

    TeacherCalls(Teacher teacher, int requestsPerMinute, int maxAttempts, Duration backoff, Duration unreachableAfter,
                 BooleanSupplier stop) {
        this.teacher = teacher;
        this.maxAttempts = Math.max(1, maxAttempts);
        this.backoff = backoff;
        this.unreachableAfter = unreachableAfter;
        this.intervalNanos = requestsPerMinute > 0 ? 60_000_000_000L / requestsPerMinute : 0;
        this.stop = stop;
    }

    /**
     * One completion, retried as described above.
     *
     * @throws Teacher.Failure the record's own failure after its attempts (REFUSED), or FATAL at once
     * @throws Unreachable     the teacher answered nothing for {@code unreachableAfter}
     * @throws Stopped         the build is stopping
     */
    Teacher.Reply chat(List<Teacher.Message> messages, double temperature, int maxTokens) {
        long firstFailure = 0;
        for (int attempt = 1; ; attempt++) {
            pace();
            requests.incrementAndGet();
            Teacher.Failure failure;
            try {
                Teacher.Reply reply = teacher.chat(messages, temperature, maxTokens);
                lastAnswer = System.nanoTime();
                promptTokens.addAndGet(reply.promptTokens());
                completionTokens.addAndGet(reply.completionTokens());
                return reply;
            } catch (Teacher.Failure e) {
                failure = e;
            }
            long now = System.nanoTime();
            switch (failure.kind()) {
                case FATAL -> throw failure;
                case REFUSED -> {
                    // The endpoint answered: it is up, the request is the problem.
                    lastAnswer = now;
                    if (attempt >= maxAttempts) {
                        throw failure;
                    }
                }
                case UNAVAILABLE -> {
                    if (firstFailure == 0) {
                        firstFailure = now;
                    }
                    if (attempt >= maxAttempts && lastAnswer > firstFailure) {
                        throw failure;
                    }
                    if (now - lastAnswer > unreachableAfter.toNanos()) {
                        throw new Unreachable("the teacher (" + teacher.describe() + ") has answered nothing for "
                                + unreachableAfter.toSeconds() + " s; last error: " + failure.getMessage(), failure);
                    }
                }
            }
            retries.incrementAndGet();
            sleep(delay(attempt));
        }
    }

    /** Exponential backoff from {@code backoff}, capped, with up to 25 % jitter so parallel calls spread out. */
    Duration delay(int attempt) {
        long base = backoff.toMillis() << Math.min(attempt - 1, 16);
        long capped = Math.min(base, MAX_BACKOFF.toMillis());
        return Duration.ofMillis(capped + ThreadLocalRandom.current().nextLong(capped / 4 + 1));
    }

    private void pace() {
        if (intervalNanos == 0) {
            checkStop();
            return;
        }
        long wait;
        synchronized (pacing) {
            long now = System.nanoTime();
            long slot = Math.max(now, nextSlot);
            nextSlot = slot + intervalNanos;
            wait = slot - now;
        }
        sleep(Duration.ofNanos(wait));
    }

    /** Sleeps in short slices so a cancel or shutdown is noticed within a quarter second. */
    private void sleep(Duration d) {
        long end = System.nanoTime() + d.toNanos();
        while (true) {
            checkStop();
            long left = end - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                Thread.sleep(Math.min(250, Math.max(1, left / 1_000_000)));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new Stopped();
            }
        }
    }

    private void checkStop() {
        if (stop.getAsBoolean() || Thread.currentThread().isInterrupted()) {
            throw new Stopped();
        }
    }
}
