import SQLPolicy
import SluiceModel
import Testing

/// `JudgedStatement.settingNames`: every setting a statement may set or reset
/// for the session, which transaction pooling reads back by name (custom
/// settings are not in `pg_settings`). A name missing here is a custom
/// setting that silently stops following the client across transactions.
@Suite("Setting names a statement may change")
struct SettingNamesTests {
    static let policy = StatementPolicy(context: PolicyContext(role: .customer, mode: .transaction, surface: .wire))

    static func names(_ sql: String) -> [[String]] {
        policy.judge(sql).statements.map(\.settingNames)
    }

    @Test("SET, RESET and SET ... TO DEFAULT name their setting", arguments: [
        ("SET myapp.tenant = 'a'", ["myapp.tenant"]),
        ("SET SESSION MyApp.Tenant TO 'a'", ["myapp.tenant"]),
        ("RESET myapp.tenant", ["myapp.tenant"]),
        ("SET myapp.tenant TO DEFAULT", ["myapp.tenant"]),
        ("SET work_mem = '8MB'", ["work_mem"]),
        ("SET TIME ZONE 'UTC'", ["timezone"]),
    ])
    func set(_ sql: String, _ expected: [String]) {
        #expect(Self.names(sql) == [expected])
    }

    @Test("SET LOCAL and RESET ALL name nothing (RESET ALL is its own effect)", arguments: [
        "SET LOCAL myapp.tenant = 'a'", "RESET ALL", "SELECT 1",
    ])
    func local(_ sql: String) {
        #expect(Self.names(sql) == [[]])
    }

    @Test("set_config names its setting unless it is provably local", arguments: [
        ("SELECT set_config('app.user_id', '42', false)", ["app.user_id"]),
        ("SELECT set_config('app.user_id', $1, false)", ["app.user_id"]),
        ("SELECT set_config('app.user_id', $1, $2)", ["app.user_id"]),
        ("SELECT set_config('App.User_Id', '1', 'off')", ["app.user_id"]),
        ("SELECT set_config('app.user_id', '42', true)", []),
        ("SELECT set_config('app.a', '1', false), set_config('app.b', '2', false)", ["app.a", "app.b"]),
    ])
    func setConfig(_ sql: String, _ expected: [String]) {
        #expect(Self.names(sql) == [expected])
    }

    @Test func eachStatementOfATextNamesItsOwn() {
        #expect(Self.names("SET a.x = '1'; SELECT 1; RESET b.y") == [["a.x"], [], ["b.y"]])
    }
}
