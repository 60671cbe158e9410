import Foundation
import SluiceModel
import Testing

/// `WorkspaceID` is `^[a-z][a-z0-9_]{0,62}$`: safe to splice into server
/// names (`ws_<id>`) without quoting, and short enough that those names fit
/// PostgreSQL's 63-byte identifiers.
struct WorkspaceIDTests {
    @Test(arguments: ["a", "acme", "a1", "team_42", "z_", String(repeating: "a", count: 63), "a" + String(repeating: "9", count: 62)])
    func valid(raw: String) throws {
        let id = try #require(WorkspaceID(raw))
        #expect(id.rawValue == raw)
        #expect(id.description == raw)
        #expect(WorkspaceID.isValid(raw))
    }

    @Test(arguments: [
        "",  // too short
        String(repeating: "a", count: 64),  // too long
        "1acme", "_acme", "Acme",  // first character not a-z
        "acMe", "ac-me", "ac.me", "ac me", "acm\u{E9}", "acme\n", "acme\0",  // characters outside [a-z0-9_]
    ])
    func invalid(raw: String) {
        #expect(WorkspaceID(raw) == nil)
        #expect(!WorkspaceID.isValid(raw))
    }

    @Test func derivedServerNames() throws {
        let id = try #require(WorkspaceID("acme"))
        #expect(id.databaseName == "ws_acme")
        #expect(id.roleName(.customer) == "ws_acme_customer")
        #expect(id.roleName(.runtime) == "ws_acme_runtime")
        #expect(id.ownerRoleName == "ws_acme_owner")
    }

    @Test func codableRoundTripAndValidation() throws {
        let id = try #require(WorkspaceID("acme_2"))
        let encoded = try JSONEncoder().encode([id])
        #expect(String(decoding: encoded, as: UTF8.self) == "[\"acme_2\"]")
        #expect(try JSONDecoder().decode([WorkspaceID].self, from: encoded) == [id])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([WorkspaceID].self, from: Data("[\"Bad-Id\"]".utf8))
        }
    }
}
