import NIOCore
import PGWire
import Testing

/// Broken server payloads must be rejected with a precise error, never trap.
@Suite struct BackendMessageDecodingTests {
    private func malformedReason(_ frame: Frame) throws -> String {
        let error = try #require(throws: PGWireError.self) { try BackendMessage(frame: frame) }
        guard case .malformed(let type, let reason) = error else {
            Issue.record("expected .malformed, got \(error)")
            return ""
        }
        #expect(type == frame.id)
        return reason
    }

    @Test(arguments: ["Q", "P", "B", "X", "p", "\u{0}"] as [Character])
    func unknownTypeIsRejected(id: Character) {
        let raw = id.asciiValue ?? 0
        #expect(throws: PGWireError.unknownMessageType(raw)) {
            try BackendMessage(frame: Frame(id: raw, payload: ByteBuffer()))
        }
    }

    @Test func authenticationChecks() throws {
        #expect(try malformedReason(frame("R") { _ in }) == "truncated authentication code")
        #expect(try malformedReason(frame("R") { $0.writeInteger(Int32(6)) }) == "unknown authentication code 6")
        #expect(try malformedReason(frame("R") { $0.writeInteger(Int32(-1)) }) == "unknown authentication code -1")
        #expect(
            try malformedReason(
                frame("R") { buffer in
                    buffer.writeInteger(Int32(5))
                    buffer.writeBytes([1, 2, 3])
                }
            ) == "truncated MD5 salt"
        )
        #expect(
            try malformedReason(
                frame("R") { buffer in
                    buffer.writeInteger(Int32(0))
                    buffer.writeInteger(UInt8(0))
                }
            ) == "1 unexpected trailing byte(s)"
        )
        #expect(
            try malformedReason(
                frame("R") { buffer in
                    buffer.writeInteger(Int32(10))
                    buffer.writeRawCString("SCRAM-SHA-256")
                }
            ) == "missing SASL mechanism list terminator"
        )
        #expect(
            try malformedReason(
                frame("R") { buffer in
                    buffer.writeInteger(Int32(10))
                    buffer.writeString("SCRAM")
                }
            ) == "missing NUL terminator in SASL mechanism"
        )
    }

    @Test func md5SaltIsBigEndian() throws {
        let decoded = try BackendMessage(
            frame: frame("R") { buffer in
                buffer.writeInteger(Int32(5))
                buffer.writeBytes([0xDE, 0xAD, 0xBE, 0xEF])
            }
        )
        #expect(decoded == .authentication(.md5Password(salt: 0xDEAD_BEEF)))
    }

    @Test func backendKeyDataWithLongSecretIsMalformed() throws {
        // Protocol 3.2 allows longer keys; we only speak the 3.0 layout.
        let reason = try malformedReason(
            frame("K") { buffer in
                buffer.writeInteger(Int32(1))
                buffer.writeRepeatingByte(7, count: 32)
            }
        )
        #expect(reason == "28 unexpected trailing byte(s)")
    }

    @Test func dataRowCountLargerThanPayload() throws {
        let reason = try malformedReason(
            frame("D") { buffer in
                buffer.writeInteger(UInt16(100))
                buffer.writeInteger(Int32(-1))
                buffer.writeInteger(Int32(-1))
            }
        )
        #expect(reason == "column count 100 exceeds the payload")
    }

    @Test func dataRowValueChecks() throws {
        #expect(
            try malformedReason(
                frame("D") { buffer in
                    buffer.writeInteger(UInt16(1))
                    buffer.writeInteger(Int32(-7))
                }
            ) == "invalid column value length -7"
        )
        #expect(
            try malformedReason(
                frame("D") { buffer in
                    buffer.writeInteger(UInt16(1))
                    buffer.writeInteger(Int32(5))
                    buffer.writeString("abc")
                }
            ) == "column value length 5 exceeds the payload"
        )
        #expect(
            try malformedReason(
                frame("D") { buffer in
                    buffer.writeInteger(UInt16(1))
                    buffer.writeInteger(Int32(1))
                    buffer.writeString("ab")
                }
            ) == "1 unexpected trailing byte(s)"
        )
    }

    @Test func rowDescriptionChecks() throws {
        #expect(
            try malformedReason(
                frame("T") { buffer in
                    buffer.writeInteger(UInt16(2))
                    buffer.writeRawCString("a")
                    buffer.writeRepeatingByte(0, count: 18)
                }
            ) == "field count 2 exceeds the payload"
        )
        #expect(
            try malformedReason(
                frame("T") { buffer in
                    buffer.writeInteger(UInt16(1))
                    buffer.writeRepeatingByte(0x61, count: 19)
                }
            ) == "missing NUL terminator in field name"
        )
        #expect(
            try malformedReason(
                frame("T") { buffer in
                    buffer.writeInteger(UInt16(1))
                    buffer.writeRawCString("abcdefghijklmnopqrstuvwxyz")
                    buffer.writeInteger(UInt32(0))
                }
            ) == "truncated column attribute number"
        )
    }

    @Test func errorResponseChecks() throws {
        #expect(try malformedReason(frame("E") { _ in }) == "missing field list terminator")
        #expect(
            try malformedReason(
                frame("E") { buffer in
                    buffer.writeInteger(UInt8(ascii: "S"))
                    buffer.writeRawCString("ERROR")
                }
            ) == "missing field list terminator"
        )
        #expect(
            try malformedReason(
                frame("N") { buffer in
                    buffer.writeInteger(UInt8(ascii: "S"))
                    buffer.writeString("ERROR")
                }
            ) == "missing NUL terminator in field value"
        )
        #expect(
            try malformedReason(
                frame("E") { buffer in
                    buffer.writeInteger(UInt8(0))
                    buffer.writeInteger(UInt8(0))
                }
            ) == "1 unexpected trailing byte(s)"
        )
    }

    @Test func readyForQueryChecks() throws {
        #expect(try malformedReason(frame("Z") { $0.writeInteger(UInt8(ascii: "X")) }) == "invalid transaction status 88")
        #expect(try malformedReason(frame("Z") { _ in }) == "truncated transaction status")
        #expect(try malformedReason(frame("Z") { $0.writeString("II") }) == "1 unexpected trailing byte(s)")
    }

    @Test func negotiateProtocolVersionChecks() throws {
        #expect(
            try malformedReason(
                frame("v") { buffer in
                    buffer.writeInteger(Int32(0))
                    buffer.writeInteger(Int32(-1))
                }
            ) == "negative option count -1"
        )
        #expect(
            try malformedReason(
                frame("v") { buffer in
                    buffer.writeInteger(Int32(0))
                    buffer.writeInteger(Int32.max)
                    buffer.writeRawCString("_pq_.a")
                }
            ) == "option count 2147483647 exceeds the payload"
        )
    }

    @Test func parameterDescriptionCountLargerThanPayload() throws {
        #expect(
            try malformedReason(
                frame("t") { buffer in
                    buffer.writeInteger(UInt16(2))
                    buffer.writeInteger(UInt32(23))
                    buffer.writeInteger(UInt16(0))
                }
            ) == "parameter type count 2 exceeds the payload"
        )
    }

    @Test func otherTruncations() throws {
        #expect(try malformedReason(frame("S") { $0.writeRawCString("TimeZone") }) == "missing NUL terminator in parameter value")
        #expect(try malformedReason(frame("C") { $0.writeString("SELECT 1") }) == "missing NUL terminator in command tag")
        #expect(try malformedReason(frame("A") { $0.writeInteger(Int16(1)) }) == "truncated process ID")
        #expect(try malformedReason(frame("V") { $0.writeInteger(Int32(-2)) }) == "invalid function result length -2")
        #expect(try malformedReason(frame("G") { $0.writeInteger(Int8(0)) }) == "truncated column format code count")
        #expect(try malformedReason(frame("1") { $0.writeInteger(UInt8(0)) }) == "1 unexpected trailing byte(s)")
    }

    @Test func errorFieldAccessors() throws {
        let fields = Fixtures.errorFields
        #expect(fields.severity == "ERROR")
        #expect(fields.sqlState == "42P01")
        #expect(fields.message == "relation \"ß\" does not exist")
        #expect(fields[UInt8(ascii: "D")] == "detail")
        #expect(fields[UInt8(ascii: "H")] == "hint")
        #expect(fields[UInt8(ascii: "P")] == "15")
        #expect(fields[UInt8(ascii: "W")] == nil)
        #expect(fields.fields.map(\.code) == [0x53, 0x56, 0x43, 0x4D, 0x44, 0x48, 0x50])

        let minimal = ErrorFields.make(severity: "FATAL", sqlState: SQLState.protocolViolation.rawValue, message: "m")
        #expect(minimal.fields.map(\.code) == [0x53, 0x56, 0x43, 0x4D])
    }

    @Test func severityPrefersNonLocalizedField() {
        let fields = ErrorFields(fields: [
            ErrorFields.Field(code: UInt8(ascii: "S"), value: "FEHLER"),
            ErrorFields.Field(code: UInt8(ascii: "V"), value: "ERROR"),
        ])
        #expect(fields.severity == "ERROR")
        #expect(ErrorFields(fields: [ErrorFields.Field(code: UInt8(ascii: "S"), value: "FATAL")]).severity == "FATAL")
    }

    @Test func zeroFieldCodeIsNotWritten() throws {
        let fields = ErrorFields(fields: [
            ErrorFields.Field(code: 0, value: "would end the list"),
            ErrorFields.Field(code: UInt8(ascii: "M"), value: "kept"),
        ])
        let decoded = try BackendMessage(frame: BackendMessage.errorResponse(fields).frame)
        #expect(decoded == .errorResponse(ErrorFields(fields: [ErrorFields.Field(code: UInt8(ascii: "M"), value: "kept")])))
    }
}
