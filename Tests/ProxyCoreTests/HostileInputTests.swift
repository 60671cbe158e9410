import NIOCore
import PGWire
import SluiceTestSupport
import Testing

extension ProxyTests {
    /// Bytes that are not the protocol end the connection with a FATAL 08P01,
    /// the way PostgreSQL ends it, and never disturb other clients.
    @Suite struct HostileInput {
        /// A type byte and a length field, and nothing of the body.
        static func header(_ type: Character, length: Int32) -> ByteBuffer {
            var buffer = ByteBuffer()
            buffer.writeInteger(UInt8(ascii: type.unicodeScalars.first ?? "?"))
            buffer.writeInteger(length)
            return buffer
        }

        /// Sends `bytes` and expects exactly one FATAL 08P01, then the close.
        static func expectProtocolViolation(_ client: RawWireClient, after bytes: ByteBuffer) async throws {
            try await client.send(bytes)
            let messages = try await client.readUntilClosed(timeout: .seconds(5))
            #expect(messages.count == 1, "\(messages)")
            let fields = try #require(messages.errors.first)
            #expect(fields.severity == "FATAL")
            #expect(fields.sqlState == "08P01")
        }

        @Test func lengthBelowFourAfterLogin() async throws {
            try await ProxyHarness.run { proxy in
                let (client, _) = try await proxy.login()
                try await Self.expectProtocolViolation(client, after: Self.header("Q", length: 3))
            }
        }

        @Test func messageClaimingTwoGigabytes() async throws {
            try await ProxyHarness.run { proxy in
                let (client, _) = try await proxy.login()
                try await Self.expectProtocolViolation(client, after: Self.header("Q", length: .max))
            }
        }

        @Test func unknownMessageType() async throws {
            try await ProxyHarness.run { proxy in
                let (client, _) = try await proxy.login()
                try await Self.expectProtocolViolation(client, after: Self.header("z", length: 4))
            }
        }

        /// Only the header is sent: the declared length alone must be refused,
        /// before any of the body is buffered. (Sending the whole body would
        /// also race the proxy's close against unread bytes, which resets the
        /// connection and can discard the error before the client reads it.)
        @Test func oversizedStartupPacket() async throws {
            try await ProxyHarness.run { proxy in
                let client = try await proxy.connect()
                var packet = ByteBuffer()
                packet.writeInteger(Int32(20_000))
                packet.writeInteger(Int32(3 << 16))
                try await Self.expectProtocolViolation(client, after: packet)
            }
        }

        @Test func stallMidMessageIsClosedWhileOthersWork() async throws {
            try await ProxyHarness.run(configure: { $0.partialMessageTimeout = .seconds(1) }) { proxy in
                let (stalled, _) = try await proxy.login()
                let (bystander, _) = try await proxy.login()

                var partial = Self.header("Q", length: 100)
                partial.writeString("SELECT 1 ")
                let start = ContinuousClock.now
                try await stalled.send(partial)
                let stalledEnd = Task { try await stalled.readUntilClosed(timeout: .seconds(5)) }

                for _ in 0..<5 {
                    #expect(try await bystander.simpleQuery("SELECT 1").firstValue == "1")
                    try await Task.sleep(for: .milliseconds(100))
                }
                let messages = try await stalledEnd.value
                let elapsed = ContinuousClock.now - start

                #expect(messages.errors.map(\.sqlState) == ["08P01"])
                #expect(messages.errors.first?.severity == "FATAL")
                #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(3), "closed after \(elapsed)")
                #expect(try await bystander.simpleQuery("SELECT 2").firstValue == "2")
            }
        }
    }
}
