package com.lawyerllama.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * HTTP/1.1 over a plain socket, byte for byte as given: for requests no well-behaved client
 * would send (bad percent-encoding, raw invalid UTF-8, duplicated or oversized headers, odd
 * request lines). One request per connection; the response is read until the server closes it
 * (requests should say {@code Connection: close}) or its Content-Length / last chunk is read.
 */
public final class RawHttp {
    private final int port;

    public RawHttp(int port) {
        this.port = port;
    }

    /** A response; {@code status} is -1 when the server closed the connection without answering. */
    public record Response(int status, Map<String, String> headers, String body, String request) {
        public Optional<String> header(String name) {
            return Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
        }

        @Override
        public String toString() {
            String shown = request.length() > 160 ? request.substring(0, 160) + "…" : request;
            return status + " " + headers.getOrDefault("content-type", "") + " " + body.substring(0, Math.min(300, body.length()))
                    + "  <- " + shown.replace("\r\n", "\\r\\n");
        }
    }

    /** Sends {@code head} (request line and headers, CRLF-separated, without the blank line) and {@code body}. */
    public Response send(String head, byte[] body) {
        byte[] headBytes = (head + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
        return send(concat(headBytes, body == null ? new byte[0] : body), head);
    }

    /** Sends raw bytes as they are. */
    public Response send(byte[] raw, String label) {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(30_000);
            OutputStream out = socket.getOutputStream();
            try {
                out.write(raw);
                out.flush();
            } catch (IOException e) {
                // the server may answer and close before reading everything
            }
            return read(socket.getInputStream(), label);
        } catch (IOException e) {
            throw new IllegalStateException("request failed: " + label + ": " + e, e);
        }
    }

    /** A GET with {@code Connection: close} and the given extra header lines. */
    public Response get(String target, String... headers) {
        StringBuilder head = new StringBuilder("GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close");
        for (String h : headers) {
            head.append("\r\n").append(h);
        }
        return send(head.toString(), null);
    }

    /** A request with a body, Content-Length set, {@code Connection: close} and the given extra header lines. */
    public Response request(String method, String target, byte[] body, String... headers) {
        StringBuilder head = new StringBuilder(method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nConnection: close\r\nContent-Length: " + body.length);
        for (String h : headers) {
            head.append("\r\n").append(h);
        }
        return send(head.toString(), body);
    }

    public int port() {
        return port;
    }

    private static Response read(InputStream in, String label) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        byte[] buffer = new byte[8192];
        int headEnd = -1;
        long contentLength = -1;
        boolean chunked = false;
        Map<String, String> headers = new LinkedHashMap<>();
        int status = -1;
        try {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                all.write(buffer, 0, n);
                byte[] bytes = all.toByteArray();
                if (headEnd < 0) {
                    headEnd = indexOf(bytes, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1));
                    if (headEnd >= 0) {
                        String[] lines = new String(bytes, 0, headEnd, StandardCharsets.ISO_8859_1).split("\r\n");
                        String[] statusLine = lines[0].split(" ", 3);
                        status = Integer.parseInt(statusLine[1]);
                        for (int i = 1; i < lines.length; i++) {
                            int colon = lines[i].indexOf(':');
                            if (colon > 0) {
                                headers.merge(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                                        lines[i].substring(colon + 1).trim(), (a, b) -> a + ", " + b);
                            }
                        }
                        contentLength = headers.containsKey("content-length") ? Long.parseLong(headers.get("content-length")) : -1;
                        chunked = headers.getOrDefault("transfer-encoding", "").contains("chunked");
                    }
                }
                if (headEnd >= 0) {
                    int bodyBytes = bytes.length - headEnd - 4;
                    if (contentLength >= 0 && bodyBytes >= contentLength) {
                        break;
                    }
                    if (chunked && new String(bytes, StandardCharsets.ISO_8859_1).endsWith("\r\n0\r\n\r\n")) {
                        break;
                    }
                    if (status == 304 || status == 204 || label.startsWith("HEAD ")) {
                        break;
                    }
                }
            }
        } catch (SocketTimeoutException e) {
            throw new IllegalStateException("no complete response within 30 s: " + label);
        } catch (IOException e) {
            // connection reset after the response (or instead of one)
        }
        if (headEnd < 0) {
            return new Response(-1, headers, "", label);
        }
        byte[] bytes = all.toByteArray();
        byte[] body = java.util.Arrays.copyOfRange(bytes, headEnd + 4, bytes.length);
        if (chunked) {
            body = dechunk(body);
        }
        return new Response(status, headers, new String(body, StandardCharsets.UTF_8), label);
    }

    private static byte[] dechunk(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int i = 0;
        while (i < body.length) {
            int lineEnd = indexOf(java.util.Arrays.copyOfRange(body, i, body.length), "\r\n".getBytes(StandardCharsets.ISO_8859_1));
            if (lineEnd < 0) {
                break;
            }
            String sizeText = new String(body, i, lineEnd, StandardCharsets.ISO_8859_1).split(";")[0].trim();
            int size = sizeText.isEmpty() ? 0 : Integer.parseInt(sizeText, 16);
            i += lineEnd + 2;
            if (size == 0) {
                break;
            }
            out.write(body, i, Math.min(size, body.length - i));
            i += size + 2;
        }
        return out.toByteArray();
    }

    private static int indexOf(byte[] data, byte[] pattern) {
        outer:
        for (int i = 0; i + pattern.length <= data.length; i++) {
            for (int j = 0; j < pattern.length; j++) {
                if (data[i + j] != pattern[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    public static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
