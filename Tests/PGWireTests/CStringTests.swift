import NIOCore
import PGWire
import Testing

@Suite struct CStringTests {
    @Test func readsAndConsumesTerminator() {
        var buffer = bytes([0x61, 0x62, 0, 0x63, 0])
        #expect(buffer.pgReadCString() == "ab")
        #expect(buffer.pgReadCString() == "c")
        #expect(buffer.readableBytes == 0)
        #expect(buffer.pgReadCString() == nil)
    }

    @Test func readsEmptyAndNonASCIIStrings() {
        var buffer = ByteBuffer()
        buffer.pgWriteCString("")
        buffer.pgWriteCString("Grüße 🐘 日本")
        #expect(buffer.pgReadCString() == "")
        #expect(buffer.pgReadCString() == "Grüße 🐘 日本")
    }

    @Test func missingTerminatorLeavesBufferUntouched() {
        var buffer = bytes("abc")
        #expect(buffer.pgReadCString() == nil)
        #expect(buffer == bytes("abc"))
    }

    @Test(arguments: [[0xFF], [0xC3, 0x28], [0xE2, 0x82], [0xF0, 0x9F, 0x98], [0xED, 0xA0, 0x80], [0xC0, 0x80]] as [[UInt8]])
    func invalidUTF8LeavesBufferUntouched(invalid: [UInt8]) {
        var buffer = bytes(invalid + [0])
        let before = buffer
        #expect(buffer.pgReadCString() == nil)
        #expect(buffer == before)
    }

    @Test func writeReturnsByteCountIncludingTerminator() {
        var buffer = ByteBuffer()
        #expect(buffer.pgWriteCString("ü") == 3)
        #expect(Array(buffer.readableBytesView) == [0xC3, 0xBC, 0])
    }

    @Test func writeTruncatesAtEmbeddedNUL() {
        var buffer = ByteBuffer()
        #expect(buffer.pgWriteCString("SELECT 1\u{0}; DROP TABLE x") == 9)
        #expect(buffer.pgReadCString() == "SELECT 1")
        #expect(buffer.readableBytes == 0)
    }

    @Test func embeddedNULCannotInjectProtocolFields() throws {
        // Without truncation the bytes after NUL would be read as further error fields.
        let fields = ErrorFields.make(severity: "ERROR", sqlState: "XX000", message: "user text\u{0}Cforged")
        let decoded = try BackendMessage(frame: BackendMessage.errorResponse(fields).frame)
        guard case .errorResponse(let roundTripped) = decoded else {
            Issue.record("unexpected \(decoded)")
            return
        }
        #expect(roundTripped.message == "user text")
        #expect(roundTripped.sqlState == "XX000")
        #expect(roundTripped.fields.count == 4)
    }
}
