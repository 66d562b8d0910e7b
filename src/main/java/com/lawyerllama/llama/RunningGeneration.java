package com.lawyerllama.llama;

import java.util.concurrent.CompletableFuture;

/**
 * A generation under way, wherever it runs (this JVM's engine or a remote model server): its
 * result, and a way to stop it (the client went away).
 */
public interface RunningGeneration {

    /** Completes with the result, or exceptionally (busy, unavailable, context too long …). */
    CompletableFuture<GenerationResult> result();

    /** Stops the generation soon (callable from any thread); the result then ends as CANCELLED. */
    void cancel();
}
