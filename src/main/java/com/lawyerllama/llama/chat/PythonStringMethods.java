package com.lawyerllama.llama.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * The Python string methods chat templates call ({@code content.startswith('<tool_response>')},
 * {@code .split('</think>')[-1].lstrip('\n')}, {@code .strip()} …), which Jinja inherits from Python
 * and Jinjava, whose strings are Java strings, lacks. Resolved before Jinjava's own resolver; any
 * other method falls through to it.
 */
final class PythonStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] args = params == null ? new Object[0] : params;
        Object result;
        switch (method.toString()) {
            case "startswith" -> result = s.startsWith(arg(args, 0));
            case "endswith" -> result = s.endsWith(arg(args, 0));
            case "split" -> result = args.length == 0 || args[0] == null
                    ? new ArrayList<>(Arrays.asList(s.strip().split("\\s+")))
                    : new ArrayList<>(Arrays.asList(s.split(Pattern.quote(arg(args, 0)), -1)));
            case "strip" -> result = strip(s, args.length > 0 ? args[0] : null, true, true);
            case "lstrip" -> result = strip(s, args.length > 0 ? args[0] : null, true, false);
            case "rstrip" -> result = strip(s, args.length > 0 ? args[0] : null, false, true);
            case "upper" -> result = s.toUpperCase(Locale.ROOT);
            case "lower" -> result = s.toLowerCase(Locale.ROOT);
            case "replace" -> result = s.replace(arg(args, 0), arg(args, 1));
            default -> {
                return null;
            }
        }
        context.setPropertyResolved(true);
        return result;
    }

    private static String arg(Object[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException("missing argument " + (i + 1));
        }
        return String.valueOf(args[i]);
    }

    /** Python's str.strip/lstrip/rstrip: whitespace, or any of the given characters. */
    static String strip(String s, Object chars, boolean left, boolean right) {
        String set = chars == null ? null : chars.toString();
        int from = 0;
        int to = s.length();
        while (left && from < to && stripped(s.charAt(from), set)) {
            from++;
        }
        while (right && to > from && stripped(s.charAt(to - 1), set)) {
            to--;
        }
        return s.substring(from, to);
    }

    private static boolean stripped(char c, String set) {
        return set == null ? Character.isWhitespace(c) : set.indexOf(c) >= 0;
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return true;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return List.<FeatureDescriptor>of().iterator();
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
