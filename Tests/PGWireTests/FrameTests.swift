import NIOCore
import PGWire
import Testing

@Suite struct FrameTests {
    private let limit = PGWireLimits.defaultMaxMessageLength

    /// A buffer containing only a header: type byte and the given raw length word.
    private func header(_ length: UInt32) -> ByteBuffer {
        makeBuffer { buffer in
            buffer.writeInteger(UInt8(ascii: "Q"))
            buffer.writeInteger(length)
        }
    }

    @Test func decodesCompleteFrame() throws {
        var buffer = rawMessage("Q") { $0.writeRawCString("SELECT 1") }
        let frame = try #require(try Frame.decode(from: &buffer, maxLength: limit))
        #expect(frame.id == UInt8(ascii: "Q"))
        #expect(frame.payload == makeBuffer { $0.writeRawCString("SELECT 1") })
        #expect(buffer.readableBytes == 0)
    }

    @Test func decodesEmptyPayload() throws {
        var buffer = bytes([0x53, 0, 0, 0, 4])
        let frame = try #require(try Frame.decode(from: &buffer, maxLength: limit))
        #expect(frame == Frame(id: 0x53, payload: ByteBuffer()))
        #expect(buffer.readableBytes == 0)
    }

    @Test func truncatedInputReturnsNilAndLeavesBufferUntouched() throws {
        let complete = rawMessage("Q") { $0.writeRawCString("SELECT 1") }
        for prefixLength in 0..<complete.readableBytes {
            var truncated = try #require(complete.getSlice(at: 0, length: prefixLength))
            let before = truncated
            #expect(try Frame.decode(from: &truncated, maxLength: limit) == nil)
            #expect(try Frame.decodeRaw(from: &truncated, maxLength: limit) == nil)
            #expect(truncated == before)
            #expect(truncated.readerIndex == before.readerIndex)
        }
    }

    @Test func respectsReaderIndexOffset() throws {
        var buffer = makeBuffer { buffer in
            buffer.writeString("garbage")
            buffer.writeImmutableBuffer(rawMessage("Z") { $0.writeInteger(UInt8(ascii: "I")) })
        }
        buffer.moveReaderIndex(forwardBy: 7)
        let frame = try #require(try Frame.decode(from: &buffer, maxLength: limit))
        #expect(try BackendMessage(frame: frame) == .readyForQuery(.idle))
    }

    @Test func decodesConsecutiveFrames() throws {
        var buffer = ByteBuffer()
        FrontendMessage.parse(Parse(query: "SELECT 1")).write(into: &buffer)
        FrontendMessage.sync.write(into: &buffer)
        let first = try #require(try Frame.decode(from: &buffer, maxLength: limit))
        let second = try #require(try Frame.decode(from: &buffer, maxLength: limit))
        #expect(first.id == UInt8(ascii: "P"))
        #expect(second.id == UInt8(ascii: "S"))
        #expect(try Frame.decode(from: &buffer, maxLength: limit) == nil)
    }

    @Test func rawSliceIsTheWholeMessage() throws {
        let message = rawMessage("Q") { $0.writeRawCString("SELECT 1") }
        var buffer = message
        buffer.writeString("next")
        let (frame, raw) = try #require(try Frame.decodeRaw(from: &buffer, maxLength: limit))
        #expect(raw == message)
        #expect(frame.encodedLength == raw.readableBytes)
        #expect(buffer == bytes("next"))
        // Its capacity runs to the end of what the buffer held; writing to
        // the slice never touches the bytes after the message.
        #expect(raw.capacity == message.readableBytes + 4)
        var written = raw
        written.writeString("XXXX")
        #expect(buffer == bytes("next"))
    }

    @Test func doesNotValidateTheID() throws {
        var buffer = bytes([0x00, 0, 0, 0, 5, 0xEE])
        let frame = try #require(try Frame.decode(from: &buffer, maxLength: limit))
        #expect(frame == Frame(id: 0, payload: bytes([0xEE])))
    }

    @Test(arguments: [0, 1, 2, 3])
    func lengthBelowFourIsInvalid(length: Int) {
        var buffer = header(UInt32(length))
        #expect(throws: PGWireError.invalidLength(length)) {
            try Frame.decode(from: &buffer, maxLength: limit)
        }
    }

    @Test func negativeLengthIsInvalid() {
        var minusOne = header(0xFFFF_FFFF)
        #expect(throws: PGWireError.invalidLength(-1)) {
            try Frame.decode(from: &minusOne, maxLength: limit)
        }
        // 2 GiB: 0x80000000 does not fit a signed Int32 and reads as Int32.min.
        var twoGiB = header(0x8000_0000)
        #expect(throws: PGWireError.invalidLength(Int(Int32.min))) {
            try Frame.decodeRaw(from: &twoGiB, maxLength: limit)
        }
    }

    @Test func oversizedLengthIsRejectedBeforeTheBodyArrives() {
        var huge = header(0x7FFF_FFFF)
        #expect(throws: PGWireError.messageTooLarge(length: Int(Int32.max), limit: 1 << 30)) {
            try Frame.decode(from: &huge, maxLength: limit)
        }
        var justOver = header(UInt32(1 << 30) + 1)
        #expect(throws: PGWireError.messageTooLarge(length: (1 << 30) + 1, limit: 1 << 30)) {
            try Frame.decode(from: &justOver, maxLength: limit)
        }
    }

    @Test func lengthAtTheLimitIsAcceptedAndWaitsForTheBody() throws {
        var atLimit = header(UInt32(1 << 30))
        #expect(try Frame.decode(from: &atLimit, maxLength: limit) == nil)
        #expect(atLimit.readableBytes == 5)
    }

    @Test func customLimit() throws {
        var ok = bytes([0x64, 0, 0, 0, 8, 1, 2, 3, 4])
        #expect(try Frame.decode(from: &ok, maxLength: 8) != nil)
        var tooBig = bytes([0x64, 0, 0, 0, 9, 1, 2, 3, 4, 5])
        #expect(throws: PGWireError.messageTooLarge(length: 9, limit: 8)) {
            try Frame.decode(from: &tooBig, maxLength: 8)
        }
    }
}
