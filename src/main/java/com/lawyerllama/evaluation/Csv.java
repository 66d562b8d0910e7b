package com.lawyerllama.evaluation;

import java.util.ArrayList;
import java.util.List;

/** RFC 4180 CSV: fields separated by commas, quoted fields may hold commas, newlines and doubled quotes. */
final class Csv {
    private Csv() {
    }

    /** A row's fields and the line it starts on (1-based). */
    record Row(int line, List<String> fields) {
    }

    static List<Row> parse(String text) {
        if (text.startsWith("\uFEFF")) {
            text = text.substring(1);
        }
        List<Row> rows = new ArrayList<>();
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean quoted = false;
        int line = 1;
        int rowStart = 1;
        int i = 0;
        while (i < text.length()) {
            char ch = text.charAt(i);
            if (quoted) {
                if (ch == '"') {
                    if (i + 1 < text.length() && text.charAt(i + 1) == '"') {
                        field.append('"');
                        i += 2;
                        continue;
                    }
                    quoted = false;
                } else {
                    if (ch == '\n') {
                        line++;
                    }
                    field.append(ch);
                }
                i++;
                continue;
            }
            if (ch == '"' && field.isEmpty()) {
                quoted = true;
            } else if (ch == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else if (ch == '\n' || ch == '\r') {
                if (ch == '\r' && i + 1 < text.length() && text.charAt(i + 1) == '\n') {
                    i++;
                }
                fields.add(field.toString());
                field.setLength(0);
                rows.add(new Row(rowStart, List.copyOf(fields)));
                fields.clear();
                line++;
                rowStart = line;
            } else {
                field.append(ch);
            }
            i++;
        }
        if (!field.isEmpty() || !fields.isEmpty()) {
            fields.add(field.toString());
            rows.add(new Row(rowStart, List.copyOf(fields)));
        }
        return rows;
    }
}
