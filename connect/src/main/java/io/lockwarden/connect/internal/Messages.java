package io.lockwarden.connect.internal;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Framing of PostgreSQL protocol 3.0 messages: a type byte, a 4-byte length including itself, a body.
 * Writes are buffered until {@link #flush()}, so several messages go out in one packet. Not thread-safe.
 */
public final class Messages {
    /** The largest message accepted from the server: protects against reading something that is not PostgreSQL. */
    private static final int MAX_LENGTH = 64 * 1024 * 1024;

    /** One message from the server. */
    public record Message(char type, ByteBuffer body) {
        /** Reads a NUL-terminated UTF-8 string from the body. */
        public String cstring() {
            int start = body.position();
            while (body.get() != 0) {
                // scan to the terminator
            }
            byte[] bytes = new byte[body.position() - start - 1];
            body.get(start, bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        }

        /** The fields of an ErrorResponse or NoticeResponse, by their code ('S', 'C', 'M', 'D', 'H', ...). */
        public Map<Character, String> fields() {
            Map<Character, String> f = new LinkedHashMap<>();
            while (body.hasRemaining()) {
                byte code = body.get();
                if (code == 0) {
                    break;
                }
                f.put((char) code, cstring());
            }
            return f;
        }
    }

    private final DataInputStream in;
    private final OutputStream out;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();

    /** Messages over these streams. */
    public Messages(InputStream in, OutputStream out) {
        this.in = new DataInputStream(in);
        this.out = out;
    }

    /** Queues the startup packet (no type byte): protocol 3.0 and the given parameters. */
    public void startup(Map<String, String> parameters) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        writeInt(body, 196608);
        parameters.forEach((k, v) -> {
            cstring(body, k);
            cstring(body, v);
        });
        body.write(0);
        writeInt(pending, body.size() + 4);
        pending.writeBytes(body.toByteArray());
    }

    /** Queues a message of the given type with this body. */
    public void send(char type, byte[] body) {
        pending.write(type);
        writeInt(pending, body.length + 4);
        pending.writeBytes(body);
    }

    /** Queues a simple Query message. */
    public void query(String sql) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        cstring(body, sql);
        send('Q', body.toByteArray());
    }

    /** Sends everything queued. */
    public void flush() throws IOException {
        pending.writeTo(out);
        out.flush();
        pending.reset();
    }

    /**
     * Reads the next message.
     *
     * @throws IOException          when the stream ends or fails
     * @throws ProtocolException    when the length is not one a PostgreSQL server would send
     */
    public Message read() throws IOException {
        int type = in.read();
        if (type < 0) {
            throw new EOFException("the server closed the connection");
        }
        int length = in.readInt();
        if (length < 4 || length > MAX_LENGTH) {
            throw new ProtocolException("message '" + (char) type + "' with impossible length " + length);
        }
        byte[] body = new byte[length - 4];
        in.readFully(body);
        return new Message((char) type, ByteBuffer.wrap(body));
    }

    /** Reads the single byte answering an SSLRequest ('S' or 'N'). */
    public int readByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            throw new EOFException("the server closed the connection");
        }
        return b;
    }

    /** A NUL-terminated UTF-8 string. */
    public static void cstring(ByteArrayOutputStream out, String s) {
        out.writeBytes(s.getBytes(StandardCharsets.UTF_8));
        out.write(0);
    }

    /** A big-endian 4-byte integer. */
    public static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }

    /** The server sent bytes that are not the PostgreSQL protocol. */
    public static final class ProtocolException extends IOException {
        private static final long serialVersionUID = 1L;

        /** An exception with this description. */
        public ProtocolException(String message) {
            super(message);
        }
    }
}
