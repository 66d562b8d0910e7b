package com.lawyerllama.cli;

import com.lawyerllama.llama.GenerationOptions;
import com.lawyerllama.llama.GenerationResult;
import com.lawyerllama.llama.Generator;
import com.lawyerllama.llama.LlamaConfig;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.chat.ChatFormat;
import com.lawyerllama.llama.chat.ChatFormats;
import com.lawyerllama.llama.chat.ChatMessage;
import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Generates text from a prompt with a local model; stdout carries only the generated text. */
@Command(name = "generate", mixinStandardHelpOptions = true,
        description = "Generates a continuation of a prompt (prints only the generated text; logs go to stderr).")
public final class GenerateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, paramLabel = "DIR", description = "Hugging Face model directory.")
    Path model;

    @Option(names = "--prompt", defaultValue = "", description = "Prompt text, continued as it is (BOS is added where the "
            + "tokenizer config asks for it). Default: empty.")
    String prompt;

    @Option(names = "--chat", description = "Send --prompt as one user message through the model's chat template "
            + "(Lawyer LLaMA's ### Human: format when it has none); stop at its end-of-turn token.")
    boolean chat;

    @Option(names = "--enable-thinking", description = "With --chat: set the template's enable_thinking (Qwen3), off by default.")
    boolean enableThinking;

    @Option(names = "--max-tokens", defaultValue = "256", description = "Most tokens to generate (default ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--temperature", defaultValue = "0.8", description = "0 = greedy (default ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--top-p", defaultValue = "0.9", description = "Nucleus sampling mass (default ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--top-k", defaultValue = "0", description = "Top-k filter, 0 = off (default ${DEFAULT-VALUE}).")
    int topK;

    @Option(names = "--repetition-penalty", defaultValue = "1.0", description = "HF-style repetition penalty (default ${DEFAULT-VALUE}).")
    double repetitionPenalty;

    @Option(names = "--seed", description = "Seed for reproducible sampling.")
    Long seed;

    @Option(names = "--stop", description = "Stop string (repeatable).")
    java.util.List<String> stops = new java.util.ArrayList<>();

    @Option(names = "--threads", defaultValue = "0", description = "PyTorch threads (0 = engine default).")
    int threads;

    @Option(names = "--context", defaultValue = "2048", description = "Context length in tokens (default ${DEFAULT-VALUE}).")
    int context;

    @Option(names = "--verbose", description = "Log progress to stderr.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        LlamaCli.logToStderr(verbose);
        LlamaCli.threads(threads);
        LlamaCli.existingDirectory(model, "--model");
        GenerationOptions options;
        try {
            options = new GenerationOptions(maxTokens, temperature, topK, topP, repetitionPenalty, seed, stops);
        } catch (IllegalArgumentException e) {
            throw new com.lawyerllama.cli.UsageException(e.getMessage());
        }
        LlamaConfig.read(model);   // a directory without config.json is reported as such, before the tokenizer
        Tokenizer tokenizer = Tokenizers.load(model);
        PrintStream out = new PrintStream(System.out, true, StandardCharsets.UTF_8);   // UTF-8 whatever the platform default
        ChatFormat format = chat ? ChatFormats.forModel(model, tokenizer, ChatFormats.AUTO,
                java.util.Map.of("enable_thinking", enableThinking)) : null;
        String text = chat ? format.render(java.util.List.of(ChatMessage.user(prompt)), true) : prompt;
        if (chat) {
            java.util.List<String> allStops = new java.util.ArrayList<>(stops);
            allStops.addAll(format.stopStrings());
            options = options.withStopStrings(allStops);
        }
        try (LlamaModel llama = LlamaModel.load(model, LlamaModel.defaultDevice(), context)) {
            Generator generator = new Generator(llama, tokenizer, chat ? format.endOfTurnIds() : java.util.Set.of());
            GenerationResult result = generator.generate(text, options, (id, piece) -> {
                out.print(piece);
                out.flush();
            }, () -> false);
            out.println();
            out.flush();
            if (verbose) {
                System.err.printf("%d prompt tokens, %d generated, %.1f tok/s, finish %s%n", result.promptTokens(),
                        result.generatedTokens(),
                        result.generatedTokens() / Math.max(1e-9, (result.totalNanos() - result.timeToFirstTokenNanos()) / 1e9),
                        result.finishReason());
            }
        }
        return 0;
    }
}
