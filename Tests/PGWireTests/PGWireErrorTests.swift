import PGWire
import Testing

@Suite struct PGWireErrorTests {
    static let all: [PGWireError] = [
        .invalidLength(3),
        .messageTooLarge(length: 20_000, limit: 10_000),
        .unknownMessageType(0x7A),
        .malformed(messageType: 0x42, reason: "x"),
        .malformed(messageType: nil, reason: "y"),
        .unsupportedProtocolVersion(major: 2, minor: 0),
    ]

    @Test(arguments: all)
    func sqlStateIsProtocolViolation(error: PGWireError) {
        #expect(error.sqlState == "08P01")
        #expect(!error.description.isEmpty)
    }

    @Test func descriptions() {
        #expect(PGWireError.invalidLength(-1).description == "invalid message length -1")
        #expect(
            PGWireError.messageTooLarge(length: 20_000, limit: 10_000).description
                == "message length 20000 exceeds the limit of 10000 bytes"
        )
        #expect(PGWireError.unknownMessageType(0x7A).description == "invalid message type 'z' (0x7A)")
        #expect(PGWireError.unknownMessageType(0).description == "invalid message type 0x0")
        #expect(
            PGWireError.malformed(messageType: 0x42, reason: "truncated x").description
                == "malformed message of type 'B' (0x42): truncated x"
        )
        #expect(PGWireError.malformed(messageType: nil, reason: "bad").description == "invalid startup packet: bad")
        #expect(
            PGWireError.unsupportedProtocolVersion(major: 2, minor: 0).description
                == "unsupported frontend protocol 2.0: server supports 3.0 to 3.x"
        )
    }

    @Test func sqlStateConstants() {
        let expected: [(SQLState, String)] = [
            (.protocolViolation, "08P01"),
            (.connectionFailure, "08006"),
            (.connectionException, "08000"),
            (.invalidPassword, "28P01"),
            (.invalidAuthorizationSpecification, "28000"),
            (.insufficientPrivilege, "42501"),
            (.syntaxError, "42601"),
            (.tooManyConnections, "53300"),
            (.adminShutdown, "57P01"),
            (.queryCanceled, "57014"),
            (.featureNotSupported, "0A000"),
            (.invalidParameterValue, "22023"),
            (.inFailedSQLTransaction, "25P02"),
            (.undefinedObject, "42704"),
            (.invalidCatalogName, "3D000"),
            (.cannotConnectNow, "57P03"),
            (.idleInTransactionTimeout, "25P03"),
            (.internalError, "XX000"),
        ]
        for (state, code) in expected {
            #expect(state.rawValue == code)
            #expect(SQLState(rawValue: code) == state)
        }
        #expect(Set(expected.map(\.0)).count == expected.count)
    }
}
