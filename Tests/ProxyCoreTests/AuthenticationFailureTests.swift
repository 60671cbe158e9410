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

        /// An unknown workspace and an unknown role fail at the SCRAM proof
        /// with the very bytes a wrong password gets, the name aside.
        @Test(arguments: ["customer.nope", "nosuchrole.test"])
        func unknownUserLooksLikeAWrongPassword(user: String) async throws {
            try await ProxyHarness.run { proxy in
                let wrongPassword = try await proxy.loginFailure(password: "not-the-password")
                let unknown = try await proxy.loginFailure(user: user, password: ProxyFixture.password)
                var renamed = unknown
                renamed.fields = unknown.fields.map { field in
                    ErrorFields.Field(code: field.code, value: field.value.replacingOccurrences(of: user, with: ProxyFixture.user))
                }
                #expect(Self.encoded(renamed) == Self.encoded(wrongPassword))
                #expect(unknown.message == "password authentication failed for user \"\(user)\"")
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
