import NIOCore
import PGWire
import Testing

/// encode -> decode must give back the original for every message kind, and the two ways of
/// encoding (`write(into:)` and `frame`) must agree byte for byte.
@Suite struct RoundTripTests {
    @Test(arguments: Fixtures.frontend)
    func frontendMessage(_ testCase: FrontendCase) throws {
        var buffer = ByteBuffer()
        testCase.message.write(into: &buffer)
        let written = buffer.readableBytes

        let decodedFrame = try #require(try Frame.decode(from: &buffer, maxLength: PGWireLimits.defaultMaxMessageLength))
        #expect(buffer.readableBytes == 0)
        #expect(decodedFrame == testCase.message.frame)
        #expect(decodedFrame.encodedLength == written)

        let decoded = try FrontendMessage(frame: decodedFrame, passwordContext: testCase.context)
        #expect(decoded == testCase.message)

        var reencoded = ByteBuffer()
        decoded.frame.write(into: &reencoded)
        var original = ByteBuffer()
        testCase.message.write(into: &original)
        #expect(reencoded == original)
    }

    @Test(arguments: Fixtures.backend)
    func backendMessage(_ message: BackendMessage) throws {
        var buffer = ByteBuffer()
        message.write(into: &buffer)
        let written = buffer.readableBytes

        let decodedFrame = try #require(try Frame.decode(from: &buffer, maxLength: PGWireLimits.defaultMaxMessageLength))
        #expect(buffer.readableBytes == 0)
        #expect(decodedFrame == message.frame)
        #expect(decodedFrame.encodedLength == written)

        let decoded = try BackendMessage(frame: decodedFrame)
        #expect(decoded == message)

        var reencoded = ByteBuffer()
        decoded.frame.write(into: &reencoded)
        var original = ByteBuffer()
        message.write(into: &original)
        #expect(reencoded == original)
    }

    @Test(arguments: Fixtures.startup)
    func startupPacket(_ packet: StartupPacket) throws {
        var buffer = ByteBuffer()
        packet.write(into: &buffer)
        let declaredLength = try #require(buffer.getInteger(at: 0, as: Int32.self))
        #expect(Int(declaredLength) == buffer.readableBytes)

        let decoded = try #require(try StartupPacket.decode(from: &buffer))
        #expect(decoded == packet)
        #expect(buffer.readableBytes == 0)
    }

    @Test func frontendMessagesDecodeFromOneStream() throws {
        var stream = ByteBuffer()
        for testCase in Fixtures.frontend {
            testCase.message.write(into: &stream)
        }
        for testCase in Fixtures.frontend {
            let frame = try #require(try Frame.decode(from: &stream, maxLength: PGWireLimits.defaultMaxMessageLength))
            #expect(try FrontendMessage(frame: frame, passwordContext: testCase.context) == testCase.message)
        }
        #expect(stream.readableBytes == 0)
    }

    @Test func bindWithMaximumUnsignedParameterCount() throws {
        // PostgreSQL reads Int16 counts as unsigned, so 65535 parameters are legal.
        let bind = Bind(parameters: Array(repeating: nil, count: 65_535))
        let frame = FrontendMessage.bind(bind).frame
        #expect(frame.payload.getInteger(at: 4, as: UInt16.self) == 65_535)
        #expect(try FrontendMessage(frame: frame) == .bind(bind))
    }
}
