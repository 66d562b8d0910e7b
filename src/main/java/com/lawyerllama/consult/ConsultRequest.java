package com.lawyerllama.consult;

/**
 * {@code POST /consult}. Only {@code question} is required; unknown fields are ignored.
 *
 * @param conversationId continue this conversation (from an earlier response); absent: a new one
 * @param maxTokens      answer length limit (server-side maximum applies)
 * @param temperature    0 (greedy) to 2
 * @param topP           (0, 1]
 */
public record ConsultRequest(String question, String conversationId, Integer maxTokens, Double temperature,
                             Double topP) {
}
