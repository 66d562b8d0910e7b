package com.lawyerllama.cli;

import com.lawyerllama.llama.tokenizer.Tokenizer;
import com.lawyerllama.llama.tokenizer.Tokenizers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Prints the token ids of a text: {@code tokenize --model DIR --text TEXT [--bos]}. */
@Command(name = "tokenize", mixinStandardHelpOptions = true,
        description = {
                "Prints the token ids of a text, space-separated on one line.",
                "--model is a model directory, a directory of tokenizer files or one tokenizer",
                "file: tokenizer.json, tokenizer.model, llama2.c's tokenizer.bin, a *.model, or a .gguf file."
        })
public final class TokenizeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, paramLabel = "DIR",
            description = "Model or tokenizer directory, or a tokenizer file.")
    Path model;

    @Option(names = "--text", required = true, paramLabel = "TEXT", description = "The text to encode.")
    String text;

    @Option(names = "--bos", description = "Put the BOS id first.")
    boolean bos;

    @Override
    public Integer call() {
        if (!Files.exists(model)) {
            throw new UsageException("--model " + model + " does not exist");
        }
        Tokenizer tokenizer;
        try {
            tokenizer = Tokenizers.load(model);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
        int[] ids = tokenizer.encode(text, bos);
        spec.commandLine().getOut().println(Arrays.stream(ids).mapToObj(Integer::toString).collect(Collectors.joining(" ")));
        spec.commandLine().getOut().flush();
        return 0;
    }
}
