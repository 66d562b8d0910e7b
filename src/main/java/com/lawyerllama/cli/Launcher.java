package com.lawyerllama.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The jar's entry point: {@code java -jar lawyer-llama.jar [subcommand] [options]}.
 *
 * <p>With no subcommand (or only Spring-style {@code --key=value} options) it runs
 * {@code serve}. Every subcommand is a class in this package, listed in {@code subcommands}
 * below: commands parse options and print, the work itself is done by the feature packages,
 * which never import {@code cli}.
 */
@Command(name = "lawyer-llama",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Chinese legal consultation: statute retrieval on Elasticsearch and a LLaMA model on DJL.",
        subcommands = {
                ServeCommand.class,
                TokenizeCommand.class,
                ImportCommand.class,
                EmbedCommand.class,
                EvalCommand.class,
                BenchConsultCommand.class,
                BenchRemoteCommand.class,
                com.lawyerllama.cli.GenerateCommand.class,
                com.lawyerllama.cli.ConvertCommand.class,
                com.lawyerllama.cli.BenchCommand.class,
                com.lawyerllama.cli.TrainCommand.class,
                com.lawyerllama.cli.BenchTrainCommand.class,
                com.lawyerllama.cli.TrainRetrieverCommand.class,
                BuildDataCommand.class,
                CommandLine.HelpCommand.class
        })
public final class Launcher implements Runnable {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Parses and runs; returns the exit code (separated from {@code main} for tests). */
    public static int run(String... args) {
        CommandLine cli = commandLine();
        return cli.execute(withDefaultSubcommand(cli, args));
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Launcher());
        cli.setCaseInsensitiveEnumValuesAllowed(true);
        // Spring properties (--server.port=9090) pass through to the subcommands' positional parameters.
        cli.setUnmatchedOptionsArePositionalParams(true);
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            commandLine.getErr().println(commandLine.getColorScheme().errorText("error: " + messageOf(ex)));
            return ex instanceof UsageException ? CommandLine.ExitCode.USAGE : CommandLine.ExitCode.SOFTWARE;
        });
        return cli;
    }

    /** No subcommand, or a leading Spring property ({@code --server.port=9090}), means {@code serve}. */
    static String[] withDefaultSubcommand(CommandLine cli, String[] args) {
        if (args.length == 0) {
            return new String[] {"serve"};
        }
        String first = args[0];
        boolean launcherOption = first.equals("-h") || first.equals("--help") || first.equals("-V") || first.equals("--version");
        if (!launcherOption && first.startsWith("-")) {
            String[] shifted = new String[args.length + 1];
            shifted[0] = "serve";
            System.arraycopy(args, 0, shifted, 1, args.length);
            return shifted;
        }
        return args;
    }

    private static String messageOf(Throwable ex) {
        // A failed start is a chain of bean errors; the last cause says what is wrong.
        Throwable reported = ex instanceof org.springframework.beans.BeansException
                ? org.springframework.core.NestedExceptionUtils.getMostSpecificCause(ex) : ex;
        String message = reported.getMessage();
        return message == null || message.isBlank() ? reported.getClass().getSimpleName() : message;
    }

    @Override
    public void run() {
        // Reached only for "lawyer-llama" with launcher options that picocli did not consume.
        CommandLine.usage(this, System.out);
    }
}
