package com.lawyerllama.system;

import jakarta.servlet.http.HttpServletRequest;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per refused request at most, and fewer when they come in floods: a client's
 * mistakes (bad encodings, malformed bodies, wrong credentials) are worth a line for whoever
 * reads the log, never a stack trace, and a burst of them must not fill the disk. At most
 * {@link #LINES_PER_MINUTE} lines a minute; the next line after a quiet spell says how many
 * were left out.
 */
public final class ClientErrorLog {
    private static final Logger log = LoggerFactory.getLogger(ClientErrorLog.class);
    static final int LINES_PER_MINUTE = 60;
    private static final AtomicLong windowStart = new AtomicLong();
    private static final AtomicLong inWindow = new AtomicLong();
    private static final AtomicLong suppressed = new AtomicLong();

    private ClientErrorLog() {
    }

    /** Logs a refused request in one line (method, path without the query, status and why). */
    public static void refused(HttpServletRequest request, int status, String why) {
        long now = System.currentTimeMillis();
        long start = windowStart.get();
        if (now - start >= 60_000 && windowStart.compareAndSet(start, now)) {
            inWindow.set(0);
        }
        if (inWindow.incrementAndGet() > LINES_PER_MINUTE) {
            suppressed.incrementAndGet();
            return;
        }
        long left = suppressed.getAndSet(0);
        String method = request == null ? "?" : printable(request.getMethod(), 16);
        String path = request == null ? "?" : printable(request.getRequestURI(), 200);
        log.info("Refused {} {} with {}: {}{}", method, path, status, printable(why, 300),
                left > 0 ? " (" + left + " similar lines left out)" : "");
    }

    /** The text with control characters shown as {@code \\uXXXX} and cut to {@code max} characters. */
    static String printable(String text, int max) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(Math.min(text.length(), max) + 8);
        for (int i = 0; i < text.length() && out.length() < max; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f || Character.isSurrogate(c) && !validPair(text, i)) {
                out.append(String.format("\\u%04x", (int) c));
            } else {
                out.append(c);
            }
        }
        if (out.length() >= max && text.length() > max) {
            out.append('…');
        }
        return out.toString();
    }

    private static boolean validPair(String text, int i) {
        char c = text.charAt(i);
        if (Character.isHighSurrogate(c)) {
            return i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1));
        }
        return i > 0 && Character.isHighSurrogate(text.charAt(i - 1));
    }
}
