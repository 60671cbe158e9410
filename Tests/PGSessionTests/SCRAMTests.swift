import Foundation
import XCTest
@testable import PGSession

final class SCRAMTests: XCTestCase {
    // RFC 7677 section 3 test vector.
    let salt = Array(Data(base64Encoded: "W22ZaJ0SNY7soEsUEjb6gQ==") ?? Data())
    let serverNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"

    func testServerMatchesRFC7677Vector() {
        let verifier = SCRAMVerifier(password: "pencil", salt: salt, iterations: 4096)
        var server = SCRAMServer(verifier: verifier, userIsReal: true, channelBinding: nil, serverNonce: serverNonce)
        let first = server.receiveClientFirst(mechanism: "SCRAM-SHA-256", data: Array("n,,n=user,r=rOprNGfwEbeRWgbNEkqO".utf8))
        XCTAssertEqual(first, .continue(serverFirst: Array("r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096".utf8)))
        let final = server.receiveClientFinal(data: Array(
            "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=".utf8))
        XCTAssertEqual(final, .success(serverFinal: Array("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=".utf8)))
    }

    func testVerifierEncodingRoundTrips() throws {
        let verifier = SCRAMVerifier(password: "pencil", salt: salt, iterations: 4096)
        let parsed = try XCTUnwrap(SCRAMVerifier(encoded: verifier.encoded))
        XCTAssertEqual(parsed, verifier)
        XCTAssertTrue(verifier.encoded.hasPrefix("SCRAM-SHA-256$4096:W22ZaJ0SNY7soEsUEjb6gQ==$"))
        XCTAssertNil(SCRAMVerifier(encoded: "md5abcdef"))
        XCTAssertNil(SCRAMVerifier(encoded: "SCRAM-SHA-256$x:y$z"))
    }

    /// Our client against our server, with and without a wrong password.
    func exchange(password: String, stored: String, binding: [UInt8]? = nil, userIsReal: Bool = true) -> SCRAMServer.Outcome {
        let verifier = SCRAMVerifier(password: stored, salt: salt, iterations: 4096)
        var server = SCRAMServer(verifier: verifier, userIsReal: userIsReal, channelBinding: binding, serverNonce: "servernonce")
        var client = SCRAMClient(clientNonce: "clientnonce")
        guard case .continue(let serverFirst) = server.receiveClientFirst(mechanism: "SCRAM-SHA-256", data: client.clientFirstMessage),
              case .success(let parsed) = client.parseServerFirst(serverFirst)
        else { return .failure(.malformed("first")) }
        let keys = SCRAMClient.Keys(password: password, salt: parsed.salt, iterations: parsed.iterations)
        let outcome = server.receiveClientFinal(data: client.clientFinalMessage(serverFirst: parsed, keys: keys))
        if case .success(let final) = outcome {
            guard case .success = client.verifyServerFinal(final) else { return .failure(.malformed("server final")) }
        }
        return outcome
    }

    func testClientAndServerAgree() {
        guard case .success = exchange(password: "secret", stored: "secret") else { return XCTFail("expected success") }
    }

    func testWrongPasswordFails() {
        XCTAssertEqual(exchange(password: "wrong", stored: "secret"), .failure(.authenticationFailed))
    }

    func testDecoyUserFailsEvenWithMatchingProof() {
        XCTAssertEqual(exchange(password: "secret", stored: "secret", userIsReal: false), .failure(.authenticationFailed))
    }

    func testClientClaimingNoBindingSupportIsRefusedWhenServerOffersPlus() {
        var server = SCRAMServer(verifier: SCRAMVerifier(password: "p", salt: salt), userIsReal: true, channelBinding: [1, 2, 3], serverNonce: "n")
        XCTAssertEqual(server.receiveClientFirst(mechanism: "SCRAM-SHA-256", data: Array("y,,n=,r=abc".utf8)), .failure(.authenticationFailed))
    }

    func testChannelBindingChecked() {
        let binding: [UInt8] = Array(repeating: 7, count: 32)
        let verifier = SCRAMVerifier(password: "pw", salt: salt)
        for (sent, expected) in [(binding, true), (Array(repeating: 8, count: 32), false)] {
            var server = SCRAMServer(verifier: verifier, userIsReal: true, channelBinding: binding, serverNonce: "S")
            let header = "p=tls-server-end-point,,"
            guard case .continue(let first) = server.receiveClientFirst(mechanism: "SCRAM-SHA-256-PLUS", data: Array((header + "n=,r=C").utf8)) else {
                return XCTFail("first")
            }
            let text = String(decoding: first, as: UTF8.self)
            XCTAssertTrue(text.hasPrefix("r=CS,"))
            let keys = SCRAMClient.Keys(password: "pw", salt: salt, iterations: 4096)
            let c = SCRAMPrimitives.base64(Array(header.utf8) + sent)
            let withoutProof = "c=\(c),r=CS"
            let auth = Array("n=,r=C,\(text),\(withoutProof)".utf8)
            let proof = SCRAMPrimitives.xor(keys.clientKey, SCRAMPrimitives.hmac(key: SCRAMPrimitives.sha256(keys.clientKey), auth))
            let outcome = server.receiveClientFinal(data: Array("\(withoutProof),p=\(SCRAMPrimitives.base64(proof))".utf8))
            if expected {
                guard case .success = outcome else { return XCTFail("binding should match") }
            } else {
                XCTAssertEqual(outcome, .failure(.authenticationFailed))
            }
        }
    }

    func testPlusWithoutTLSIsRefused() {
        var server = SCRAMServer(verifier: SCRAMVerifier(password: "p", salt: salt), userIsReal: true, channelBinding: nil, serverNonce: "n")
        guard case .failure(.malformed) = server.receiveClientFirst(mechanism: "SCRAM-SHA-256-PLUS", data: Array("p=tls-server-end-point,,n=,r=a".utf8)) else {
            return XCTFail("expected refusal")
        }
    }

    func testMalformedMessagesNeverCrash() {
        var generator = SeededGenerator(seed: 42)
        let alphabet = Array("nyp=,ric-+/abcXYZ019 \u{0}".utf8)
        for _ in 0..<20_000 {
            let length = Int.random(in: 0...40, using: &generator)
            let bytes = (0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            var server = SCRAMServer(verifier: SCRAMVerifier(iterations: 4096, salt: [1], storedKey: Array(repeating: 0, count: 32), serverKey: Array(repeating: 0, count: 32)),
                                     userIsReal: true, channelBinding: [1], serverNonce: "s")
            let first = server.receiveClientFirst(mechanism: Bool.random(using: &generator) ? "SCRAM-SHA-256" : "SCRAM-SHA-256-PLUS", data: bytes)
            if case .continue = first {
                let outcome = server.receiveClientFinal(data: bytes)
                if case .success = outcome { XCTFail("random bytes authenticated") }
            }
        }
    }
}

/// A small deterministic generator (SplitMix64) so fuzz runs repeat.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
