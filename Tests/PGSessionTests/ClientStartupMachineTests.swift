import NIOCore
import PGWire
import XCTest
@testable import PGSession

final class ClientStartupMachineTests: XCTestCase {
    func startup(_ parameters: [(String, String)], minor: Int = 0) -> StartupPacket {
        .startup(StartupMessage(protocolMinor: minor, parameters: parameters.map { StartupParameter(name: $0.0, value: $0.1) }))
    }

    func testSSLRequestOfferedWhenTLSAvailable() {
        var machine = ClientStartupMachine(configuration: .init(tlsAvailable: true, tlsRequired: false))
        XCTAssertEqual(machine.packetReceived(.sslRequest), [.sendByte(UInt8(ascii: "S")), .startTLS])
        XCTAssertEqual(machine.tlsEstablished(channelBinding: [1]), [])
        XCTAssertTrue(machine.expectsStartupPacket)
        // A second SSLRequest inside TLS is a protocol violation.
        guard case .fail(let fields)? = machine.packetReceived(.sslRequest).first else { return XCTFail("expected failure") }
        XCTAssertEqual(fields.sqlState, "08P01")
    }

    func testSSLRequestRefusedWithoutTLSAndGSSAlwaysRefused() {
        var machine = ClientStartupMachine(configuration: .init(tlsAvailable: false, tlsRequired: false))
        XCTAssertEqual(machine.packetReceived(.gssEncRequest), [.sendByte(UInt8(ascii: "N"))])
        XCTAssertEqual(machine.packetReceived(.sslRequest), [.sendByte(UInt8(ascii: "N"))])
        XCTAssertTrue(machine.expectsStartupPacket)
    }

    func testPlaintextRefusedWhenTLSRequired() {
        var machine = ClientStartupMachine(configuration: .init(tlsAvailable: true, tlsRequired: true))
        guard case .fail(let fields)? = machine.packetReceived(startup([("user", "customer.acme")])).first else { return XCTFail("expected failure") }
        XCTAssertEqual(fields.sqlState, "28000")
    }

    func testCancelIsForwardedAndCloses() {
        var machine = ClientStartupMachine(configuration: .init(tlsAvailable: false, tlsRequired: false))
        let request = CancelRequest(processID: 5, secretKey: 9)
        XCTAssertEqual(machine.packetReceived(.cancel(request)), [.cancel(request), .close])
    }

    func testMissingUserIsFatal() {
        var machine = ClientStartupMachine(configuration: .init(tlsAvailable: false, tlsRequired: false))
        guard case .fail(let fields)? = machine.packetReceived(startup([("database", "customer_db")])).first else { return XCTFail("expected failure") }
        XCTAssertEqual(fields.sqlState, "28000")
    }

    func testNewerProtocolIsNegotiatedDown() {
        var machine = ClientStartupMachine(configuration: .init(tlsAvailable: false, tlsRequired: false))
        let actions = machine.packetReceived(startup([("user", "customer.acme"), ("_pq_.foo", "1")], minor: 2))
        XCTAssertEqual(actions.first, .send(.negotiateProtocolVersion(newestMinor: 0, unrecognizedOptions: ["_pq_.foo"])))
        guard case .resolveCredentials(let user, _)? = actions.last else { return XCTFail("expected lookup") }
        XCTAssertEqual(user, "customer.acme")
    }

    /// The full path: startup, SCRAM with our client, greeting.
    func testFullLogin() throws {
        var machine = ClientStartupMachine(configuration: .init(tlsAvailable: false, tlsRequired: false))
        _ = machine.packetReceived(startup([("user", "customer.acme"), ("database", "customer_db"), ("application_name", "t")]))
        let salt: [UInt8] = Array(repeating: 3, count: 16)
        let actions = machine.credentialsResolved(verifier: SCRAMVerifier(password: "pw", salt: salt), userIsReal: true, serverNonce: "SN")
        XCTAssertEqual(actions, [.send(.authentication(.sasl(mechanisms: ["SCRAM-SHA-256"])))])
        XCTAssertEqual(machine.expectsPasswordMessage, .saslInitial)
        var client = SCRAMClient(clientNonce: "CN")
        guard case .send(.authentication(.saslContinue(let first)))? = machine.saslInitialReceived(mechanism: "SCRAM-SHA-256", data: client.clientFirstMessage).first,
              case .success(let parsed) = client.parseServerFirst(Array(first.readableBytesView))
        else { return XCTFail("expected server-first") }
        let final = client.clientFinalMessage(serverFirst: parsed, keys: .init(password: "pw", salt: salt, iterations: 4096))
        let done = machine.saslResponseReceived(data: final)
        XCTAssertEqual(done.count, 3)
        XCTAssertEqual(done[1], .send(.authentication(.ok)))
        guard case .acquireUpstream(_, let parameters) = done[2] else { return XCTFail("expected upstream acquisition") }
        XCTAssertEqual(parameters.settings, [StartupParameter(name: "application_name", value: "t")])
        let greeting = machine.upstreamReady(parameterStatus: [(name: "server_version", value: "15")], backendKey: BackendKeyData(processID: 1, secretKey: 2))
        XCTAssertEqual(greeting, [
            .send(.parameterStatus(name: "server_version", value: "15")),
            .send(.backendKeyData(BackendKeyData(processID: 1, secretKey: 2))),
            .send(.readyForQuery(.idle)),
        ])
        XCTAssertTrue(machine.isReady)
    }

    func testWrongPasswordAndUnknownUserGiveSameError() {
        func attempt(userIsReal: Bool, user: String) -> [ClientStartupMachine.Action] {
            var machine = ClientStartupMachine(configuration: .init(tlsAvailable: false, tlsRequired: false))
            _ = machine.packetReceived(startup([("user", user)]))
            let salt: [UInt8] = Array(repeating: 1, count: 16)
            _ = machine.credentialsResolved(verifier: SCRAMVerifier(password: "right", salt: salt), userIsReal: userIsReal, serverNonce: "S")
            var client = SCRAMClient(clientNonce: "C")
            guard case .send(.authentication(.saslContinue(let first)))? = machine.saslInitialReceived(mechanism: "SCRAM-SHA-256", data: client.clientFirstMessage).first,
                  case .success(let parsed) = client.parseServerFirst(Array(first.readableBytesView)) else { return [] }
            return machine.saslResponseReceived(data: client.clientFinalMessage(serverFirst: parsed, keys: .init(password: "wrong", salt: salt, iterations: 4096)))
        }
        XCTAssertEqual(attempt(userIsReal: true, user: "customer.acme"), [.fail(ClientStartupMachine.passwordFailed(user: "customer.acme"))])
        XCTAssertEqual(attempt(userIsReal: false, user: "customer.acme"), [.fail(ClientStartupMachine.passwordFailed(user: "customer.acme"))])
    }

    func testFailureHintRidesOnThe28P01() {
        var machine = ClientStartupMachine(configuration: .init(tlsAvailable: false, tlsRequired: false))
        _ = machine.packetReceived(startup([("user", "customer_acme")]))
        let salt: [UInt8] = Array(repeating: 1, count: 16)
        _ = machine.credentialsResolved(verifier: SCRAMVerifier(password: "right", salt: salt), userIsReal: false,
                                        serverNonce: "S", failureHint: "no dot")
        var client = SCRAMClient(clientNonce: "C")
        guard case .send(.authentication(.saslContinue(let first)))? = machine.saslInitialReceived(mechanism: "SCRAM-SHA-256", data: client.clientFirstMessage).first,
              case .success(let parsed) = client.parseServerFirst(Array(first.readableBytesView)) else { return XCTFail("no server-first") }
        let actions = machine.saslResponseReceived(data: client.clientFinalMessage(serverFirst: parsed, keys: .init(password: "right", salt: salt, iterations: 4096)))
        XCTAssertEqual(actions, [.fail(ClientStartupMachine.passwordFailed(user: "customer_acme", hint: "no dot"))])
    }

    func testOptionsParsing() {
        let message = StartupMessage(parameters: [
            StartupParameter(name: "user", value: "customer.acme"),
            StartupParameter(name: "options", value: "-c sluice.pooling=session -cstatement_timeout=5s --work-mem=4MB -c a=b\\ c"),
        ])
        guard case .success(let parsed) = StartupParameters.parse(message) else { return XCTFail("parse failed") }
        XCTAssertEqual(parsed.proxyOptions["sluice.pooling"], "session")
        XCTAssertEqual(parsed.settings, [
            StartupParameter(name: "statement_timeout", value: "5s"),
            StartupParameter(name: "work_mem", value: "4MB"),
            StartupParameter(name: "a", value: "b c"),
        ])
        let bad = StartupMessage(parameters: [StartupParameter(name: "user", value: "u"), StartupParameter(name: "options", value: "-f x")])
        guard case .success(let rejected) = StartupParameters.parse(bad) else { return XCTFail("parse failed") }
        XCTAssertEqual(rejected.rejectedOptions, "-f x", "a switch other than -c/-- is kept for the policy to deny")
    }
}
