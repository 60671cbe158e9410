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

    @Test func longWorkspaceIDsGetShortenedServerNames() throws {
        let longest = try #require(WorkspaceID("a" + String(repeating: "b", count: WorkspaceID.longestVerbatimStem - 1)))
        #expect(longest.serverStem == longest.rawValue)
        #expect(longest.roleName(.customer) == "ws_\(longest.rawValue)_customer")
        #expect(WorkspaceID.longestVerbatimStem == 51)
        // api.md allows 63 characters; every server name still fits 63 bytes, unquoted.
        let full = try #require(WorkspaceID("t" + String(repeating: "x", count: 62)))
        let sibling = try #require(WorkspaceID("t" + String(repeating: "x", count: 61) + "y"))
        for id in [full, sibling] {
            let names = [id.databaseName, id.ownerRoleName] + RoleKind.allCases.map { id.roleName($0) }
            #expect(names.allSatisfy { $0.utf8.count <= 63 && SQLText.isUsableIdentifier($0) }, "\(names)")
            #expect(Set(names).count == names.count)
            #expect(id.serverStem.utf8.count == WorkspaceID.longestVerbatimStem)
            #expect(id.serverStem.hasPrefix(String(id.rawValue.prefix(38)) + "_"))
        }
        // Same 38-character prefix, different ids: different names.
        #expect(full.serverStem != sibling.serverStem)
        // A 51-character id spelled like a long id's stem would take its names.
        let lookalike = try #require(WorkspaceID(full.serverStem))
        #expect(ServerNames.holder(ofNamesOf: lookalike, among: [full.rawValue, sibling.rawValue]) == full)
        #expect(ServerNames.holder(ofNamesOf: sibling, among: [full.rawValue]) == nil)
    }
}
