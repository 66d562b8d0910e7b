package com.lawyerllama.consult;

import com.lawyerllama.llama.ContextLengthExceededException;
import com.lawyerllama.llama.EngineBusyException;
import com.lawyerllama.llama.ModelNotLoadedException;
import com.lawyerllama.system.Problems;
import jakarta.servlet.http.HttpServletRequest;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * The engine's refusals as problem details, for every controller that drives it: busy 429 and no
 * model 503 (both with Retry-After), a prompt over the context 400. {@code llama} knows nothing of
 * HTTP, so its exceptions are mapped here; ordered before {@code system.ApiExceptionHandler}, whose
 * catch-all would otherwise answer 500.
 */
@RestControllerAdvice
@Order(Ordered.LOWEST_PRECEDENCE - 1)
public class EngineErrorHandler {

    /** The engine's message already says it is busy and when to retry. */
    @ExceptionHandler(EngineBusyException.class)
    ResponseEntity<Object> busy(EngineBusyException ex, HttpServletRequest request) {
        return Problems.response(HttpStatus.TOO_MANY_REQUESTS, ex.getMessage(), request, ex.retryAfterSeconds());
    }

    @ExceptionHandler(ModelNotLoadedException.class)
    ResponseEntity<Object> noModel(ModelNotLoadedException ex, HttpServletRequest request) {
        return Problems.response(HttpStatus.SERVICE_UNAVAILABLE, ex.getMessage()
                + " (set lawyer.model.path to a checkpoint directory; see the README)", request, 60);
    }

    @ExceptionHandler(ContextLengthExceededException.class)
    ResponseEntity<Object> tooLong(ContextLengthExceededException ex, HttpServletRequest request) {
        return Problems.response(HttpStatus.BAD_REQUEST, ex.getMessage(), request, 0);
    }
}
