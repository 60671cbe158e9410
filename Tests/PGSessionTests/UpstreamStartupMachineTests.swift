import NIOCore
import PGWire
import XCTest
@testable import PGSession

final class UpstreamStartupMachineTests: XCTestCase {
    func buffer(_ bytes: [UInt8]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    /// Plays the server with our SCRAM server and checks the login completes.
    func testSCRAMLoginAgainstOurServer() {
        let salt: [UInt8] = Array(repeating: 9, count: 16)
        var machine = UpstreamStartupMachine(credentials: .init(user: "ws_a_customer", database: "ws_a", password: "pw"), clientNonce: "CN")
        guard case .sendStartup(let startup)? = machine.start().first else { return XCTFail("expected startup") }
        XCTAssertEqual(startup.user, "ws_a_customer")
        XCTAssertEqual(startup.database, "ws_a")
        guard case .send(.saslInitialResponse(let mechanism, let data))? = machine.received(.authentication(.sasl(mechanisms: ["SCRAM-SHA-256"]))).first,
              let data else { return XCTFail("expected SASL initial") }
        XCTAssertEqual(mechanism, "SCRAM-SHA-256")
        var server = SCRAMServer(verifier: SCRAMVerifier(password: "pw", salt: salt), userIsReal: true, channelBinding: nil, serverNonce: "SN")
        guard case .continue(let first) = server.receiveClientFirst(mechanism: mechanism, data: Array(data.readableBytesView)),
              case .send(.saslResponse(let final))? = machine.received(.authentication(.saslContinue(buffer(first)))).first,
              case .success(let serverFinal) = server.receiveClientFinal(data: Array(final.readableBytesView))
        else { return XCTFail("exchange failed") }
        XCTAssertEqual(machine.received(.authentication(.saslFinal(buffer(serverFinal)))), [])
        XCTAssertEqual(machine.received(.authentication(.ok)), [])
        XCTAssertEqual(machine.received(.parameterStatus(name: "TimeZone", value: "UTC")), [])
        XCTAssertEqual(machine.received(.backendKeyData(BackendKeyData(processID: 7, secretKey: 8))), [])
        guard case .ready(let status, let key, let keys)? = machine.received(.readyForQuery(.idle)).first else { return XCTFail("expected ready") }
        XCTAssertEqual(status, [.init(name: "TimeZone", value: "UTC")])
        XCTAssertEqual(key, BackendKeyData(processID: 7, secretKey: 8))
        XCTAssertEqual(keys?.salt, salt)
    }

    func testForgedServerSignatureFails() {
        var machine = UpstreamStartupMachine(credentials: .init(user: "u", database: "d", password: "pw"), clientNonce: "CN")
        _ = machine.start()
        _ = machine.received(.authentication(.sasl(mechanisms: ["SCRAM-SHA-256"])))
        _ = machine.received(.authentication(.saslContinue(buffer(Array("r=CNxyz,s=AAAA,i=4096".utf8)))))
        guard case .fail(.protocolError)? = machine.received(.authentication(.saslFinal(buffer(Array("v=AAAA".utf8))))).first else {
            return XCTFail("expected failure")
        }
    }

    func testServerErrorIsReported() {
        var machine = UpstreamStartupMachine(credentials: .init(user: "u", database: "d", password: "pw"), clientNonce: "CN")
        _ = machine.start()
        let fields = ErrorFields.make(severity: "FATAL", sqlState: "28P01", message: "nope")
        XCTAssertEqual(machine.received(.errorResponse(fields)), [.fail(.server(fields))])
    }
}
