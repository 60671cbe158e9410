import NIOCore
import PGWire
import Testing

@Suite struct StartupPacketTests {
    /// A startup-style packet: length (including itself), then `body`.
    private func packet(_ body: (inout ByteBuffer) -> Void) -> ByteBuffer {
        let content = makeBuffer(body)
        return makeBuffer { buffer in
            buffer.writeInteger(Int32(content.readableBytes + 4))
            buffer.writeImmutableBuffer(content)
        }
    }

    private func startupBody(major: UInt16, minor: UInt16, _ parameters: [(String, String)]) -> ByteBuffer {
        packet { buffer in
            buffer.writeInteger(major)
            buffer.writeInteger(minor)
            for (name, value) in parameters {
                buffer.writeRawCString(name)
                buffer.writeRawCString(value)
            }
            buffer.writeInteger(UInt8(0))
        }
    }

    @Test func recognisesSSLRequest() throws {
        var buffer = bytes([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F])
        #expect(try StartupPacket.decode(from: &buffer) == .sslRequest)
        #expect(buffer.readableBytes == 0)
    }

    @Test func recognisesGSSEncRequest() throws {
        var buffer = bytes([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x30])
        #expect(try StartupPacket.decode(from: &buffer) == .gssEncRequest)
    }

    @Test func recognisesCancelRequest() throws {
        var buffer = bytes([0, 0, 0, 16, 0x04, 0xD2, 0x16, 0x2E, 0, 0, 0x30, 0x39, 0xFF, 0xFF, 0xFF, 0xFE])
        #expect(try StartupPacket.decode(from: &buffer) == .cancel(CancelRequest(processID: 12345, secretKey: -2)))
    }

    @Test func decodesStartupMessage() throws {
        var buffer = startupBody(major: 3, minor: 0, [("user", "alice"), ("database", "shop"), ("user", "mallory")])
        let decoded = try #require(try StartupPacket.decode(from: &buffer))
        guard case .startup(let message) = decoded else {
            Issue.record("expected a startup message, got \(decoded)")
            return
        }
        #expect(message.protocolMajor == 3)
        #expect(message.protocolMinor == 0)
        #expect(message.user == "alice")
        #expect(message.database == "shop")
        #expect(message["options"] == nil)
        #expect(message.parameters.map(\.name) == ["user", "database", "user"])
        #expect(message.parameters.map(\.value) == ["alice", "shop", "mallory"])
    }

    @Test func protocol32DecodesWithMinorTwo() throws {
        var buffer = startupBody(major: 3, minor: 2, [("user", "u")])
        let decoded = try #require(try StartupPacket.decode(from: &buffer))
        guard case .startup(let message) = decoded else {
            Issue.record("expected a startup message, got \(decoded)")
            return
        }
        #expect(message.protocolMajor == 3)
        #expect(message.protocolMinor == 2)
        #expect(message.user == "u")
    }

    @Test func protocol2IsUnsupported() {
        var buffer = startupBody(major: 2, minor: 0, [("user", "u")])
        #expect(throws: PGWireError.unsupportedProtocolVersion(major: 2, minor: 0)) {
            try StartupPacket.decode(from: &buffer)
        }
    }

    @Test func futureMajorIsUnsupported() {
        var buffer = startupBody(major: 0xFFFF, minor: 1, [])
        #expect(throws: PGWireError.unsupportedProtocolVersion(major: 0xFFFF, minor: 1)) {
            try StartupPacket.decode(from: &buffer)
        }
    }

    @Test func unknownSpecialCodeIsUnsupported() {
        var buffer = bytes([0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x31])
        #expect(throws: PGWireError.unsupportedProtocolVersion(major: 1234, minor: 5681)) {
            try StartupPacket.decode(from: &buffer)
        }
    }

    @Test func twentyThousandBytesIsTooLarge() {
        // Rejected from the length word alone, and also when the whole packet is present.
        var headerOnly = bytes([0, 0, 0x4E, 0x20])
        #expect(throws: PGWireError.messageTooLarge(length: 20_000, limit: 10_000)) {
            try StartupPacket.decode(from: &headerOnly)
        }
        var full = packet { buffer in
            buffer.writeInteger(Int32(3 << 16))
            buffer.writeRepeatingByte(0x61, count: 20_000 - 8)
        }
        #expect(full.readableBytes == 20_000)
        #expect(throws: PGWireError.messageTooLarge(length: 20_000, limit: 10_000)) {
            try StartupPacket.decode(from: &full)
        }
    }

    @Test func maximumLengthIsAccepted() throws {
        var buffer = packet { buffer in
            buffer.writeInteger(Int32(3 << 16))
            buffer.writeRawCString("user")
            buffer.writeRawCString(String(repeating: "u", count: 10_000 - 4 - 4 - 5 - 2))
            buffer.writeInteger(UInt8(0))
        }
        #expect(buffer.readableBytes == 10_000)
        let decoded = try #require(try StartupPacket.decode(from: &buffer))
        guard case .startup(let message) = decoded else {
            Issue.record("expected a startup message, got \(decoded)")
            return
        }
        #expect(message.user?.count == 9_985)
    }

    @Test(arguments: [Int32(7), 4, 0, -1, Int32.min])
    func lengthBelowEightIsInvalid(length: Int32) {
        var buffer = makeBuffer { buffer in
            buffer.writeInteger(length)
            buffer.writeInteger(Int32(80_877_103))
        }
        #expect(throws: PGWireError.invalidLength(Int(length))) {
            try StartupPacket.decode(from: &buffer)
        }
    }

    @Test func truncatedInputReturnsNilAndLeavesBufferUntouched() throws {
        let complete = startupBody(major: 3, minor: 0, [("user", "alice")])
        for prefixLength in 0..<complete.readableBytes {
            var truncated = try #require(complete.getSlice(at: 0, length: prefixLength))
            let before = truncated
            #expect(try StartupPacket.decode(from: &truncated) == nil)
            #expect(truncated == before)
            #expect(truncated.readerIndex == before.readerIndex)
        }
    }

    @Test func decodesOnlyOnePacketPerCall() throws {
        var buffer = ByteBuffer()
        StartupPacket.sslRequest.write(into: &buffer)
        buffer.writeBytes([0x16, 0x03, 0x01])  // the start of a TLS ClientHello
        #expect(try StartupPacket.decode(from: &buffer) == .sslRequest)
        #expect(buffer == bytes([0x16, 0x03, 0x01]))
    }

    @Test func missingListTerminatorIsMalformed() {
        var buffer = packet { buffer in
            buffer.writeInteger(Int32(3 << 16))
            buffer.writeRawCString("user")
            buffer.writeRawCString("u")
        }
        #expect(throws: PGWireError.malformed(messageType: nil, reason: "missing parameter list terminator")) {
            try StartupPacket.decode(from: &buffer)
        }
    }

    @Test func missingValueTerminatorIsMalformed() throws {
        var buffer = packet { buffer in
            buffer.writeInteger(Int32(3 << 16))
            buffer.writeRawCString("user")
            buffer.writeString("u")
        }
        let error = try #require(throws: PGWireError.self) { try StartupPacket.decode(from: &buffer) }
        guard case .malformed(nil, let reason) = error else {
            Issue.record("unexpected error \(error)")
            return
        }
        #expect(reason.contains("missing NUL terminator"))
    }

    @Test func missingNameTerminatorIsMalformed() {
        var buffer = packet { buffer in
            buffer.writeInteger(Int32(3 << 16))
            buffer.writeString("user")
        }
        #expect(throws: PGWireError.self) { try StartupPacket.decode(from: &buffer) }
    }

    @Test func bytesAfterTerminatorAreMalformed() {
        var buffer = packet { buffer in
            buffer.writeInteger(Int32(3 << 16))
            buffer.writeRawCString("user")
            buffer.writeRawCString("u")
            buffer.writeInteger(UInt8(0))
            buffer.writeString("junk")
        }
        #expect(throws: PGWireError.malformed(messageType: nil, reason: "4 unexpected trailing byte(s)")) {
            try StartupPacket.decode(from: &buffer)
        }
    }

    @Test func versionWordOnlyIsMalformed() {
        var buffer = bytes([0, 0, 0, 8, 0, 3, 0, 0])
        #expect(throws: PGWireError.malformed(messageType: nil, reason: "missing parameter list terminator")) {
            try StartupPacket.decode(from: &buffer)
        }
    }

    @Test func specialPacketsWithWrongLengthAreMalformed() {
        var longSSL = bytes([0, 0, 0, 12, 0x04, 0xD2, 0x16, 0x2F, 0, 0, 0, 0])
        #expect(throws: PGWireError.malformed(messageType: nil, reason: "4 unexpected trailing byte(s)")) {
            try StartupPacket.decode(from: &longSSL)
        }
        var shortCancel = bytes([0, 0, 0, 12, 0x04, 0xD2, 0x16, 0x2E, 0, 0, 0, 1])
        #expect(throws: PGWireError.malformed(messageType: nil, reason: "truncated secret key")) {
            try StartupPacket.decode(from: &shortCancel)
        }
    }

    @Test func invalidUTF8InParameterIsMalformed() throws {
        var buffer = packet { buffer in
            buffer.writeInteger(Int32(3 << 16))
            buffer.writeRawCString("user")
            buffer.writeBytes([0x61, 0xFF, 0])
            buffer.writeInteger(UInt8(0))
        }
        let error = try #require(throws: PGWireError.self) { try StartupPacket.decode(from: &buffer) }
        #expect(error == .malformed(messageType: nil, reason: "invalid UTF-8 in value of parameter \"user\""))
    }

    @Test func emptyParameterNamesAreNotWritten() throws {
        let message = StartupMessage(parameters: [
            StartupParameter(name: "", value: "ignored"),
            StartupParameter(name: "user", value: "u"),
        ])
        var buffer = ByteBuffer()
        StartupPacket.startup(message).write(into: &buffer)
        let decoded = try #require(try StartupPacket.decode(from: &buffer))
        #expect(decoded == .startup(StartupMessage(parameters: [StartupParameter(name: "user", value: "u")])))
    }
}
