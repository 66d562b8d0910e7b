package com.lawyerllama.consult;

import com.lawyerllama.system.Problems;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.ErrorResponse;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;

/**
 * {@code POST /consult}: JSON in, JSON out; or, with {@code Accept: text/event-stream}, the same
 * turn as server-sent events: {@code articles}, then {@code token}s, then {@code done} with the
 * whole response ({@code error} with problem details if it fails). A client that disconnects
 * stops the generation.
 */
@RestController
public class ConsultController {
    private final ConsultationService service;
    private final ConversationStore conversations;
    private final ConsultProperties properties;

    public ConsultController(ConsultationService service, ConversationStore conversations, ConsultProperties properties) {
        this.service = service;
        this.conversations = conversations;
        this.properties = properties;
    }

    @PostMapping(path = "/consult", consumes = MediaType.APPLICATION_JSON_VALUE,
            produces = {MediaType.APPLICATION_JSON_VALUE, MediaType.APPLICATION_PROBLEM_JSON_VALUE})
    ConsultResponse consult(@RequestBody ConsultRequest request) {
        ConsultationService.Turn turn = service.consult(request, ConsultationService.Listener.NONE);
        try {
            return turn.result().join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException re ? re : e;
        }
    }

    @PostMapping(path = "/consult", consumes = MediaType.APPLICATION_JSON_VALUE, produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    SseEmitter consultStream(@RequestBody ConsultRequest request, HttpServletRequest http) {
        SseEmitter emitter = new SseEmitter(properties.streamTimeout().toMillis());
        Runnable[] cancel = {() -> { }};
        ConsultationService.Turn turn = service.consult(request, new ConsultationService.Listener() {
            @Override
            public void onArticles(String conversationId, List<ConsultResponse.ArticleRef> articles, boolean unavailable) {
                send(emitter, "articles", Map.of("conversationId", conversationId, "articles", articles,
                        "articlesUnavailable", unavailable), cancel);
            }

            @Override
            public void onToken(String text) {
                send(emitter, "token", Map.of("text", text), cancel);
            }
        });
        cancel[0] = turn.cancel();
        emitter.onTimeout(turn.cancel());
        emitter.onError(e -> turn.cancel().run());
        emitter.onCompletion(turn.cancel());
        turn.result().whenComplete((response, error) -> {
            if (error == null) {
                send(emitter, "done", response, cancel);
                emitter.complete();
                return;
            }
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            ProblemDetail problem = cause instanceof ErrorResponse er ? er.getBody()
                    : ProblemDetail.forStatusAndDetail(HttpStatus.INTERNAL_SERVER_ERROR,
                    "the answer could not be completed; quote the request id when reporting it");
            send(emitter, "error", Problems.asMap(Problems.decorate(problem, http)), cancel);
            emitter.complete();
        });
        return emitter;
    }

    private static void send(SseEmitter emitter, String event, Object data, Runnable[] cancel) {
        try {
            emitter.send(SseEmitter.event().name(event).data(data, MediaType.APPLICATION_JSON));
        } catch (IOException | IllegalStateException e) {
            // The client went away: stop generating for it.
            cancel[0].run();
        }
    }

    @GetMapping("/conversations/{id}")
    Conversation conversation(@PathVariable String id) {
        return conversations.require(id);
    }

    @DeleteMapping("/conversations/{id}")
    ResponseEntity<Void> delete(@PathVariable String id) {
        if (!conversations.delete(id)) {
            throw com.lawyerllama.system.ApiException.notFound("no conversation " + id);
        }
        return ResponseEntity.noContent().build();
    }
}
