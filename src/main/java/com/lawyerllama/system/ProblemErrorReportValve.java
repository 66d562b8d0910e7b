package com.lawyerllama.system;

import java.io.IOException;
import java.io.Writer;
import java.util.UUID;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ErrorReportValve;
import org.apache.tomcat.util.ExceptionUtils;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;

/**
 * Tomcat's error report, written as RFC 9457 problem details instead of its HTML page: it
 * answers the errors the container raises itself (a path with an encoded {@code /}, {@code \}
 * or NUL, an unparseable request line or header, a bad {@code Content-Length}, an unsupported
 * {@code Transfer-Encoding} or {@code Expect}, …) which never reach the application's
 * {@code /error} page. Installed as the host's error report valve by {@link ContainerErrors}.
 * The detail is the reason phrase only, never the container's message or a stack trace.
 */
public class ProblemErrorReportValve extends ErrorReportValve {

    public ProblemErrorReportValve() {
        setShowReport(false);
        setShowServerInfo(false);
    }

    @Override
    protected void report(Request request, Response response, Throwable throwable) {
        int code = response.getStatus();
        if (code < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
            return;
        }
        String detail = detail(code, null);
        if (code == 501 || code == 505) {
            // A transfer coding or an HTTP version the service does not speak: the client's request is at fault,
            // and the service answers 5xx only for its own failures (a 503 when a dependency is down).
            code = 400;
            response.setStatus(code);
        }
        HttpStatus status = HttpStatus.resolve(code);
        String title = status != null ? status.getReasonPhrase() : "Error";
        ProblemDetail problem = ProblemDetail.forStatus(code);
        problem.setTitle(title);
        problem.setDetail(detail != null ? detail : title + ".");
        Object id = request.getAttribute(RequestIdFilter.ATTRIBUTE);
        if (id == null) {
            id = UUID.randomUUID().toString();
            response.setHeader(RequestIdFilter.HEADER, id.toString());
        }
        problem.setProperty("requestId", id.toString());
        try {
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            response.setCharacterEncoding("UTF-8");
            Writer writer = response.getReporter();
            if (writer != null) {
                writer.write(Problems.json(problem));
                response.finishResponse();
            }
        } catch (IOException | IllegalStateException e) {
            // the client went away, or the response can no longer take a body
        } catch (Throwable t) {
            ExceptionUtils.handleThrowable(t);
        }
    }

    private static String detail(int code, String title) {
        return switch (code) {
            case 400 -> "The request is malformed: its request line, a header, or the percent-encoding of its path "
                    + "could not be accepted (an encoded '/', '\\' or NUL in the path is refused).";
            case 404 -> "There is nothing at this path.";
            case 408 -> "The request was not received in time.";
            case 413 -> "The request is larger than the service accepts.";
            case 414 -> "The request's URL is longer than the service accepts.";
            case 417 -> "The request's Expect header names an expectation the service does not support.";
            case 431 -> "The request's headers are larger than the service accepts.";
            case 501 -> "The request uses a transfer coding or method the service does not implement (it accepts "
                    + "chunked and identity bodies only).";
            case 505 -> "The request's HTTP version is not spoken here: use HTTP/1.1 (or HTTP/1.0).";
            default -> code >= 500 ? "The service failed to handle this request." : title;
        };
    }
}
