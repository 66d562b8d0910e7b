package com.lawyerllama.system;

import java.util.Arrays;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamConstraintsException;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.core.exc.UnexpectedEndOfInputException;
import tools.jackson.databind.exc.InvalidNullException;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.exc.ValueInstantiationException;

/**
 * What is wrong with a JSON request body, in the request's own terms: the field (as a path like
 * {@code stages[0].datasets[1].format}) and the JSON type it should have. Jackson's own messages
 * name Java classes ({@code com.lawyerllama…}, {@code java.util.ArrayList<…>}), which mean
 * nothing to a client and tell an attacker about the insides; they never reach a response.
 */
public final class JsonErrors {

    private JsonErrors() {
    }

    /** One sentence for the problem's detail. */
    public static String describe(JacksonException e) {
        String field = field(e);
        String where = field.isEmpty() ? "the body" : "field '" + field + "'";
        if (e instanceof StreamConstraintsException) {
            return "the body is nested too deeply or has a value that is too long";
        }
        if (e instanceof UnexpectedEndOfInputException) {
            return "the body ends before its JSON is complete";
        }
        if (e instanceof StreamReadException) {
            return "the body is not valid JSON" + location(e.getLocation());
        }
        if (e instanceof UnrecognizedPropertyException) {
            return "unknown field '" + field + "'";
        }
        if (e instanceof InvalidNullException) {
            return where + " must not be null";
        }
        if (e instanceof ValueInstantiationException v) {
            Throwable cause = v.getCause();
            if (cause instanceof IllegalArgumentException && cause.getMessage() != null && !mentionsJava(cause.getMessage())) {
                return (field.isEmpty() ? "" : where + ": ") + cause.getMessage();
            }
            return where + (cause instanceof NullPointerException ? " holds a null where a value is required" : " is not valid");
        }
        if (e instanceof MismatchedInputException m && m.getTargetType() != null) {
            return where + ": expected " + expected(m.getTargetType());
        }
        return where + " is not valid";
    }

    /** The JSON path of the value that failed ({@code a.b[2].c}), empty for the whole body. */
    public static String field(JacksonException e) {
        StringBuilder path = new StringBuilder();
        for (JacksonException.Reference ref : e.getPath()) {
            if (ref.getPropertyName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(ClientErrorLog.printable(ref.getPropertyName(), 80));
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** The JSON kind a Java type is written as. */
    static String expected(Class<?> type) {
        if (type == String.class || CharSequence.class.isAssignableFrom(type) || type == java.nio.file.Path.class
                || type == char.class || type == Character.class) {
            return "a string";
        }
        if (type == int.class || type == long.class || type == short.class || type == byte.class
                || type == Integer.class || type == Long.class || type == Short.class || type == Byte.class
                || type == java.math.BigInteger.class) {
            return "an integer";
        }
        if (type.isPrimitive() && type != boolean.class || Number.class.isAssignableFrom(type)) {
            return "a number";
        }
        if (type == boolean.class || type == Boolean.class) {
            return "true or false";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.stream(type.getEnumConstants())
                    .map(c -> "'" + c.toString().toLowerCase(Locale.ROOT) + "'").collect(Collectors.joining(", "));
        }
        if (Map.class.isAssignableFrom(type) || type.getName().startsWith("tools.jackson.databind.node")
                || type.getName().equals("tools.jackson.databind.JsonNode")) {
            return "an object";
        }
        return "an object";
    }

    private static String location(TokenStreamLocation location) {
        if (location == null || location.getLineNr() < 1) {
            return "";
        }
        return " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
    }

    private static boolean mentionsJava(String message) {
        return message.contains("java.") || message.contains("com.lawyerllama") || message.contains("tools.jackson")
                || message.contains("Exception");
    }
}
