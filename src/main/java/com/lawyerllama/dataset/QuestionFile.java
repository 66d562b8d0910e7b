package com.lawyerllama.dataset;

import com.lawyerllama.training.DatasetReaders;
import com.lawyerllama.training.Example;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The questions a build starts from, in file order:
 * <ul>
 *   <li>{@code lines}: plain text, one question per non-blank line</li>
 *   <li>{@code jsonl}: JSON lines with {@code question} and optionally {@code reference_answer}</li>
 *   <li>any dialogue format of the training readers ({@code lawyer-llama-rag}, {@code alpaca}, …): the
 *       first human turn is the question, its answer the reference answer</li>
 * </ul>
 * A record that cannot be read is kept as a {@link Question} with its {@code problem}, so that it
 * goes to the rejects file with its position instead of vanishing.
 */
final class QuestionFile {
    static final String LINES = "lines";
    static final String JSONL = "jsonl";
    private static final JsonMapper JSON = JsonMapper.builder().build();

    /**
     * One question.
     *
     * @param index     position among the file's questions (0-based); a build goes through them in this order
     * @param at        where it is, for people ({@code file:line} or {@code file#index})
     * @param reference a known good answer, given to the teacher as a hint; may be null
     * @param problem   why the record could not be read (then {@code text} is null)
     */
    record Question(int index, String at, String text, String reference, String problem) {
    }

    private QuestionFile() {
    }

    /** The formats a question file may have. */
    static Set<String> formats() {
        Set<String> formats = new java.util.TreeSet<>(Set.of(LINES, JSONL));
        DatasetReaders.FORMATS.stream().filter(f -> !DatasetReaders.isText(f)).forEach(formats::add);
        return formats;
    }

    /** The format a file name suggests when none is given: .txt lines, .jsonl JSON lines; else null. */
    static String guess(Path file) {
        String name = file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        return name.endsWith(".jsonl") ? JSONL : name.endsWith(".txt") ? LINES : null;
    }

    /** Reads every question; an unknown format or an unreadable file throws IllegalArgumentException. */
    static List<Question> read(Path file, String format) {
        if (!formats().contains(format)) {
            throw new IllegalArgumentException("unknown question format '" + format + "' (known: " + formats() + ")");
        }
        if (!Files.isRegularFile(file) || !Files.isReadable(file)) {
            throw new IllegalArgumentException("no readable question file at " + file);
        }
        try {
            return switch (format) {
                case LINES, JSONL -> readLines(file, format.equals(JSONL));
                default -> readDataset(file, format);
            };
        } catch (CharacterCodingException e) {
            throw new IllegalArgumentException(file + " is not UTF-8 text");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage());
        }
    }

    private static List<Question> readLines(Path file, boolean json) throws IOException {
        List<Question> out = new ArrayList<>();
        var decoder = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try (BufferedReader r = new BufferedReader(new java.io.InputStreamReader(Files.newInputStream(file), decoder))) {
            int lineNo = 0;
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                String at = file.getFileName() + ":" + lineNo;
                if (!json) {
                    out.add(new Question(out.size(), at, line.strip(), null, null));
                    continue;
                }
                try {
                    JsonNode n = JSON.readTree(line);
                    JsonNode q = n.get("question");
                    JsonNode ref = n.get("reference_answer");
                    if (q == null || !q.isString() || q.asString().isBlank()) {
                        out.add(new Question(out.size(), at, null, null, "no \"question\" string"));
                    } else if (ref != null && !ref.isNull() && !ref.isString()) {
                        out.add(new Question(out.size(), at, null, null, "\"reference_answer\" must be a string"));
                    } else {
                        out.add(new Question(out.size(), at, q.asString().strip(),
                                ref == null || ref.isNull() ? null : ref.asString(), null));
                    }
                } catch (RuntimeException e) {
                    String m = e.getMessage() == null ? e.toString() : e.getMessage().lines().findFirst().orElse("");
                    out.add(new Question(out.size(), at, null, null, "not JSON (" + m + ")"));
                }
            }
        }
        return out;
    }

    private static List<Question> readDataset(Path file, String format) {
        DatasetReaders.Read read = DatasetReaders.read(format, file, 0);
        List<Question> out = new ArrayList<>();
        for (Example e : read.examples()) {
            if (e instanceof Example.Dialogue d && !d.turns().isEmpty()) {
                Example.Turn first = d.turns().get(0);
                out.add(new Question(out.size(), file.getFileName() + "#" + out.size(), first.human().strip(),
                        first.assistant(), null));
            }
        }
        // The readers report malformed records by position but skip them; they go last, each with its reason.
        for (String problem : read.problems()) {
            out.add(new Question(out.size(), problem.contains(": ") ? problem.substring(0, problem.indexOf(": ")) : file.getFileName().toString(),
                    null, null, problem.contains(": ") ? problem.substring(problem.indexOf(": ") + 2) : problem));
        }
        return out;
    }
}
