package com.lawyerllama.law;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChineseNumeralsTest {

    @ParameterizedTest
    @CsvSource({"1,一", "10,十", "11,十一", "20,二十", "100,一百", "105,一百零五", "110,一百一十",
            "586,五百八十六", "1000,一千", "1010,一千零一十", "1087,一千零八十七", "1260,一千二百六十",
            "2000,二千", "10000,一万", "10010,一万零一十", "100000,十万"})
    void formatsTheStatuteForm(int value, String numeral) {
        assertEquals(numeral, ChineseNumerals.format(value));
    }

    @Test
    void everyNumberFrom1To2000RoundTrips() {
        for (int n = 1; n <= 2000; n++) {
            String numeral = ChineseNumerals.format(n);
            assertEquals(n, ChineseNumerals.parse(numeral), numeral);
            assertEquals(n, ChineseNumerals.parse(Integer.toString(n)), "arabic " + n);
        }
    }

    @ParameterizedTest
    @CsvSource({"〇,0", "零,0", "一十,10", "一十一,11", "两百,200", "两千零五,2005", "一千〇八十七,1087",
            "一千零十,1010", "二〇二〇,2020", "586,586", "５８６,586", "十一万,110000", "一万零五,10005"})
    void readsVariantForms(String numeral, int value) {
        assertEquals(value, ChineseNumerals.parse(numeral));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "十十", "百", "一百五", "五十百", "零十", "一千零零五", "二二十", "第一", "一百零", "12a"})
    void rejectsMalformedNumerals(String numeral) {
        assertTrue(ChineseNumerals.tryParse(numeral).isEmpty(), numeral);
        assertThrows(NumberFormatException.class, () -> ChineseNumerals.parse(numeral));
    }
}
