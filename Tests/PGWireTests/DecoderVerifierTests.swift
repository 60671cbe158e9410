import NIOCore
import NIOTestUtils
import PGWire
import Testing

/// Every decoder, fed one byte at a time, one message at a time, and everything coalesced.
@Suite struct DecoderVerifierTests {
    /// Drip-feeding is quadratic-ish in EmbeddedChannel work; the huge fixtures add nothing here.
    private static let sizeCap = 2_000

    private static func encoded(_ write: (inout ByteBuffer) -> Void) -> ByteBuffer {
        makeBuffer(write)
    }

    private static var frontendPairs: [(FrontendCase, ByteBuffer)] {
        Fixtures.frontend
            .map { testCase in (testCase, encoded { testCase.message.write(into: &$0) }) }
            .filter { $0.1.readableBytes <= sizeCap }
    }

    private static var backendPairs: [(BackendMessage, ByteBuffer)] {
        Fixtures.backend
            .map { message in (message, encoded { message.write(into: &$0) }) }
            .filter { $0.1.readableBytes <= sizeCap }
    }

    private static var startupPairs: [(StartupPacket, ByteBuffer)] {
        Fixtures.startup.map { packet in (packet, encoded { packet.write(into: &$0) }) }
    }

    @Test func frameDecoder() throws {
        let pairs = Self.frontendPairs.map { ($0.1, [$0.0.message.frame]) }
            + Self.backendPairs.map { ($0.1, [$0.0.frame]) }
        #expect(pairs.count > 60)
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { FrameDecoder() }
    }

    @Test func frameDecodeFunction() throws {
        let pairs = Self.backendPairs.map { ($0.1, [$0.0.frame]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            DecoderAdapter<Frame> { buffer in try Frame.decode(from: &buffer, maxLength: 1 << 20) }
        }
    }

    @Test func frameDecodeRawFunction() throws {
        let pairs = Self.frontendPairs.map { ($0.1, [$0.1]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            DecoderAdapter<ByteBuffer> { buffer in try Frame.decodeRaw(from: &buffer, maxLength: 1 << 20)?.raw }
        }
    }

    @Test func frontendMessages() throws {
        // The context is not in the stream, so only unambiguous messages plus plain passwords.
        let pairs = Self.frontendPairs.filter { $0.0.context == .password }.map { ($0.1, [$0.0.message]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            DecoderAdapter<FrontendMessage> { buffer in
                try Frame.decode(from: &buffer, maxLength: 1 << 20).map { try FrontendMessage(frame: $0) }
            }
        }
    }

    @Test func backendMessages() throws {
        let pairs = Self.backendPairs.map { ($0.1, [$0.0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            DecoderAdapter<BackendMessage> { buffer in
                try Frame.decode(from: &buffer, maxLength: 1 << 20).map { try BackendMessage(frame: $0) }
            }
        }
    }

    @Test func startupPacketDecoder() throws {
        let pairs = Self.startupPairs.map { ($0.1, [$0.0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) { StartupPacketDecoder() }
    }

    @Test func startupPacketDecodeFunction() throws {
        let pairs = Self.startupPairs.map { ($0.1, [$0.0]) }
        try ByteToMessageDecoderVerifier.verifyDecoder(inputOutputPairs: pairs) {
            DecoderAdapter<StartupPacket> { buffer in try StartupPacket.decode(from: &buffer) }
        }
    }

    @Test func frameDecoderPropagatesLimit() throws {
        var processorInput = ByteBuffer()
        FrontendMessage.query("SELECT 1").write(into: &processorInput)
        var decoder = FrameDecoder(maxLength: 8)
        #expect(throws: PGWireError.messageTooLarge(length: 13, limit: 8)) {
            try decoder.decode(buffer: &processorInput)
        }
        var startupDecoder = StartupPacketDecoder()
        var tooLong = bytes([0, 0, 0x4E, 0x20])
        #expect(throws: PGWireError.messageTooLarge(length: 20_000, limit: 10_000)) {
            try startupDecoder.decode(buffer: &tooLong)
        }
    }

    @Test func singleStepProcessorSplitsAStream() throws {
        let processor = NIOSingleStepByteToMessageProcessor(FrameDecoder())
        var stream = ByteBuffer()
        FrontendMessage.parse(Parse(query: "SELECT 1")).write(into: &stream)
        FrontendMessage.sync.write(into: &stream)
        var ids: [UInt8] = []
        try processor.process(buffer: stream) { ids.append($0.id) }
        #expect(ids == [UInt8(ascii: "P"), UInt8(ascii: "S")])
        #expect(processor.unprocessedBytes == 0)
    }
}
