package com.lawyerllama.llama.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * Just enough of the protobuf wire format to read and write SentencePiece's {@code ModelProto}
 * and to read an ONNX model's graph (varints, 32-bit floats, length-delimited strings and messages).
 */
public final class Protobuf {
    private Protobuf() {
    }

    public static final int VARINT = 0;
    public static final int FIXED64 = 1;
    public static final int LENGTH_DELIMITED = 2;
    public static final int FIXED32 = 5;

    /** Reads the fields of one message in order; unknown fields are skipped by the caller. */
    public static final class Reader {
        private final byte[] buf;
        private int pos;
        private final int end;
        private int tag;

        public Reader(byte[] buf) {
            this(buf, 0, buf.length);
        }

        Reader(byte[] buf, int offset, int end) {
            this.buf = buf;
            this.pos = offset;
            this.end = end;
        }

        /** Advances to the next field; false at the end of the message. */
        public boolean next() {
            if (pos >= end) {
                return false;
            }
            tag = (int) readVarint();
            return true;
        }

        /** Whether bytes are left (in a packed repeated field's reader: whether values are). */
        private boolean hasRemaining() {
            return pos < end;
        }

        public int field() {
            return tag >>> 3;
        }

        public int wireType() {
            return tag & 7;
        }

        public long readVarint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                require(1);
                byte b = buf[pos++];
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("malformed protobuf varint at byte " + pos);
        }

        public float readFloat() {
            require(4);
            int bits = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8 | (buf[pos + 2] & 0xff) << 16 | (buf[pos + 3] & 0xff) << 24;
            pos += 4;
            return Float.intBitsToFloat(bits);
        }

        public byte[] readBytes() {
            int length = (int) readVarint();
            require(length);
            byte[] out = new byte[length];
            System.arraycopy(buf, pos, out, 0, length);
            pos += length;
            return out;
        }

        public String readString() {
            return new String(readBytes(), StandardCharsets.UTF_8);
        }

        /**
         * Each value of the current field, a repeated scalar written packed (one length-delimited
         * run) or not (this one value): {@code value} reads one from the reader it is given.
         */
        public void forEachValue(java.util.function.Consumer<Reader> value) {
            if (wireType() != LENGTH_DELIMITED) {
                value.accept(this);
                return;
            }
            Reader values = readMessage();
            while (values.hasRemaining()) {
                value.accept(values);
            }
        }

        /** A reader over the embedded message that is the current field's value. */
        public Reader readMessage() {
            int length = (int) readVarint();
            require(length);
            Reader sub = new Reader(buf, pos, pos + length);
            pos += length;
            return sub;
        }

        public void skip() {
            switch (wireType()) {
                case VARINT -> readVarint();
                case FIXED64 -> {
                    require(8);
                    pos += 8;
                }
                case LENGTH_DELIMITED -> {
                    int length = (int) readVarint();
                    require(length);
                    pos += length;
                }
                case FIXED32 -> {
                    require(4);
                    pos += 4;
                }
                default -> throw new IllegalArgumentException("unsupported protobuf wire type " + wireType() + " at byte " + pos);
            }
        }

        private void require(int n) {
            if (n < 0 || pos + n > end) {
                throw new IllegalArgumentException("truncated protobuf message at byte " + pos);
            }
        }
    }

    /** Appends fields to a message. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Writer varint(int field, long value) {
            tag(field, VARINT);
            rawVarint(value);
            return this;
        }

        Writer bool(int field, boolean value) {
            return varint(field, value ? 1 : 0);
        }

        Writer fixedFloat(int field, float value) {
            tag(field, FIXED32);
            int bits = Float.floatToIntBits(value);
            out.write(bits);
            out.write(bits >>> 8);
            out.write(bits >>> 16);
            out.write(bits >>> 24);
            return this;
        }

        Writer bytes(int field, byte[] value) {
            tag(field, LENGTH_DELIMITED);
            rawVarint(value.length);
            out.writeBytes(value);
            return this;
        }

        Writer string(int field, String value) {
            return bytes(field, value.getBytes(StandardCharsets.UTF_8));
        }

        Writer message(int field, Writer message) {
            return bytes(field, message.toByteArray());
        }

        byte[] toByteArray() {
            return out.toByteArray();
        }

        private void tag(int field, int wireType) {
            rawVarint((long) field << 3 | wireType);
        }

        private void rawVarint(long value) {
            while ((value & ~0x7fL) != 0) {
                out.write((int) (value & 0x7f) | 0x80);
                value >>>= 7;
            }
            out.write((int) value);
        }
    }
}
