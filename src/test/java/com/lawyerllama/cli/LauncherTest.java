package com.lawyerllama.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LauncherTest {

    @Test
    void noArgumentsMeansServe() {
        assertThat(Launcher.withDefaultSubcommand(Launcher.commandLine(), new String[0])).containsExactly("serve");
    }

    @Test
    void leadingSpringPropertyMeansServeWithThatProperty() {
        assertThat(Launcher.withDefaultSubcommand(Launcher.commandLine(), new String[] {"--server.port=9090"}))
                .containsExactly("serve", "--server.port=9090");
    }

    @Test
    void helpAndVersionStayLauncherOptions() {
        assertThat(Launcher.run("--help")).isZero();
        assertThat(Launcher.run("--version")).isZero();
        assertThat(Launcher.run("serve", "--help")).isZero();
    }

    @Test
    void springPropertiesReachTheSubcommand() {
        picocli.CommandLine cli = Launcher.commandLine();
        picocli.CommandLine.ParseResult parsed = cli.parseArgs("serve", "--server.port=9090", "--lawyer.data-dir=/tmp/x");
        ServeCommand serve = (ServeCommand) parsed.subcommand().commandSpec().userObject();
        assertThat(serve.springArgs).containsExactly("--server.port=9090", "--lawyer.data-dir=/tmp/x");
    }

    @Test
    void unknownSubcommandIsAUsageError() {
        assertThat(Launcher.run("no-such-command")).isEqualTo(2);
    }

    @Test
    void serveRejectsArgumentsThatAreNotProperties() {
        assertThat(Launcher.run("serve", "oops")).isEqualTo(2);
    }
}
