package com.lawyerllama.cli;

import picocli.CommandLine;

/** The version from the jar's manifest (set by the build); "dev" when run from classes. */
public final class VersionProvider implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = Launcher.class.getPackage().getImplementationVersion();
        return new String[] {"lawyer-llama " + (version == null ? "dev" : version)};
    }
}
