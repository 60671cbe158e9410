import SluiceModel
import Testing

@testable import ControlPlane

@Suite struct SQLTextTests {
    @Test func quotesIdentifiers() {
        #expect(SQLText.identifier("ws_acme") == #""ws_acme""#)
        #expect(SQLText.identifier(#"a"b"#) == #""a""b""#)
        // A quote followed by a combining mark is one Character but still a
        // quote byte on the wire.
        #expect(SQLText.identifier("a\"\u{301}b") == "\"a\"\"\u{301}b\"")
    }

    @Test func quotesLiterals() {
        #expect(SQLText.literal("SCRAM-SHA-256$4096:abc=$x:y") == "E'SCRAM-SHA-256$4096:abc=$x:y'")
        #expect(SQLText.literal(#"it's \ ok"#) == #"E'it''s \\ ok'"#)
    }

    @Test func longWorkspaceIDsAreRefused() throws {
        let longest = try #require(WorkspaceID("a" + String(repeating: "b", count: ServerNames.maximumWorkspaceIDLength - 1)))
        #expect(throws: Never.self) { try ServerNames.validate(longest) }
        let tooLong = try #require(WorkspaceID(longest.rawValue + "c"))
        #expect(throws: ControlPlaneError.workspaceIDTooLong(tooLong)) { try ServerNames.validate(tooLong) }
        #expect(ServerNames.maximumWorkspaceIDLength == 51)
    }
}
