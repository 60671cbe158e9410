import NIOCore
import PGWire
import Testing

/// Byte-exact encodings written out by hand from the protocol documentation. Round trips alone
/// cannot catch a mistake made identically in encoder and decoder; these can.
@Suite struct WireFormatTests {
    private func encoded(_ message: FrontendMessage) -> [UInt8] {
        var buffer = ByteBuffer()
        message.write(into: &buffer)
        return Array(buffer.readableBytesView)
    }

    private func encoded(_ message: BackendMessage) -> [UInt8] {
        var buffer = ByteBuffer()
        message.write(into: &buffer)
        return Array(buffer.readableBytesView)
    }

    private func encoded(_ packet: StartupPacket) -> [UInt8] {
        var buffer = ByteBuffer()
        packet.write(into: &buffer)
        return Array(buffer.readableBytesView)
    }

    private func ascii(_ string: String) -> [UInt8] {
        Array(string.utf8)
    }

    @Test func query() {
        #expect(encoded(.query("SELECT 1")) == [0x51, 0, 0, 0, 13] + ascii("SELECT 1") + [0])
    }

    @Test func emptyMessages() {
        #expect(encoded(FrontendMessage.sync) == [0x53, 0, 0, 0, 4])
        #expect(encoded(FrontendMessage.flush) == [0x48, 0, 0, 0, 4])
        #expect(encoded(FrontendMessage.terminate) == [0x58, 0, 0, 0, 4])
        #expect(encoded(FrontendMessage.copyDone) == [0x63, 0, 0, 0, 4])
        #expect(encoded(BackendMessage.parseComplete) == [0x31, 0, 0, 0, 4])
        #expect(encoded(BackendMessage.bindComplete) == [0x32, 0, 0, 0, 4])
        #expect(encoded(BackendMessage.closeComplete) == [0x33, 0, 0, 0, 4])
        #expect(encoded(BackendMessage.noData) == [0x6E, 0, 0, 0, 4])
        #expect(encoded(BackendMessage.portalSuspended) == [0x73, 0, 0, 0, 4])
        #expect(encoded(BackendMessage.emptyQueryResponse) == [0x49, 0, 0, 0, 4])
    }

    @Test func bind() {
        let message = FrontendMessage.bind(
            Bind(portal: "", statement: "s", parameterFormats: [1], parameters: [bytes([0xAB]), nil], resultFormats: [])
        )
        let payload: [UInt8] =
            [0] + ascii("s") + [0]  // portal, statement
            + [0, 1, 0, 1]  // one format code: binary
            + [0, 2]  // two parameters
            + [0, 0, 0, 1, 0xAB]  // 1-byte value
            + [0xFF, 0xFF, 0xFF, 0xFF]  // NULL
            + [0, 0]  // no result format codes
        #expect(encoded(message) == [0x42, 0, 0, 0, UInt8(payload.count + 4)] + payload)
    }

    @Test func parseDescribeCloseExecute() {
        #expect(
            encoded(.parse(Parse(name: "a", query: "q", parameterTypes: [23])))
                == [0x50, 0, 0, 0, 14] + ascii("a") + [0] + ascii("q") + [0] + [0, 1, 0, 0, 0, 23]
        )
        #expect(encoded(.describe(Describe(kind: .portal, name: "x"))) == [0x44, 0, 0, 0, 7, 0x50] + ascii("x") + [0])
        #expect(encoded(.close(Close(kind: .statement, name: ""))) == [0x43, 0, 0, 0, 6, 0x53, 0])
        #expect(encoded(.execute(Execute(portal: "", maxRows: 5))) == [0x45, 0, 0, 0, 9, 0, 0, 0, 0, 5])
    }

    @Test func saslInitialResponse() {
        #expect(
            encoded(.saslInitialResponse(mechanism: "M", data: bytes("ab")))
                == [0x70, 0, 0, 0, 12] + ascii("M") + [0] + [0, 0, 0, 2] + ascii("ab")
        )
        #expect(
            encoded(.saslInitialResponse(mechanism: "M", data: nil))
                == [0x70, 0, 0, 0, 10] + ascii("M") + [0] + [0xFF, 0xFF, 0xFF, 0xFF]
        )
    }

    @Test func authentication() {
        #expect(encoded(.authentication(.ok)) == [0x52, 0, 0, 0, 8, 0, 0, 0, 0])
        #expect(
            encoded(.authentication(.md5Password(salt: 0x0102_0304)))
                == [0x52, 0, 0, 0, 12, 0, 0, 0, 5, 1, 2, 3, 4]
        )
        #expect(
            encoded(.authentication(.sasl(mechanisms: ["A", "B"])))
                == [0x52, 0, 0, 0, 13, 0, 0, 0, 10] + ascii("A") + [0] + ascii("B") + [0, 0]
        )
    }

    @Test func readyForQueryAndKeyData() {
        #expect(encoded(.readyForQuery(.idle)) == [0x5A, 0, 0, 0, 5, 0x49])
        #expect(encoded(.readyForQuery(.inTransaction)) == [0x5A, 0, 0, 0, 5, 0x54])
        #expect(encoded(.readyForQuery(.failed)) == [0x5A, 0, 0, 0, 5, 0x45])
        #expect(
            encoded(.backendKeyData(BackendKeyData(processID: 258, secretKey: -1)))
                == [0x4B, 0, 0, 0, 12, 0, 0, 1, 2, 0xFF, 0xFF, 0xFF, 0xFF]
        )
    }

    @Test func errorResponse() {
        let message = BackendMessage.errorResponse(
            ErrorFields(fields: [
                ErrorFields.Field(code: UInt8(ascii: "S"), value: "FATAL"),
                ErrorFields.Field(code: UInt8(ascii: "C"), value: "08P01"),
            ])
        )
        let payload = [0x53] + ascii("FATAL") + [0] + [0x43] + ascii("08P01") + [0] + [0]
        #expect(encoded(message) == [0x45, 0, 0, 0, UInt8(payload.count + 4)] + payload)
    }

    @Test func dataRowAndRowDescription() {
        #expect(
            encoded(.dataRow(DataRow(columns: [bytes("7"), nil])))
                == [0x44, 0, 0, 0, 15, 0, 2, 0, 0, 0, 1, 0x37, 0xFF, 0xFF, 0xFF, 0xFF]
        )
        let field = RowDescription.Field(
            name: "n",
            tableOID: 1,
            columnAttribute: 2,
            dataTypeOID: 23,
            dataTypeSize: 4,
            typeModifier: -1,
            format: 0
        )
        let payload: [UInt8] =
            [0, 1] + ascii("n") + [0]
            + [0, 0, 0, 1] + [0, 2] + [0, 0, 0, 23] + [0, 4] + [0xFF, 0xFF, 0xFF, 0xFF] + [0, 0]
        #expect(encoded(.rowDescription([field])) == [0x54, 0, 0, 0, UInt8(payload.count + 4)] + payload)
    }

    @Test func negotiateProtocolVersion() {
        #expect(
            encoded(.negotiateProtocolVersion(newestMinor: 0, unrecognizedOptions: ["_pq_.x"]))
                == [0x76, 0, 0, 0, 19, 0, 0, 0, 0, 0, 0, 0, 1] + ascii("_pq_.x") + [0]
        )
    }

    @Test func startupPackets() {
        #expect(encoded(StartupPacket.sslRequest) == [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x2F])
        #expect(encoded(StartupPacket.gssEncRequest) == [0, 0, 0, 8, 0x04, 0xD2, 0x16, 0x30])
        #expect(
            encoded(StartupPacket.cancel(CancelRequest(processID: 1, secretKey: 2)))
                == [0, 0, 0, 16, 0x04, 0xD2, 0x16, 0x2E, 0, 0, 0, 1, 0, 0, 0, 2]
        )
        let startup = StartupPacket.startup(StartupMessage(parameters: [StartupParameter(name: "user", value: "u")]))
        #expect(encoded(startup) == [0, 0, 0, 16, 0, 3, 0, 0] + ascii("user") + [0] + ascii("u") + [0, 0])
        let v32 = StartupPacket.startup(StartupMessage(protocolMinor: 2, parameters: []))
        #expect(encoded(v32) == [0, 0, 0, 9, 0, 3, 0, 2, 0])
    }

    @Test func frameWrite() {
        var buffer = ByteBuffer()
        let frame = Frame(id: UInt8(ascii: "x"), payload: bytes([1, 2, 3]))
        frame.write(into: &buffer)
        #expect(Array(buffer.readableBytesView) == [0x78, 0, 0, 0, 7, 1, 2, 3])
        #expect(frame.encodedLength == 8)
    }
}
