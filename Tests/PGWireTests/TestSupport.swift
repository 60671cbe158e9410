import NIOCore
import PGWire

/// Builds a buffer with `body`, so test inputs read like the wire layout they describe.
func makeBuffer(_ body: (inout ByteBuffer) -> Void) -> ByteBuffer {
    var buffer = ByteBuffer()
    body(&buffer)
    return buffer
}

func bytes(_ string: String) -> ByteBuffer {
    ByteBuffer(string: string)
}

func bytes(_ array: [UInt8]) -> ByteBuffer {
    ByteBuffer(bytes: array)
}

/// A hand-built typed message: type byte, correct length, payload.
func rawMessage(_ id: Character, _ payload: (inout ByteBuffer) -> Void) -> ByteBuffer {
    let body = makeBuffer(payload)
    return makeBuffer { buffer in
        buffer.writeInteger(id.asciiValue ?? 0)
        buffer.writeInteger(Int32(body.readableBytes + 4))
        buffer.writeImmutableBuffer(body)
    }
}

/// A hand-built frame (payload only), for feeding message decoders directly.
func frame(_ id: Character, _ payload: (inout ByteBuffer) -> Void) -> Frame {
    Frame(id: id.asciiValue ?? 0, payload: makeBuffer(payload))
}

extension ByteBuffer {
    /// Writes a C string the way a hostile peer might: no checks, raw bytes.
    mutating func writeRawCString(_ string: String) {
        self.writeString(string)
        self.writeInteger(UInt8(0))
    }
}

extension Character {
    var byte: UInt8 { self.asciiValue ?? 0 }
}
