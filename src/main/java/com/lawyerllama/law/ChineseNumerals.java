package com.lawyerllama.law;

import java.util.OptionalInt;

/**
 * Chinese numerals as statutes write them, both ways.
 *
 * <p>{@link #format(int)} writes the form used in article numbers: 一, 十, 十一, 二十, 一百, 一百一十,
 * 一百零五, 一千零八十七, 一千二百六十 (a leading 一十 is written 十, as in 第十条; 零 marks skipped
 * places). {@link #parse(String)} reads that form and the variants met in questions and labels:
 * 〇 for 零, 两 for 二, 一十 for 十, Arabic digits (half- or full-width, as in 第586条) and
 * positional digit strings without units (二〇二〇).
 */
public final class ChineseNumerals {

    private static final String DIGITS = "零一二三四五六七八九";
    private static final int MAX = 99_999_999;

    private ChineseNumerals() {
    }

    /** The statute form of {@code n}; {@code 0 <= n <= 99,999,999}. */
    public static String format(int n) {
        if (n < 0 || n > MAX) {
            throw new IllegalArgumentException("out of range for Chinese numerals: " + n);
        }
        if (n == 0) {
            return "零";
        }
        int high = n / 10_000;
        int low = n % 10_000;
        StringBuilder out = new StringBuilder();
        if (high > 0) {
            out.append(formatBelowTenThousand(high, true)).append('万');
            if (low > 0) {
                if (low < 1000) {
                    out.append('零');
                }
                out.append(formatBelowTenThousand(low, false));
            }
            return out.toString();
        }
        return formatBelowTenThousand(low, true);
    }

    /** 1..9999; {@code leading} allows 十 for 一十 (not after 万 or 百, where 一十 is written). */
    private static String formatBelowTenThousand(int n, boolean leading) {
        int[] places = {n / 1000, n / 100 % 10, n / 10 % 10, n % 10};
        char[] units = {'千', '百', '十', 0};
        StringBuilder out = new StringBuilder();
        boolean pendingZero = false;
        for (int i = 0; i < 4; i++) {
            int digit = places[i];
            if (digit == 0) {
                pendingZero = out.length() > 0;
                continue;
            }
            if (pendingZero) {
                out.append('零');
                pendingZero = false;
            }
            boolean bareTen = i == 2 && digit == 1 && out.length() == 0 && leading;
            if (!bareTen) {
                out.append(DIGITS.charAt(digit));
            }
            if (units[i] != 0) {
                out.append(units[i]);
            }
        }
        return out.toString();
    }

    /** Parses a numeral; throws {@link NumberFormatException} naming the input when it is not one. */
    public static int parse(String text) {
        OptionalInt value = tryParse(text);
        if (value.isEmpty()) {
            throw new NumberFormatException("not a number: \"" + text + "\"");
        }
        return value.getAsInt();
    }

    /** Parses a numeral, or empty when {@code text} is not a well-formed one. */
    public static OptionalInt tryParse(String text) {
        if (text == null || text.isEmpty() || text.length() > 20) {
            return OptionalInt.empty();
        }
        if (allArabic(text)) {
            long value = 0;
            for (int i = 0; i < text.length(); i++) {
                value = value * 10 + arabicDigit(text.charAt(i));
                if (value > MAX) {
                    return OptionalInt.empty();
                }
            }
            return OptionalInt.of((int) value);
        }
        boolean hasUnit = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '十' || c == '百' || c == '千' || c == '万') {
                hasUnit = true;
            } else if (digitOf(c) < 0) {
                return OptionalInt.empty();
            }
        }
        return hasUnit ? parseWithUnits(text) : parsePositional(text);
    }

    /** True when {@code c} may appear in a numeral that {@link #tryParse} reads. */
    public static boolean isNumeralChar(char c) {
        return digitOf(c) >= 0 || c == '十' || c == '百' || c == '千' || c == '万' || arabicDigit(c) >= 0;
    }

    private static OptionalInt parsePositional(String text) {
        long value = 0;
        for (int i = 0; i < text.length(); i++) {
            value = value * 10 + digitOf(text.charAt(i));
        }
        return value > MAX ? OptionalInt.empty() : OptionalInt.of((int) value);
    }

    /**
     * Unit form: within each 万-section the units 千 > 百 > 十 must fall, a digit is followed by a
     * unit or ends the section, and 零 only stands where a place is skipped.
     */
    private static OptionalInt parseWithUnits(String text) {
        long total = 0;
        int section = 0;
        int pending = -1;           // a digit waiting for its unit
        int lastUnit = 10_000;      // units within a section must decrease
        boolean zeroSeen = false;
        boolean sawTenThousand = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            int digit = digitOf(c);
            if (digit == 0) {
                if (pending >= 0 || zeroSeen || section == 0 && total == 0) {
                    return OptionalInt.empty();
                }
                zeroSeen = true;
                continue;
            }
            if (digit > 0) {
                if (pending >= 0) {
                    return OptionalInt.empty();
                }
                pending = digit;
                continue;
            }
            if (c == '万') {
                if (sawTenThousand || (section == 0 && pending < 0)) {
                    return OptionalInt.empty();
                }
                section += Math.max(pending, 0);
                total = (long) section * 10_000;
                section = 0;
                pending = -1;
                lastUnit = 10_000;
                zeroSeen = false;
                sawTenThousand = true;
                continue;
            }
            int unit = c == '千' ? 1000 : c == '百' ? 100 : 10;
            if (unit >= lastUnit) {
                return OptionalInt.empty();
            }
            if (pending < 0) {
                // Only 十 may stand without a digit, and only at the very start of a number (十一).
                boolean atStart = section == 0 && total == 0 && !zeroSeen;
                boolean afterZero = zeroSeen && (section > 0 || total > 0);
                if (unit != 10 || !atStart && !afterZero) {
                    return OptionalInt.empty();
                }
                pending = 1;
            }
            section += pending * unit;
            pending = -1;
            lastUnit = unit;
            zeroSeen = false;
        }
        if (pending >= 0) {
            // A trailing digit: the ones place (一百零五, 十一), never right after 百/千 (一百五 is colloquial 150, not accepted).
            if (lastUnit != 10 && !zeroSeen) {
                return OptionalInt.empty();
            }
            section += pending;
        } else if (zeroSeen) {
            return OptionalInt.empty();
        }
        total += section;
        return total > MAX ? OptionalInt.empty() : OptionalInt.of((int) total);
    }

    private static int digitOf(char c) {
        return switch (c) {
            case '零', '〇' -> 0;
            case '一' -> 1;
            case '二', '两' -> 2;
            case '三' -> 3;
            case '四' -> 4;
            case '五' -> 5;
            case '六' -> 6;
            case '七' -> 7;
            case '八' -> 8;
            case '九' -> 9;
            default -> -1;
        };
    }

    private static int arabicDigit(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= '０' && c <= '９') {
            return c - '０';
        }
        return -1;
    }

    private static boolean allArabic(String text) {
        for (int i = 0; i < text.length(); i++) {
            if (arabicDigit(text.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }
}
