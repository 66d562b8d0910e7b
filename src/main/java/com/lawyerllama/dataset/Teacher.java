package com.lawyerllama.dataset;

import java.util.List;

/**
 * The model that writes the training answers (and, for dialogues, the client's turns): one chat
 * completion per call. {@link OpenAiTeacher} speaks to any OpenAI-compatible endpoint. Rate
 * limiting, retries and token accounting are the builder's ({@link TeacherCalls}), not the teacher's.
 */
public interface Teacher {

    /** One chat message; {@code role} is {@code system}, {@code user} or {@code assistant}. */
    record Message(String role, String content) {
        public static Message system(String content) {
            return new Message("system", content);
        }

        public static Message user(String content) {
            return new Message("user", content);
        }

        public static Message assistant(String content) {
            return new Message("assistant", content);
        }
    }

    /**
     * The teacher's answer.
     *
     * @param finishReason as the endpoint reports it ({@code stop}, {@code length}, {@code content_filter}, …), may be null
     */
    record Reply(String text, String finishReason, long promptTokens, long completionTokens) {
    }

    /** @throws Failure when the endpoint does not answer with a completion */
    Reply chat(List<Message> messages, double temperature, int maxTokens);

    /** The endpoint and model, for reports (never the key). */
    String describe();

    /** A call that got no completion, classified by what the builder should do about it. */
    final class Failure extends RuntimeException {
        /** What went wrong. */
        public enum Kind {
            /** Not reachable, timed out, rate limited (429) or a server error (5xx): try again later. */
            UNAVAILABLE,
            /** The endpoint refused this request (400, 413, 422 …): a problem of this record. */
            REFUSED,
            /** Wrong key, model or address (401, 403, 404): nothing will work until the configuration changes. */
            FATAL
        }

        private final Kind kind;

        public Failure(Kind kind, String message, Throwable cause) {
            super(message, cause);
            this.kind = kind;
        }

        public Kind kind() {
            return kind;
        }

        /** The kind a reply with this HTTP status gets. */
        public static Kind ofStatus(int status) {
            if (status == 408 || status == 409 || status == 429 || status >= 500) {
                return Kind.UNAVAILABLE;
            }
            return status == 401 || status == 403 || status == 404 ? Kind.FATAL : Kind.REFUSED;
        }
    }
}
