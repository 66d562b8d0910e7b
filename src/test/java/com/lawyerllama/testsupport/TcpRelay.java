package com.lawyerllama.testsupport;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on a loopback port in front of a real server, to put the network conditions a client
 * must survive between them: {@link Mode#FORWARD} passes the bytes both ways, {@link Mode#SILENT}
 * accepts and reads but never answers (a stalled server), and {@link #stop()} closes the port
 * (a stopped server: connection refused) until {@link #start()} opens it again.
 */
public final class TcpRelay implements AutoCloseable {
    public enum Mode { FORWARD, SILENT }

    private final int targetPort;
    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile Mode mode = Mode.FORWARD;
    private volatile ServerSocket server;

    public TcpRelay(int targetPort) throws IOException {
        this.targetPort = targetPort;
        try (ServerSocket probe = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            this.port = probe.getLocalPort();
        }
        start();
    }

    public int port() {
        return port;
    }

    /** Changes what new connections meet; the connections open now are closed (a client's pooled ones too). */
    public void mode(Mode mode) {
        if (this.mode != mode) {
            this.mode = mode;
            open.forEach(TcpRelay::closeQuietly);
            open.clear();
        }
    }

    public synchronized void start() throws IOException {
        if (server != null) {
            return;
        }
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        server = socket;
        Thread accept = new Thread(() -> acceptLoop(socket), "tcp-relay-" + port);
        accept.setDaemon(true);
        accept.start();
    }

    /** Closes the port and every connection through it. */
    public synchronized void stop() {
        if (server != null) {
            closeQuietly(server);
            server = null;
        }
        open.forEach(TcpRelay::closeQuietly);
        open.clear();
    }

    private void acceptLoop(ServerSocket socket) {
        while (!socket.isClosed()) {
            try {
                Socket client = socket.accept();
                open.add(client);
                if (mode == Mode.SILENT) {
                    pump(client.getInputStream(), OutputStream.nullOutputStream(), client, null);
                    continue;
                }
                Socket target = new Socket(InetAddress.getLoopbackAddress(), targetPort);
                open.add(target);
                pump(client.getInputStream(), target.getOutputStream(), client, target);
                pump(target.getInputStream(), client.getOutputStream(), client, target);
            } catch (IOException e) {
                // closed by stop(), or the target refused: the client sees its connection end
            }
        }
    }

    private static void pump(InputStream in, OutputStream out, Socket a, Socket b) {
        Thread t = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    out.write(buffer, 0, n);
                    out.flush();
                }
            } catch (IOException e) {
                // one side went away
            } finally {
                closeQuietly(a);
                if (b != null) {
                    closeQuietly(b);
                }
            }
        }, "tcp-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception e) {
            // already closed
        }
    }

    @Override
    public void close() {
        stop();
    }
}
