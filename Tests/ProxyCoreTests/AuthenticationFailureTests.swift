import Foundation
import NIOCore
import PGWire
import SluiceTestSupport
import Testing

extension ProxyTests {
    /// Refused logins look the same whatever the reason, so the answer does
    /// not reveal which user names exist.
    @Suite struct AuthenticationFailure {
        static let wrongPasswordMessage = "password authentication failed for user \"\(ProxyFixture.user)\""

        @Test func wrongPasswordIs28P01() async throws {
            try await ProxyHarness.run { proxy in
                let fields = try await proxy.loginFailure(password: "not-the-password")
                #expect(fields.severity == "FATAL")
                #expect(fields.sqlState == "28P01")
                #expect(fields.message == Self.wrongPasswordMessage)
            }
        }

        /// An unknown workspace and an unknown role are led through the same
        /// SCRAM exchange as a real user (same mechanisms, iteration count and
        /// salt size) and fail at the proof with the very bytes a wrong
        /// password gets, the name aside.
        @Test(arguments: ["customer.nope", "nosuchrole.test"])
        func unknownUserLooksLikeAWrongPassword(user: String) async throws {
            try await ProxyHarness.run { proxy in
                let wrongPassword = await proxy.transcript(password: "not-the-password")
                let unknown = await proxy.transcript(user: user, password: ProxyFixture.password)
                #expect(wrongPassword.map(Self.shape) == ["sasl SCRAM-SHA-256", "continue i=4096 salt=16", "error"])
                #expect(unknown.map(Self.shape) == wrongPassword.map(Self.shape))

                let expected = try #require(wrongPassword.errors.last)
                let refused = try #require(unknown.errors.last)
                var renamed = refused
                renamed.fields = refused.fields.map { field in
                    ErrorFields.Field(code: field.code, value: field.value.replacingOccurrences(of: user, with: ProxyFixture.user))
                }
                #expect(Self.encoded(renamed) == Self.encoded(expected))
                #expect(refused.message == "password authentication failed for user \"\(user)\"")
            }
        }

        /// What a message reveals about the exchange, without its random parts.
        static func shape(_ message: BackendMessage) -> String {
            switch message {
            case .authentication(.sasl(let mechanisms)):
                return "sasl \(mechanisms.joined(separator: " "))"
            case .authentication(.saslContinue(let data)):
                // server-first-message: r=<nonce>,s=<salt>,i=<iterations>
                var iterations = "?"
                var saltBytes = -1
                for attribute in String(buffer: data).split(separator: ",") {
                    if attribute.hasPrefix("i=") { iterations = String(attribute.dropFirst(2)) }
                    if attribute.hasPrefix("s="), let salt = Data(base64Encoded: String(attribute.dropFirst(2))) {
                        saltBytes = salt.count
                    }
                }
                return "continue i=\(iterations) salt=\(saltBytes)"
            case .errorResponse:
                return "error"
            default:
                return "\(message)"
            }
        }

        /// When the store cannot answer, clients learn that much and no more.
        @Test func unavailableStoreIs08006() async throws {
            try await ProxyHarness.run { proxy in
                let fields = try await proxy.loginFailure(user: ProxyFixture.unavailableUser)
                #expect(fields.severity == "FATAL")
                #expect(fields.sqlState == "08006")
                #expect(
                    !fields.fields.contains { $0.value.contains(ProxyFixture.unavailableDetail) },
                    "the store's own error must not reach the client"
                )
            }
        }

        static func encoded(_ fields: ErrorFields) -> [UInt8] {
            var buffer = ByteBuffer()
            BackendMessage.errorResponse(fields).write(into: &buffer)
            return Array(buffer.readableBytesView)
        }
    }
}
