package com.lawyerllama.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    private static final long SECOND = 1_000_000_000L;
    private final AtomicLong now = new AtomicLong(1_000 * SECOND);
    private final LoginThrottle throttle = new LoginThrottle(10, 6 * SECOND, now::get);

    @Test
    void anAddressMayFailTenTimesThenWaitsOneRefillPerAttempt() {
        for (int i = 0; i < 10; i++) {
            assertThat(throttle.retryAfterSeconds("10.0.0.1", "admin")).isZero();
            throttle.failed("10.0.0.1", "admin");
        }
        assertThat(throttle.retryAfterSeconds("10.0.0.1", "admin")).isEqualTo(6);
        // Another address is not held back by this one.
        assertThat(throttle.retryAfterSeconds("10.0.0.2", "other")).isZero();
        now.addAndGet(6 * SECOND);
        assertThat(throttle.retryAfterSeconds("10.0.0.1", "admin")).isZero();
        throttle.failed("10.0.0.1", "admin");
        assertThat(throttle.retryAfterSeconds("10.0.0.1", "admin")).isEqualTo(6);
    }

    @Test
    void aUserNameTakesThreeTimesAsManyFromAllAddressesAndIsNeverLockedOutForLong() {
        for (int i = 0; i < 30; i++) {
            throttle.failed("10.0.1." + i, "admin");
        }
        assertThat(throttle.retryAfterSeconds("10.0.2.1", "admin")).isEqualTo(6);
        assertThat(throttle.retryAfterSeconds("10.0.2.1", "someone-else")).isZero();
        now.addAndGet(6 * SECOND);
        assertThat(throttle.retryAfterSeconds("10.0.2.1", "admin")).isZero();
    }

    @Test
    void aSuccessClearsItsAddressButNotTheUserName() {
        for (int i = 0; i < 10; i++) {
            throttle.failed("10.0.0.1", "admin");
        }
        throttle.succeeded("10.0.0.1");
        assertThat(throttle.retryAfterSeconds("10.0.0.1", null)).isZero();
        for (int i = 0; i < 20; i++) {
            throttle.failed("10.0.3." + i, "admin");
        }
        throttle.succeeded("10.0.0.1");
        assertThat(throttle.retryAfterSeconds("10.0.0.1", "admin")).as("30 failures for admin in all").isPositive();
    }
}
