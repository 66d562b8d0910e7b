package com.lawyerllama.cli;

import ai.djl.Device;
import com.lawyerllama.cli.UsageException;
import com.lawyerllama.llama.Checkpoints;
import com.lawyerllama.llama.GgufConversion;
import com.lawyerllama.llama.Llama2cImporter;
import com.lawyerllama.llama.LlamaConfig;
import com.lawyerllama.llama.LlamaModel;
import com.lawyerllama.llama.SafetensorsReader;
import com.lawyerllama.llama.gguf.GgmlType;
import com.lawyerllama.llama.gguf.GgufWriter;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Writes a Hugging Face model directory from a llama2.c checkpoint, from another Hugging Face
 * directory at another weight type, or from random weights of a given shape.
 */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = {"Converts a model into the Hugging Face layout (config.json, model.safetensors, tokenizer files).",
                "  convert --from llama2c --checkpoint model.bin --tokenizer tokenizer.bin --out DIR",
                "  convert --from hf --checkpoint DIR --dtype F16 --out DIR   (re-save at another dtype; other files copied)",
                "  convert --random dim=288,layers=6,heads=6,kv=6,hidden=768,vocab=32000 --out DIR [--tokenizer tokenizer.bin]",
                "  convert --from gguf --in FILE.gguf --out DIR [--dtype F16]   (a GGUF file as a Hugging Face directory)",
                "  convert --to gguf --model DIR --out FILE.gguf [--type F16|Q8_0|Q4_K|F32]   (for llama.cpp / Ollama)"})
public final class ConvertCommand implements Callable<Integer> {

    @Option(names = "--from", paramLabel = "FORMAT",
            description = "Source format: llama2c, hf (a Hugging Face model directory, re-saved at --dtype), or gguf (with --in).")
    String from;

    @Option(names = "--to", paramLabel = "FORMAT", description = "Target format other than Hugging Face: gguf (with --model).")
    String to;

    @Option(names = "--in", paramLabel = "FILE", description = "--from gguf: the GGUF file.")
    Path in;

    @Option(names = "--model", paramLabel = "DIR", description = "--to gguf: the Hugging Face model directory.")
    Path model;

    @Option(names = "--type", defaultValue = "F16", description = "--to gguf: how matrices are stored: F32, F16, Q8_0, Q4_K (default ${DEFAULT-VALUE}).")
    String type;

    @Option(names = "--checkpoint", paramLabel = "FILE", description = "The source checkpoint (llama2c: the .bin file; hf: the model directory).")
    Path checkpoint;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "The source tokenizer (llama2.c tokenizer.bin).")
    Path tokenizer;

    @Option(names = "--random", paramLabel = "SHAPE",
            description = "Random weights of this shape instead of a checkpoint (dim=,layers=,heads=,kv=,hidden=,vocab=[,seq=], or 15M, 1.1B, qwen2.5-0.5B, qwen2.5-1.5B).")
    String random;

    @Option(names = "--seed", defaultValue = "42", description = "Seed for --random.")
    long seed;

    @Option(names = "--dtype", defaultValue = "F32", description = "Weight file type: F32, F16, BF16 (default ${DEFAULT-VALUE}).")
    SafetensorsReader.DType dtype;

    @Option(names = "--shard-size-mb", defaultValue = "0", description = "Shard the weights at this size (0 = one file).")
    long shardMb;

    @Option(names = "--out", required = true, paramLabel = "DIR|FILE", description = "Output model directory, or GGUF file with --to gguf (replaced atomically).")
    Path out;

    @Override
    public Integer call() throws Exception {
        LlamaCli.logToStderr(false);
        LlamaCli.threads(0);
        if (to != null) {
            if (!"gguf".equalsIgnoreCase(to)) {
                throw new UsageException("--to supports gguf only (the Hugging Face layout is the default output)");
            }
            LlamaCli.existingDirectory(model, "--model");
            GgmlType stored;
            try {
                stored = GgmlType.valueOf(type.toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                stored = null;
            }
            if (stored == null || !GgufWriter.ENCODABLE.contains(stored)) {
                throw new UsageException("--type must be one of F32, F16, Q8_0, Q4_K, got " + type);
            }
            long start = System.nanoTime();
            GgufConversion.toGguf(model, out, stored);
            System.err.printf("wrote %s (%s) in %.1f s%n", out.toAbsolutePath(), stored, (System.nanoTime() - start) / 1e9);
            return 0;
        }
        if ("gguf".equalsIgnoreCase(from)) {
            LlamaCli.existingFile(in, "--in");
            GgufConversion.toHuggingFace(in, out, dtype);
            System.err.println("wrote " + out.toAbsolutePath());
            return 0;
        }
        if (random != null) {
            LlamaConfig shape = LlamaCli.shape(random);
            try (LlamaModel model = LlamaModel.random(shape, seed, Device.cpu(), shape.maxPositionEmbeddings())) {
                Checkpoints.writeAtomically(out, tmp -> {
                    model.saveTo(tmp, dtype, shardMb * 1024 * 1024);
                    if (tokenizer != null) {
                        Tokenizers.convertLlama2c(LlamaCli.existingFile(tokenizer, "--tokenizer"), tmp);
                    }
                });
            }
        } else if ("llama2c".equalsIgnoreCase(from)) {
            if (checkpoint == null || tokenizer == null) {
                throw new UsageException("--from llama2c needs --checkpoint FILE and --tokenizer FILE");
            }
            LlamaCli.existingFile(checkpoint, "--checkpoint");
            LlamaCli.existingFile(tokenizer, "--tokenizer");
            Llama2cImporter.convert(checkpoint, tokenizer, out, dtype);
        } else if ("hf".equalsIgnoreCase(from)) {
            LlamaCli.existingDirectory(checkpoint, "--checkpoint");
            if (tokenizer != null) {
                throw new UsageException("--from hf copies the tokenizer files of --checkpoint; --tokenizer is not used");
            }
            if (checkpoint.toAbsolutePath().normalize().equals(out.toAbsolutePath().normalize())) {
                throw new UsageException("--out must differ from --checkpoint");
            }
            Checkpoints.resave(checkpoint, out, dtype, shardMb * 1024 * 1024);
        } else {
            throw new UsageException("give --from llama2c (with --checkpoint and --tokenizer), --from hf (with --checkpoint DIR), "
                    + "--from gguf (with --in FILE), --to gguf (with --model DIR) or --random SHAPE");
        }
        System.err.println("wrote " + out.toAbsolutePath());
        return 0;
    }
}
