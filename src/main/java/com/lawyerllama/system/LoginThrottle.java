package com.lawyerllama.system;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Failed logins, counted per client address and per user name, as leaky buckets: each failure
 * adds one, one drains every {@code refill}; a full bucket refuses further attempts (429 with
 * Retry-After until one has drained). A success clears its address's bucket but not the user
 * name's, so one attacker cannot reset the count by logging in elsewhere; the user name's bucket
 * is three times larger, so a guessing client is stopped by its own address first, and the real
 * admin is never locked out for longer than the drain time.
 */
public final class LoginThrottle {
    /** The request attribute an authentication step sets when the credentials it was given are wrong. */
    public static final String FAILED = LoginThrottle.class.getName() + ".FAILED";
    private static final int MAX_KEYS = 100_000;

    private record Bucket(double level, long at) {
    }

    private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
    private final int maxFailures;
    private final long refillNanos;
    private final LongSupplier clock;

    public LoginThrottle(SecurityProperties.LoginThrottle settings) {
        this(settings.maxFailures(), settings.refill().toNanos(), System::nanoTime);
    }

    LoginThrottle(int maxFailures, long refillNanos, LongSupplier clock) {
        if (maxFailures < 1 || refillNanos <= 0) {
            throw new IllegalArgumentException("lawyer.security.login-throttle: max-failures and refill must be positive");
        }
        this.maxFailures = maxFailures;
        this.refillNanos = refillNanos;
        this.clock = clock;
    }

    /** Seconds the client must wait before trying again; 0 when it may try now. */
    public long retryAfterSeconds(String address, String user) {
        long now = clock.getAsLong();
        long wait = Math.max(waitNanos("a:" + address, maxFailures, now),
                user == null ? 0 : waitNanos("u:" + user, 3L * maxFailures, now));
        return wait <= 0 ? 0 : Math.max(1, (wait + 999_999_999L) / 1_000_000_000L);
    }

    public void failed(String address, String user) {
        long now = clock.getAsLong();
        if (buckets.size() > MAX_KEYS) {
            buckets.entrySet().removeIf(e -> level(e.getValue(), now) <= 0);
        }
        add("a:" + address, now);
        if (user != null) {
            add("u:" + user, now);
        }
    }

    public void succeeded(String address) {
        buckets.remove("a:" + address);
    }

    private void add(String key, long now) {
        buckets.compute(key, (k, b) -> new Bucket((b == null ? 0 : level(b, now)) + 1, now));
    }

    private long waitNanos(String key, long capacity, long now) {
        Bucket b = buckets.get(key);
        if (b == null) {
            return 0;
        }
        double level = level(b, now);
        // Allowed while one more failure still fits.
        return level + 1 <= capacity ? 0 : (long) ((level + 1 - capacity) * refillNanos);
    }

    private double level(Bucket b, long now) {
        return Math.max(0, b.level() - (double) (now - b.at()) / refillNanos);
    }
}
