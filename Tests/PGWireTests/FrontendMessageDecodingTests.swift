import NIOCore
import PGWire
import Testing

/// Hostile or broken client payloads must be rejected with a precise error, never trap.
@Suite struct FrontendMessageDecodingTests {
    private func decodeError(_ frame: Frame, _ context: FrontendMessage.PasswordContext = .password) throws -> PGWireError {
        try #require(throws: PGWireError.self) { try FrontendMessage(frame: frame, passwordContext: context) }
    }

    private func malformedReason(_ frame: Frame, _ context: FrontendMessage.PasswordContext = .password) throws -> String {
        let error = try decodeError(frame, context)
        guard case .malformed(let type, let reason) = error else {
            Issue.record("expected .malformed, got \(error)")
            return ""
        }
        #expect(type == frame.id)
        return reason
    }

    @Test(arguments: ["Z", "R", "T", "1", "x", "\u{0}", "\u{7F}"] as [Character])
    func unknownTypeIsRejected(id: Character) {
        let raw = id.asciiValue ?? 0
        #expect(throws: PGWireError.unknownMessageType(raw)) {
            try FrontendMessage(frame: Frame(id: raw, payload: ByteBuffer()))
        }
    }

    @Test func highBitTypeIsRejected() {
        #expect(throws: PGWireError.unknownMessageType(0xC3)) {
            try FrontendMessage(frame: Frame(id: 0xC3, payload: ByteBuffer()))
        }
    }

    @Test func queryWithoutNULIsMalformed() throws {
        let reason = try malformedReason(frame("Q") { $0.writeString("SELECT 1") })
        #expect(reason == "missing NUL terminator in query string")
    }

    @Test func queryWithTrailingBytesIsMalformed() throws {
        let reason = try malformedReason(
            frame("Q") { buffer in
                buffer.writeRawCString("SELECT 1")
                buffer.writeRawCString("; DROP TABLE x")
            }
        )
        #expect(reason == "15 unexpected trailing byte(s)")
    }

    @Test func queryWithInvalidUTF8IsMalformed() throws {
        let reason = try malformedReason(frame("Q") { $0.writeBytes([0x53, 0xC3, 0x28, 0]) })
        #expect(reason == "invalid UTF-8 in query string")
    }

    @Test(arguments: ["S", "H", "X", "c"] as [Character])
    func emptyMessagesRejectPayload(id: Character) throws {
        let reason = try malformedReason(frame(id) { $0.writeInteger(UInt8(0)) })
        #expect(reason == "1 unexpected trailing byte(s)")
    }

    @Test func bindParameterCountLargerThanPayload() throws {
        let reason = try malformedReason(
            frame("B") { buffer in
                buffer.writeRawCString("")
                buffer.writeRawCString("")
                buffer.writeInteger(UInt16(0))
                buffer.writeInteger(UInt16(0xFFFF))
                buffer.writeInteger(Int32(-1))
            }
        )
        #expect(reason == "parameter count 65535 exceeds the payload")
    }

    @Test func bindFormatCountLargerThanPayload() throws {
        let reason = try malformedReason(
            frame("B") { buffer in
                buffer.writeRawCString("")
                buffer.writeRawCString("")
                buffer.writeInteger(UInt16(3))
                buffer.writeInteger(Int16(1))
            }
        )
        #expect(reason == "parameter format code count 3 exceeds the payload")
    }

    @Test(arguments: [Int32(-2), Int32.min])
    func bindNegativeValueLengthIsMalformed(length: Int32) throws {
        let reason = try malformedReason(
            frame("B") { buffer in
                buffer.writeRawCString("")
                buffer.writeRawCString("")
                buffer.writeInteger(UInt16(0))
                buffer.writeInteger(UInt16(1))
                buffer.writeInteger(length)
                buffer.writeInteger(UInt16(0))
            }
        )
        #expect(reason == "invalid parameter value length \(length)")
    }

    @Test func bindValueLengthLargerThanPayload() throws {
        let reason = try malformedReason(
            frame("B") { buffer in
                buffer.writeRawCString("")
                buffer.writeRawCString("")
                buffer.writeInteger(UInt16(0))
                buffer.writeInteger(UInt16(1))
                buffer.writeInteger(Int32.max)
                buffer.writeString("abc")
                buffer.writeInteger(UInt16(0))
            }
        )
        #expect(reason == "parameter value length 2147483647 exceeds the payload")
    }

    @Test func bindMissingResultFormats() throws {
        let reason = try malformedReason(
            frame("B") { buffer in
                buffer.writeRawCString("")
                buffer.writeRawCString("")
                buffer.writeInteger(UInt16(0))
                buffer.writeInteger(UInt16(0))
            }
        )
        #expect(reason == "truncated result format code count")
    }

    @Test func bindMissingStatementTerminator() throws {
        let reason = try malformedReason(frame("B") { $0.writeRawCString("portal") })
        #expect(reason == "missing NUL terminator in statement name")
    }

    @Test func parseTypeCountLargerThanPayload() throws {
        let reason = try malformedReason(
            frame("P") { buffer in
                buffer.writeRawCString("")
                buffer.writeRawCString("SELECT $1")
                buffer.writeInteger(UInt16(2))
                buffer.writeInteger(UInt32(23))
            }
        )
        #expect(reason == "parameter type count 2 exceeds the payload")
    }

    @Test func parseWithTrailingBytes() throws {
        let reason = try malformedReason(
            frame("P") { buffer in
                buffer.writeRawCString("")
                buffer.writeRawCString("SELECT 1")
                buffer.writeInteger(UInt16(0))
                buffer.writeInteger(UInt8(9))
            }
        )
        #expect(reason == "1 unexpected trailing byte(s)")
    }

    @Test func closeAndDescribeRejectUnknownKind() throws {
        #expect(try malformedReason(frame("C") { $0.writeRawCString("Xname") }) == "invalid target kind 88, expected 'S' or 'P'")
        #expect(try malformedReason(frame("D") { $0.writeRawCString("Zname") }) == "invalid target kind 90, expected 'S' or 'P'")
        #expect(try malformedReason(frame("D") { _ in }) == "truncated target kind")
    }

    @Test func executeWithTruncatedRowLimit() throws {
        let reason = try malformedReason(
            frame("E") { buffer in
                buffer.writeRawCString("")
                buffer.writeInteger(UInt16(0))
            }
        )
        #expect(reason == "truncated row limit")
    }

    @Test func functionCallWithTruncatedResultFormat() throws {
        let reason = try malformedReason(
            frame("F") { buffer in
                buffer.writeInteger(Int32(1))
                buffer.writeInteger(UInt16(0))
                buffer.writeInteger(UInt16(1))
                buffer.writeInteger(Int32(-1))
            }
        )
        #expect(reason == "truncated result format code")
    }

    @Test func saslInitialResponseChecks() throws {
        #expect(
            try malformedReason(frame("p") { $0.writeRawCString("SCRAM-SHA-256") }, .saslInitial)
                == "truncated SASL initial response length"
        )
        #expect(
            try malformedReason(
                frame("p") { buffer in
                    buffer.writeRawCString("SCRAM-SHA-256")
                    buffer.writeInteger(Int32(10))
                    buffer.writeString("short")
                },
                .saslInitial
            ) == "SASL initial response length 10 exceeds the payload"
        )
        #expect(
            try malformedReason(
                frame("p") { buffer in
                    buffer.writeRawCString("SCRAM-SHA-256")
                    buffer.writeInteger(Int32(-1))
                    buffer.writeString("extra")
                },
                .saslInitial
            ) == "5 unexpected trailing byte(s)"
        )
    }

    @Test func passwordContextSelectsLayout() throws {
        let payload = frame("p") { $0.writeRawCString("secret") }
        #expect(try FrontendMessage(frame: payload) == .password("secret"))
        #expect(try FrontendMessage(frame: payload, passwordContext: .sasl) == .saslResponse(payload.payload))
        #expect(try malformedReason(payload, .saslInitial) == "truncated SASL initial response length")
    }

    @Test func passwordWithoutTerminator() throws {
        #expect(try malformedReason(frame("p") { $0.writeString("secret") }) == "missing NUL terminator in password")
    }

    @Test func copyFailWithoutTerminator() throws {
        #expect(try malformedReason(frame("f") { $0.writeString("oops") }) == "missing NUL terminator in error message")
    }

    @Test func decodedValuesAreSlicesOfTheInput() throws {
        let message = FrontendMessage.bind(Bind(parameters: [bytes("hello")]))
        let decoded = try FrontendMessage(frame: message.frame)
        guard case .bind(let bind) = decoded, let first = bind.parameters.first, let value = first else {
            Issue.record("unexpected \(decoded)")
            return
        }
        #expect(value == bytes("hello"))
    }
}
