package com.lawyerllama.testsupport;

import com.lawyerllama.retrieval.CorpusImporter;
import com.lawyerllama.retrieval.ImportReport;

/** The whole statute corpus in the test node's article index, imported once per test run. */
public final class TestCorpus {
    private static ImportReport report;

    private TestCorpus() {
    }

    public static synchronized ImportReport ensureImported(CorpusImporter importer) {
        if (report == null) {
            report = importer.importCorpus(SharedData.path("laws"), false, CorpusImporter.Listener.NONE);
        }
        return report;
    }
}
