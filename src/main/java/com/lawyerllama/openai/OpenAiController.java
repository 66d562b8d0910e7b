package com.lawyerllama.openai;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.json.JsonMapper;

/**
 * The OpenAI-compatible API: {@code POST /v1/chat/completions} (JSON, or server-sent
 * {@code chat.completion.chunk}s ending with {@code data: [DONE]}), {@code GET /v1/models} and
 * {@code GET /v1/models/{id}}. Any other {@code /v1} path is an OpenAI-shaped 404.
 *
 * <p>A stream commits its 200 only when the first text (or the end) is there: a refusal that comes
 * late (a remote server's 429, a timeout) still gets its own status. After that, a failure is sent
 * as a {@code data: {"error": …}} event, as vLLM does. A client that disconnects stops the generation.
 */
@RestController
@RequestMapping("/v1")
public class OpenAiController {
    private final OpenAiChatService chats;
    private final OpenAiProperties properties;
    private final JsonMapper json;
    private final long streamTimeoutMs;

    public OpenAiController(OpenAiChatService chats, OpenAiProperties properties, JsonMapper json,
                            com.lawyerllama.consult.ConsultProperties consult) {
        this.chats = chats;
        this.properties = properties;
        this.json = json;
        this.streamTimeoutMs = consult.streamTimeout().toMillis();
    }

    @GetMapping("/models")
    OpenAiProtocol.ModelList models() {
        return new OpenAiProtocol.ModelList(chats.models());
    }

    @GetMapping("/models/{id}")
    OpenAiProtocol.ModelCard model(@PathVariable String id) {
        return chats.models().stream().filter(m -> m.id().equals(id)).findFirst()
                .orElseThrow(() -> OpenAiException.modelNotFound(id));
    }

    @RequestMapping("/**")
    void unknown(HttpServletRequest request) {
        throw new OpenAiException(HttpStatus.NOT_FOUND, "No such endpoint: " + request.getMethod() + " "
                + request.getRequestURI() + ". This server offers POST /v1/chat/completions and GET /v1/models.",
                "invalid_request_error", null, "unknown_url", 0);
    }

    /** What the generation hands to the request thread. */
    private sealed interface Event {
        record Text(String text) implements Event {
        }

        record Done(OpenAiChatService.Completion completion) implements Event {
        }

        record Failed(Throwable error) implements Event {
        }
    }

    @PostMapping("/chat/completions")
    void completions(@RequestBody(required = false) byte[] body, HttpServletResponse response) throws IOException {
        ChatCompletionRequest request = ChatCompletionRequest.parse(body, properties, chats.maxTokensLimit());
        String id = "chatcmpl-" + UUID.randomUUID().toString().replace("-", "");
        long created = System.currentTimeMillis() / 1000;
        BlockingQueue<Event> events = new LinkedBlockingQueue<>();
        OpenAiChatService.Running running = chats.start(request, text -> events.add(new Event.Text(text)));
        running.result().whenComplete((completion, error) -> events.add(error == null ? new Event.Done(completion)
                : new Event.Failed(error instanceof CompletionException && error.getCause() != null ? error.getCause() : error)));
        try {
            if (!request.stream()) {
                OpenAiChatService.Completion c = awaitEnd(events);
                write(response, MediaType.APPLICATION_JSON_VALUE, json.writeValueAsBytes(new OpenAiProtocol.ChatCompletion(id,
                        created, request.model(), List.of(new OpenAiProtocol.Choice(0, new OpenAiProtocol.ResponseMessage(
                        "assistant", c.text(), c.articles(), c.citations()), c.finishReason())),
                        new OpenAiProtocol.Usage(c.promptTokens(), c.completionTokens()))));
                return;
            }
            try {
                stream(request, id, created, events, response);
            } catch (IOException clientGone) {
                // The client went away mid-stream: the finally block stops the generation; nothing to answer.
            }
        } finally {
            running.cancel().run();
        }
    }

    private OpenAiChatService.Completion awaitEnd(BlockingQueue<Event> events) {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(streamTimeoutMs);
        while (true) {
            Event event = next(events, deadline);
            if (event instanceof Event.Done done) {
                return done.completion();
            }
            if (event instanceof Event.Failed failed) {
                throw failed.error() instanceof RuntimeException re ? re : new IllegalStateException(failed.error());
            }
        }
    }

    private static Event next(BlockingQueue<Event> events, long deadline) {
        try {
            Event event = events.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            if (event == null) {
                throw new OpenAiException(HttpStatus.SERVICE_UNAVAILABLE, "The answer took longer than the server allows "
                        + "(lawyer.consult.stream-timeout).", "server_error", null, "timeout", 10);
            }
            return event;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void stream(ChatCompletionRequest request, String id, long created, BlockingQueue<Event> events,
                        HttpServletResponse response) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(streamTimeoutMs);
        Event first = next(events, deadline);
        if (first instanceof Event.Failed failed) {
            throw failed.error() instanceof RuntimeException re ? re : new IllegalStateException(failed.error());
        }
        response.setStatus(200);
        response.setContentType(MediaType.TEXT_EVENT_STREAM_VALUE);
        response.setCharacterEncoding("UTF-8");
        response.setHeader("Cache-Control", "no-cache");
        response.setHeader("X-Accel-Buffering", "no");
        OutputStream out = response.getOutputStream();
        // On a write that fails (the client went away) the IOException ends this method, and the caller cancels.
        send(out, chunk(id, created, request.model(), new OpenAiProtocol.Delta("assistant", "", null, null), null, null));
        Event event = first;
        while (true) {
            if (event instanceof Event.Text text) {
                send(out, chunk(id, created, request.model(), new OpenAiProtocol.Delta(null, text.text(), null, null), null, null));
            } else if (event instanceof Event.Done done) {
                OpenAiChatService.Completion c = done.completion();
                send(out, chunk(id, created, request.model(), new OpenAiProtocol.Delta(null, null, c.articles(), c.citations()),
                        c.finishReason(), null));
                if (request.includeUsage()) {
                    send(out, new OpenAiProtocol.ChatCompletionChunk(id, created, request.model(), List.of(),
                            new OpenAiProtocol.Usage(c.promptTokens(), c.completionTokens())));
                }
                out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
                out.flush();
                return;
            } else if (event instanceof Event.Failed failed) {
                OpenAiException error = OpenAiExceptionHandler.translate(failed.error());
                out.write(("data: " + json.writeValueAsString(error.body()) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                return;
            }
            try {
                event = next(events, deadline);
            } catch (OpenAiException timeout) {
                out.write(("data: " + json.writeValueAsString(timeout.body()) + "\n\n").getBytes(StandardCharsets.UTF_8));
                out.flush();
                return;
            }
        }
    }

    private static OpenAiProtocol.ChatCompletionChunk chunk(String id, long created, String model, OpenAiProtocol.Delta delta,
                                                            String finishReason, OpenAiProtocol.Usage usage) {
        return new OpenAiProtocol.ChatCompletionChunk(id, created, model,
                List.of(new OpenAiProtocol.ChunkChoice(0, delta, finishReason)), usage);
    }

    private void send(OutputStream out, Object chunk) throws IOException {
        out.write(("data: " + json.writeValueAsString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void write(HttpServletResponse response, String contentType, byte[] body) throws IOException {
        response.setStatus(200);
        response.setContentType(contentType);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
    }
}
