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

extension SCRAMTests {
    /// pitfalls.md: fuzzing the SCRAM parser. Random bytes rarely get past
    /// the first checks, so this mutates a genuine exchange (flipped,
    /// dropped, repeated and inserted bytes, separators, escapes, invalid
    /// UTF-8, proofs of the wrong length, long attributes) to reach base64
    /// decoding, the nonce, channel-binding and proof checks. Nothing may
    /// crash, and only the genuine pair may authenticate.
    func testMutatedExchangesNeverCrashOrAuthenticate() {
        let verifier = SCRAMVerifier(password: "secret", salt: salt, iterations: 4096)
        var client = SCRAMClient(clientNonce: "clientnonce")
        let genuineFirst = client.clientFirstMessage
        var probe = SCRAMServer(verifier: verifier, userIsReal: true, channelBinding: nil, serverNonce: "servernonce")
        guard case .continue(let serverFirst) = probe.receiveClientFirst(mechanism: "SCRAM-SHA-256", data: genuineFirst),
              case .success(let parsed) = client.parseServerFirst(serverFirst)
        else { return XCTFail("the genuine first message was refused") }
        let genuineFinal = client.clientFinalMessage(serverFirst: parsed, keys: SCRAMClient.Keys(password: "secret", salt: salt, iterations: 4096))
        guard case .success = probe.receiveClientFinal(data: genuineFinal) else { return XCTFail("the genuine exchange failed") }

        let tokens: [[UInt8]] = [
            Array(",".utf8), Array("=".utf8), Array("=3D".utf8), Array("=2C".utf8), Array("=zz".utf8), [0], [0xFF], [0xC3],
            Array("p=".utf8), Array("c=".utf8), Array("r=".utf8), Array("n=".utf8), Array("m=ext,".utf8), Array("c=biws,".utf8),
            Array("p=\(SCRAMPrimitives.base64(Array(repeating: 1, count: 31)))".utf8),
            Array("p=\(SCRAMPrimitives.base64(Array(repeating: 1, count: 33)))".utf8),
            Array(repeating: UInt8(ascii: "A"), count: 1_000), Array("====".utf8),
        ]
        var generator = SeededGenerator(seed: 7)
        func mutate(_ message: [UInt8]) -> [UInt8] {
            var bytes = message
            for _ in 0..<Int.random(in: 1...3, using: &generator) {
                let at = Int.random(in: 0...bytes.count, using: &generator)
                switch Int.random(in: 0..<5, using: &generator) {
                case 0 where at < bytes.count:
                    bytes[at] ^= UInt8.random(in: 1 ... .max, using: &generator)
                case 1 where at < bytes.count:
                    bytes.removeSubrange(at..<min(bytes.count, at + Int.random(in: 1...8, using: &generator)))
                case 2 where at < bytes.count:
                    let end = min(bytes.count, at + Int.random(in: 1...8, using: &generator))
                    bytes.insert(contentsOf: bytes[at..<end], at: at)
                case 3:
                    bytes.removeSubrange(at...)
                default:
                    bytes.insert(contentsOf: tokens[Int.random(in: 0..<tokens.count, using: &generator)], at: at)
                }
            }
            return bytes
        }
        var reachedFinal = 0
        for round in 0..<20_000 {
            let first = round % 3 == 0 ? mutate(genuineFirst) : genuineFirst
            let final = round % 3 == 2 && first == genuineFirst ? genuineFinal : mutate(genuineFinal)
            var server = SCRAMServer(verifier: verifier, userIsReal: true, channelBinding: nil, serverNonce: "servernonce")
            guard case .continue = server.receiveClientFirst(mechanism: "SCRAM-SHA-256", data: first) else { continue }
            reachedFinal += 1
            let outcome = server.receiveClientFinal(data: final)
            if case .success = outcome, first != genuineFirst || final != genuineFinal {
                XCTFail("a mutated exchange authenticated: \(String(decoding: first, as: UTF8.self)) / \(String(decoding: final, as: UTF8.self))")
            }
        }
        // The mutations reached the final message's checks, not only the first's.
        XCTAssertGreaterThan(reachedFinal, 10_000)
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
