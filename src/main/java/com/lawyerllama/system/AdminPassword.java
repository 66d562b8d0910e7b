package com.lawyerllama.system;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin password when none is configured: generated once at first start, stored in the
 * data directory readable by the owner only, and reused afterwards. Never a fixed default.
 */
final class AdminPassword {
    private static final Logger log = LoggerFactory.getLogger(AdminPassword.class);
    static final String FILE = "admin-password";

    private AdminPassword() {
    }

    static String loadOrGenerate(Path dataDir, String username) {
        Path file = dataDir.resolve(FILE);
        try {
            if (Files.isRegularFile(file)) {
                String stored = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!stored.isEmpty()) {
                    log.info("Admin user '{}': password read from {}", username, file);
                    return stored;
                }
            }
            byte[] random = new byte[18];
            new SecureRandom().nextBytes(random);
            String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
            Path tmp = Files.createTempFile(dataDir, ".admin-password", ".tmp",
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.writeString(tmp, password + "\n", StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
            log.warn("No admin password configured (lawyer.security.admin.password): generated one for user '{}' "
                    + "and stored it in {} (owner-only)", username, file);
            return password;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store the generated admin password in " + file, e);
        }
    }
}
