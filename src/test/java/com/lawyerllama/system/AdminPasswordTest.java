package com.lawyerllama.system;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminPasswordTest {

    @Test
    void generatesARandomOwnerOnlyPasswordOnceAndReusesIt(@TempDir Path dir) throws Exception {
        String first = AdminPassword.loadOrGenerate(dir, "admin");
        Path file = dir.resolve(AdminPassword.FILE);
        assertThat(first).hasSizeGreaterThanOrEqualTo(20);
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(AdminPassword.loadOrGenerate(dir, "admin")).isEqualTo(first);
    }

    @Test
    void twoDataDirectoriesGetDifferentPasswords(@TempDir Path a, @TempDir Path b) {
        assertThat(AdminPassword.loadOrGenerate(a, "admin")).isNotEqualTo(AdminPassword.loadOrGenerate(b, "admin"));
    }
}
