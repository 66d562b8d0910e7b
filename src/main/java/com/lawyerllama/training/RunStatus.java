package com.lawyerllama.training;

import com.lawyerllama.evaluation.ModelEvaluation;
import java.util.ArrayList;
import java.util.List;

/**
 * A run's state as {@code state.json} stores it and the API shows it. Written atomically after
 * every change of state, each logged step and each checkpoint.
 */
public final class RunStatus {
    public enum State { QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED }

    public String id;
    public State state;
    public String planName;
    public String created;
    public String started;
    public String finished;
    public int stageCount;
    public int stageIndex;
    public String stage;
    /** Optimizer steps done in the current stage, and the stage's total. */
    public int step;
    public int stageSteps;
    public long tokensSeen;
    public Double trainLoss;
    public Double validationLoss;
    public Double tokensPerSecond;
    public Long etaSeconds;
    public String lastCheckpoint;
    public String finalCheckpoint;
    public String error;
    public int malformedRecords;
    /** The first malformed records met (position and reason); {@link #malformedRecords} counts all. */
    public List<String> dataProblems = new ArrayList<>();
    public int resumes;
    /** Optimizer steps skipped because the gradient was not finite (NaN or infinite). */
    public int skippedSteps;
    public List<StageSummary> stages = new ArrayList<>();
    /** The reports of the stages' {@code evaluate} tasks, in the order they ran. */
    public List<StageEvaluation> evaluations = new ArrayList<>();

    /** A stage's evaluation, run on its final checkpoint. */
    public record StageEvaluation(String stage, String checkpoint, ModelEvaluation.Report report) {
    }

    /** Loss at a stage's start and end: mean of its first and last few logged steps, and validation before and after. */
    public record StageSummary(String name, int steps, double firstLoss, double lastLoss,
                               Double firstValidationLoss, Double lastValidationLoss, double seconds, String checkpoint) {
    }

    public boolean ended() {
        return state == State.SUCCEEDED || state == State.FAILED || state == State.CANCELLED;
    }
}
