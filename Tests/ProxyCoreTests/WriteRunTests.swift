import NIOCore
import PGWire
import Testing

@testable import ProxyCore

/// Frames forwarded back to back leave as one slice, and only those.
@Suite struct WriteRunTests {
    private let limit = 1 << 20

    private func message(_ id: Character, _ body: String) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(ascii: id.unicodeScalars.first ?? "?"))
        buffer.writeInteger(Int32(4 + body.utf8.count))
        buffer.writeString(body)
        return buffer
    }

    /// One read holding `messages`, split into raw frames as the proxy does.
    private func frames(of messages: [ByteBuffer]) throws -> [ByteBuffer] {
        var read = ByteBuffer()
        for message in messages { read.writeImmutableBuffer(message) }
        var raws: [ByteBuffer] = []
        while let (_, raw) = try Frame.decodeRaw(from: &read, maxLength: limit) { raws.append(raw) }
        return raws
    }

    @Test func framesOfOneReadJoinIntoTheirBytes() throws {
        let messages = [message("2", ""), message("D", "row one"), message("D", "row two"), message("Z", "I")]
        var run = WriteRun()
        for raw in try frames(of: messages) {
            #expect(run.append(raw) == nil)
        }
        let joined = run.take()
        var expected = ByteBuffer()
        for message in messages { expected.writeImmutableBuffer(message) }
        #expect(joined == expected)
        #expect(run.isEmpty)
        #expect(run.take() == nil)
    }

    @Test func aSkippedFrameCutsTheRun() throws {
        let raws = try frames(of: [message("1", ""), message("2", ""), message("C", "SELECT 1")])
        var run = WriteRun()
        #expect(run.append(raws[0]) == nil)
        // raws[1] is not forwarded: raws[2] does not follow raws[0].
        #expect(run.append(raws[2]) == raws[0])
        #expect(run.take() == raws[2])
    }

    @Test func framesOfDifferentReadsAndEncodedMessagesStayApart() throws {
        let first = try frames(of: [message("D", "a")])
        let second = try frames(of: [message("D", "b")])
        var encoded = ByteBuffer()
        encoded.reserveCapacity(1024)  // spare capacity after its bytes
        encoded.writeImmutableBuffer(message("1", ""))
        var run = WriteRun()
        #expect(run.append(encoded) == nil)
        #expect(run.append(first[0]) == encoded)
        #expect(run.append(second[0]) == first[0])
        #expect(run.take() == second[0])
    }

    @Test func theRunsBytesDoNotChangeWhenTheReadBufferIsWrittenAgain() throws {
        var read = ByteBuffer()
        read.writeImmutableBuffer(message("D", "a"))
        read.writeImmutableBuffer(message("D", "b"))
        var raws: [ByteBuffer] = []
        while let (_, raw) = try Frame.decodeRaw(from: &read, maxLength: limit) { raws.append(raw) }
        var run = WriteRun()
        #expect(run.append(raws[0]) == nil)
        // The reader reuses its buffer: shared storage is copied first.
        read.clear()
        read.writeString("overwritten!")
        #expect(run.append(raws[1]) == nil)
        var expected = message("D", "a")
        expected.writeImmutableBuffer(message("D", "b"))
        #expect(run.take() == expected)
    }

    @Test func anEmptyBufferNeverAbsorbsAnother() throws {
        let raws = try frames(of: [message("D", "a")])
        var run = WriteRun()
        #expect(run.append(ByteBuffer()) == nil)
        #expect(run.append(raws[0]) == ByteBuffer())
        #expect(run.take() == raws[0])
    }
}
