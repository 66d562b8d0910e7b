package com.lawyerllama.consult;

import com.lawyerllama.llama.GenerationOptions;
import com.lawyerllama.llama.LlamaEngine;
import com.lawyerllama.llama.PromptFormat;
import com.lawyerllama.llama.RunningGeneration;
import com.lawyerllama.llama.TokenListener;
import com.lawyerllama.llama.chat.ChatFormat;
import com.lawyerllama.llama.chat.ChatMessage;
import com.lawyerllama.llama.remote.RemoteChatModel;
import com.lawyerllama.retrieval.RetrievalProperties;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/**
 * Model-assisted retrieval queries (off by default): before the articles are searched, the answering
 * model (the engine's checkpoint, or the remote server when {@code lawyer.model.provider=openai})
 * either restates a lay question in legal terms ({@link Mode#REWRITE}: the legal relationship or
 * charge, the laws and terms it concerns) or drafts a short answer ({@link Mode#DRAFT}); the search
 * then runs on the question followed by that text, so that the words of the law the user did not
 * know can match the articles.
 *
 * <p>Greedy decoding (temperature 0), a token limit and a timeout. A model that is missing, busy,
 * fails or runs past the timeout leaves the question as it is: assistance never fails a
 * consultation, it only costs the model's time, which is why it is off by default and measured
 * ({@code eval retrieval --rewrite}) before a deployment turns it on.
 */
@Component
public class QueryAssist {
    private static final Logger log = LoggerFactory.getLogger(QueryAssist.class);
    /** The most of the model's text that goes into the query, in characters (code points). */
    static final int MAX_ADDED_CHARS = 600;
    static final String REWRITE_INSTRUCTION = "请把下面的法律咨询问题改写成检索法条用的法律用语：写出它涉及的法律关系或罪名、"
            + "可能适用的法律名称和关键的法律术语，写成一行，不超过六十字，不要回答问题。\n\n问题：";
    static final String DRAFT_INSTRUCTION = "请简要回答下面的法律问题，指出适用的法律及其条文，不超过一百五十字。\n\n问题：";

    public enum Mode {
        OFF, REWRITE, DRAFT;

        /** The mode as written in settings and options: off, rewrite, draft. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * What the search runs on.
     *
     * @param query     the question, then a space and the model's text when there is one
     * @param added     the model's text as used (null when none was added)
     * @param millis    how long the model took
     * @param failure   why the question is searched as it is although assistance is on (null otherwise)
     */
    public record Assisted(String query, String added, long millis, String failure) {
    }

    private final LlamaEngine engine;
    private final RemoteChatModel remote;
    private final PromptBuilder prompts;
    private final QueryAssistProperties properties;
    /** The longest query a search accepts ({@code lawyer.retrieval.max-query-length}). */
    private final int maxQueryLength;

    public QueryAssist(LlamaEngine engine, ObjectProvider<RemoteChatModel> remote, PromptBuilder prompts,
                       QueryAssistProperties properties, RetrievalProperties retrieval) {
        this.engine = engine;
        this.remote = remote.getIfAvailable();
        this.prompts = prompts;
        this.properties = properties;
        this.maxQueryLength = retrieval.maxQueryLength();
    }

    /** The configured mode ({@code lawyer.consult.query-assist.mode}). */
    public Mode mode() {
        return properties.mode();
    }

    /** {@link #expand(String, Mode)} in the configured mode. */
    public Assisted expand(String question) {
        return expand(question, properties.mode());
    }

    /** The retrieval query for {@code question} in {@code mode}; never throws for a model's failure. */
    public Assisted expand(String question, Mode mode) {
        if (mode == null || mode == Mode.OFF) {
            return new Assisted(question, null, 0, null);
        }
        // The question, a space and the model's text must stay within what a search accepts.
        int room = Math.min(MAX_ADDED_CHARS, maxQueryLength - question.codePointCount(0, question.length()) - 1);
        if (room < 1) {
            return new Assisted(question, null, 0, "the question leaves no room in the query");
        }
        long started = System.nanoTime();
        String failure;
        try {
            String added = clean(generate(messages(question, mode), mode == Mode.DRAFT
                    ? properties.draftMaxTokens() : properties.rewriteMaxTokens()), room);
            long millis = (System.nanoTime() - started) / 1_000_000;
            if (added.isEmpty()) {
                return new Assisted(question, null, millis, "the model wrote nothing");
            }
            return new Assisted(question + " " + added, added, millis, null);
        } catch (TimeoutException e) {
            failure = "the model took longer than " + properties.timeout().toMillis() + " ms";
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            failure = "the model failed: " + cause.getMessage();
        } catch (RuntimeException e) {
            failure = "the model failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = "interrupted";
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        log.warn("query assistance ({}) skipped, the question is searched as it is: {}", mode.label(), failure);
        return new Assisted(question, null, millis, failure);
    }

    /** The chat the model is given: the consultation's system text, then the instruction and the question. */
    public List<ChatMessage> messages(String question, Mode mode) {
        return List.of(ChatMessage.system(PromptFormat.SYSTEM_PROMPT),
                ChatMessage.user((mode == Mode.DRAFT ? DRAFT_INSTRUCTION : REWRITE_INSTRUCTION) + question));
    }

    private String generate(List<ChatMessage> messages, int maxTokens)
            throws TimeoutException, ExecutionException, InterruptedException {
        GenerationOptions options = engine.defaultGenerationOptions().withMaxNewTokens(maxTokens).withTemperature(0);
        RunningGeneration generation;
        if (remote != null) {
            generation = remote.submit(RemoteChatModel.messages(messages), options, TokenListener.NONE);
        } else {
            if (!engine.isLoaded()) {
                throw new IllegalStateException("no model is loaded");
            }
            ChatFormat chat = prompts.formatFor(engine.chatFormat());
            generation = engine.submit(chat.render(messages, true), options.withStopStrings(chat.stopStrings()),
                    TokenListener.NONE);
        }
        try {
            return generation.result().get(properties.timeout().toMillis(), TimeUnit.MILLISECONDS).text();
        } catch (TimeoutException | InterruptedException e) {
            generation.cancel();
            throw e;
        }
    }

    /** The model's text on one line, at most {@code room} characters (code points). */
    static String clean(String text, int room) {
        String line = text == null ? "" : text.replaceAll("\\s+", " ").strip();
        if (line.codePointCount(0, line.length()) <= room) {
            return line;
        }
        return line.substring(0, line.offsetByCodePoints(0, room)).strip();
    }
}
