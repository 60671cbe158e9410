import NIOCore
import PGWire
import Testing

/// Mutation fuzzing over the fixtures: whatever the bytes, decoding must either throw a
/// `PGWireError` or succeed, and a successful decode must re-encode to exactly the same bytes
/// (decoding is strict, so nothing is ever repaired or dropped silently).
@Suite struct HostileInputTests {
    /// SplitMix64: deterministic, so a failure reproduces on every run.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private static func mutate(_ original: [UInt8], using rng: inout Generator) -> [UInt8] {
        var bytes = original
        switch Int.random(in: 0..<5, using: &rng) {
        case 0 where !bytes.isEmpty:
            // Flip random bytes, often hitting counts and lengths.
            for _ in 0..<Int.random(in: 1...3, using: &rng) {
                bytes[Int.random(in: 0..<bytes.count, using: &rng)] = UInt8.random(in: 0...255, using: &rng)
            }
        case 1 where !bytes.isEmpty:
            bytes.removeLast(Int.random(in: 1...bytes.count, using: &rng))
        case 2:
            bytes.append(contentsOf: (0..<Int.random(in: 1...8, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        case 3 where !bytes.isEmpty:
            // Extreme values written over a random position.
            let extremes: [[UInt8]] = [[0xFF, 0xFF], [0x7F, 0xFF, 0xFF, 0xFF], [0x80, 0, 0, 0], [0xFF, 0xFF, 0xFF, 0xFE], [0]]
            let patch = extremes[Int.random(in: 0..<extremes.count, using: &rng)]
            let at = Int.random(in: 0..<bytes.count, using: &rng)
            for (offset, byte) in patch.enumerated() where at + offset < bytes.count {
                bytes[at + offset] = byte
            }
        default:
            bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
        }
        return bytes
    }

    @Test func mutatedFramePayloads() throws {
        var rng = Generator(state: 0x5EED)
        let frontend = Fixtures.frontend.map { ($0.message.frame, $0.context) }
        let backend = Fixtures.backend.map { $0.frame }.filter { $0.payload.readableBytes < 4_000 }
        var decodedCount = 0
        for _ in 0..<200 {
            for (original, context) in frontend where original.payload.readableBytes < 4_000 {
                let frame = Frame(id: original.id, payload: bytes(Self.mutate(Array(original.payload.readableBytesView), using: &rng)))
                if let message = try? FrontendMessage(frame: frame, passwordContext: context) {
                    decodedCount += 1
                    #expect(message.frame == frame)
                }
            }
            for original in backend {
                let frame = Frame(id: original.id, payload: bytes(Self.mutate(Array(original.payload.readableBytesView), using: &rng)))
                if let message = try? BackendMessage(frame: frame) {
                    decodedCount += 1
                    #expect(message.frame == frame)
                }
            }
        }
        // Sanity: the mutations must leave some inputs decodable, or the re-encoding check is vacuous.
        #expect(decodedCount > 1_000)
    }

    @Test func mutatedStreams() throws {
        var rng = Generator(state: 0xFEED)
        var stream: [UInt8] = []
        for testCase in Fixtures.frontend.prefix(20) {
            var buffer = ByteBuffer()
            testCase.message.write(into: &buffer)
            stream += Array(buffer.readableBytesView)
        }
        for _ in 0..<2_000 {
            var buffer = bytes(Self.mutate(stream, using: &rng))
            while true {
                let before = buffer.readerIndex
                guard let frame = try? Frame.decode(from: &buffer, maxLength: 1 << 16) else { break }
                #expect(buffer.readerIndex == before + frame.encodedLength)
                _ = try? FrontendMessage(frame: frame)
                _ = try? BackendMessage(frame: frame)
            }
        }
    }

    @Test func mutatedStartupPackets() throws {
        var rng = Generator(state: 0xC0FFEE)
        let originals = Fixtures.startup.map { packet in makeBuffer { packet.write(into: &$0) } }
        var decodedCount = 0
        for _ in 0..<500 {
            for original in originals {
                var buffer = bytes(Self.mutate(Array(original.readableBytesView), using: &rng))
                let input = buffer
                guard let packet = try? StartupPacket.decode(from: &buffer) else { continue }
                decodedCount += 1
                var reencoded = ByteBuffer()
                packet.write(into: &reencoded)
                let consumed = input.getSlice(at: input.readerIndex, length: input.readableBytes - buffer.readableBytes)
                #expect(consumed == reencoded)
            }
        }
        #expect(decodedCount > 100)
    }

    @Test func everyTypeByteWithGarbagePayload() {
        var rng = Generator(state: 42)
        for id in UInt8.min...UInt8.max {
            for length in [0, 1, 2, 4, 7, 19, 64] {
                let payload = bytes((0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) })
                let frame = Frame(id: id, payload: payload)
                if let message = try? FrontendMessage(frame: frame) {
                    #expect(message.frame == frame)
                }
                if let message = try? BackendMessage(frame: frame) {
                    #expect(message.frame == frame)
                }
            }
        }
    }
}
