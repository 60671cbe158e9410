/// The server side of a SCRAM-SHA-256(-PLUS) exchange, as a value: feed it the
/// client's two messages, send what it returns. No I/O, no clock.
///
/// Every failure that depends on the password (or on whether the user exists)
/// is reported only after the client's proof, as one `authenticationFailed`,
/// so an unknown user and a wrong password look the same on the wire.
public struct SCRAMServer: Sendable {
    public static let mechanism = "SCRAM-SHA-256"
    public static let mechanismPlus = "SCRAM-SHA-256-PLUS"

    public enum Failure: Error, Equatable, Sendable {
        /// The message does not follow RFC 5802; answered with 08P01.
        case malformed(String)
        /// Wrong password, unknown user, or a channel binding mismatch: 28P01.
        case authenticationFailed
    }

    public enum Outcome: Equatable, Sendable {
        case `continue`(serverFirst: [UInt8])
        case success(serverFinal: [UInt8])
        case failure(Failure)
    }

    private enum State: Sendable {
        case awaitingClientFirst
        case awaitingClientFinal(gs2Header: [UInt8], clientFirstBare: String, serverFirst: String, nonce: String, usedPlus: Bool)
        case done
    }

    private var state: State = .awaitingClientFirst
    private let verifier: SCRAMVerifier
    private let channelBinding: [UInt8]?
    private let serverNonce: String
    private let userIsReal: Bool

    /// - Parameters:
    ///   - verifier: the user's verifier, or a decoy for an unknown user.
    ///   - userIsReal: false for a decoy; the exchange then always fails at the proof.
    ///   - channelBinding: `tls-server-end-point` data when the client is on TLS.
    ///   - serverNonce: fresh random printable text without commas.
    public init(verifier: SCRAMVerifier, userIsReal: Bool, channelBinding: [UInt8]?, serverNonce: String) {
        self.verifier = verifier
        self.userIsReal = userIsReal
        self.channelBinding = channelBinding
        self.serverNonce = serverNonce
    }

    /// Mechanisms to offer in `AuthenticationSASL`, strongest first.
    public static func mechanisms(tls: Bool) -> [String] {
        tls ? [mechanismPlus, mechanism] : [mechanism]
    }

    public mutating func receiveClientFirst(mechanism: String, data: [UInt8]) -> Outcome {
        guard case .awaitingClientFirst = state else { return fail(.malformed("unexpected SCRAM message")) }
        let plus: Bool
        switch mechanism {
        case Self.mechanism: plus = false
        case Self.mechanismPlus where channelBinding != nil: plus = true
        default: return fail(.malformed("client selected an invalid SASL authentication mechanism"))
        }
        guard let text = String(validating: data, as: UTF8.self) else { return fail(.malformed("SCRAM message is not UTF-8")) }
        // gs2-header: cbind-flag "," [authzid] ","
        let parts = text.split(separator: ",", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return fail(.malformed("malformed SCRAM message")) }
        let flag = parts[0]
        switch flag {
        case "n":
            if plus { return fail(.malformed("channel binding is required by the selected mechanism")) }
        case "y":
            // The client could bind but thinks we can't: if we offered PLUS, this is a downgrade.
            if channelBinding != nil { return fail(.authenticationFailed) }
        case "p=tls-server-end-point":
            if !plus { return fail(.malformed("channel binding requested with a mechanism that does not use it")) }
        default:
            return fail(.malformed("unsupported SCRAM channel-binding type"))
        }
        guard parts[1].isEmpty else { return fail(.malformed("client uses authorization identity, which is not supported")) }
        let bare = String(parts[2])
        let attributes = bare.split(separator: ",", omittingEmptySubsequences: false)
        guard attributes.count >= 2, attributes[0].hasPrefix("n="), attributes[1].hasPrefix("r=") else {
            return fail(.malformed("malformed SCRAM client-first-message"))
        }
        let clientNonce = attributes[1].dropFirst(2)
        guard !clientNonce.isEmpty, clientNonce.utf8.allSatisfy({ $0 >= 0x21 && $0 <= 0x7E && $0 != UInt8(ascii: ",") }) else {
            return fail(.malformed("malformed SCRAM nonce"))
        }
        let nonce = String(clientNonce) + serverNonce
        let serverFirst = "r=\(nonce),s=\(SCRAMPrimitives.base64(verifier.salt)),i=\(verifier.iterations)"
        let header = Array("\(flag),,".utf8)
        state = .awaitingClientFinal(gs2Header: header, clientFirstBare: bare, serverFirst: serverFirst, nonce: nonce, usedPlus: plus)
        return .continue(serverFirst: Array(serverFirst.utf8))
    }

    public mutating func receiveClientFinal(data: [UInt8]) -> Outcome {
        guard case .awaitingClientFinal(let header, let bare, let serverFirst, let nonce, let plus) = state else {
            return fail(.malformed("unexpected SCRAM message"))
        }
        guard let text = String(validating: data, as: UTF8.self) else { return fail(.malformed("SCRAM message is not UTF-8")) }
        let attributes = text.split(separator: ",", omittingEmptySubsequences: false)
        guard attributes.count >= 3,
              attributes[0].hasPrefix("c="), attributes[1].hasPrefix("r="),
              let proofAttribute = attributes.last, proofAttribute.hasPrefix("p="),
              let binding = SCRAMPrimitives.decodeBase64(attributes[0].dropFirst(2)),
              let proof = SCRAMPrimitives.decodeBase64(proofAttribute.dropFirst(2))
        else { return fail(.malformed("malformed SCRAM client-final-message")) }
        guard attributes[1].dropFirst(2) == nonce else { return fail(.malformed("SCRAM nonce mismatch")) }
        guard proof.count == 32 else { return fail(.malformed("malformed SCRAM proof")) }

        var expectedBinding = header
        if plus, let cb = channelBinding { expectedBinding += cb }
        let bindingMatches = SCRAMPrimitives.constantTimeEquals(binding, expectedBinding)

        let withoutProof = attributes.dropLast().joined(separator: ",")
        let authMessage = Array("\(bare),\(serverFirst),\(withoutProof)".utf8)
        let clientSignature = SCRAMPrimitives.hmac(key: verifier.storedKey, authMessage)
        let clientKey = SCRAMPrimitives.xor(proof, clientSignature)
        let proofMatches = SCRAMPrimitives.constantTimeEquals(SCRAMPrimitives.sha256(clientKey), verifier.storedKey)
        // All checks are computed before any is acted on: the same work whatever fails.
        guard proofMatches && bindingMatches && userIsReal else { return fail(.authenticationFailed) }
        state = .done
        let serverSignature = SCRAMPrimitives.hmac(key: verifier.serverKey, authMessage)
        return .success(serverFinal: Array("v=\(SCRAMPrimitives.base64(serverSignature))".utf8))
    }

    private mutating func fail(_ failure: Failure) -> Outcome {
        state = .done
        return .failure(failure)
    }
}
