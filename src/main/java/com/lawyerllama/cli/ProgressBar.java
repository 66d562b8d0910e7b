package com.lawyerllama.cli;

import java.io.PrintStream;

/**
 * A progress bar on stderr: redrawn in place on a terminal, a line every 10% otherwise (logs, CI).
 */
public final class ProgressBar {
    private final String label;
    private final PrintStream out = System.err;
    private final boolean terminal = System.console() != null;
    private final long started = System.nanoTime();
    private int lastDecile = -1;

    public ProgressBar(String label) {
        this.label = label;
    }

    public synchronized void update(long done, long total) {
        double fraction = total <= 0 ? 0 : Math.min(1, (double) done / total);
        double seconds = (System.nanoTime() - started) / 1e9;
        // A rate over less than a second (the first item, timed from nothing) says nothing: left out.
        double rate = seconds >= 1 ? done / seconds : 0;
        String speed = rate > 0 ? String.format(" %.1f/s", rate) : "";
        String eta = rate > 0 && total > done ? String.format(" eta %.0fs", (total - done) / rate) : "";
        if (terminal) {
            int width = 30;
            int filled = (int) Math.round(fraction * width);
            out.printf("\r%s [%s%s] %d/%d%s%s   ", label, "#".repeat(filled), " ".repeat(width - filled),
                    done, total, speed, eta);
        } else {
            int decile = (int) (fraction * 10);
            if (decile != lastDecile) {
                lastDecile = decile;
                out.printf("%s %3.0f%% %d/%d%s%s%n", label, fraction * 100, done, total, speed, eta);
            }
        }
    }

    public synchronized void done() {
        if (terminal) {
            out.println();
        }
    }
}
