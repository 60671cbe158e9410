import PGWire
import Testing

@testable import ProxyCore

/// A transaction-pooled client's session settings: what is read back when,
/// what a server connection is told to make it the client's, and the bound
/// on the custom settings carried. (Against a real server:
/// tests/integration/test_transaction_pooling.py.)
@Suite struct ClientSessionSettingsTests {
    @Test func startupSettingsAreTheSessionsFirstValues() {
        let session = ClientSessionSettings(startup: [
            StartupParameter(name: "TimeZone", value: "Etc/GMT-3"),
            StartupParameter(name: "application_name", value: "it's"),
            StartupParameter(name: "MyApp.Origin", value: "web"),
        ])
        #expect(session.values == ["timezone": "'Etc/GMT-3'", "application_name": "'it''s'", "myapp.origin": "'web'"])
        #expect(session.customNames == ["myapp.origin"])
        #expect(session.commands(from: [:]) == "SELECT pg_catalog.set_config('application_name', 'it''s', false), "
            + "pg_catalog.set_config('myapp.origin', 'web', false), pg_catalog.set_config('timezone', 'Etc/GMT-3', false)")
    }

    @Test func aConnectionIsToldOnlyTheDifference() {
        let session = ClientSessionSettings(startup: [StartupParameter(name: "work_mem", value: "8MB"), StartupParameter(name: "a.b", value: "1")])
        #expect(session.commands(from: session.values) == nil)
        #expect(session.commands(from: ["work_mem": "'8MB'", "a.b": "'2'"]) == "SELECT pg_catalog.set_config('a.b', '1', false)")
        #expect(session.commands(from: ["work_mem": "'8MB'", "a.b": "'1'", "statement_timeout": "'5s'", "x\"y.z": "''"])
            == "RESET \"statement_timeout\"; RESET \"x\"\"y.z\"")
    }

    @Test func settingsAreReadBackOnlyAfterAChange() {
        var session = ClientSessionSettings()
        #expect(session.takeReadback() == nil)
        #expect(session.takeCleanup() == nil)
        session.changed()
        #expect(session.takeReadback()?.query == "SELECT name, current_setting(name) FROM pg_catalog.pg_settings WHERE source = 'session'")
        #expect(session.takeReadback() == nil, "read once per change")
        // The connection this lease changed is cleaned once, then not again.
        #expect(session.takeCleanup() == "RESET ALL")
        #expect(session.takeCleanup() == nil)
    }

    @Test func customSettingsAreReadBackByName() {
        var session = ClientSessionSettings(startup: [StartupParameter(name: "app.origin", value: "web")])
        #expect(session.willChange(customNames: ["app.user_id", "app.origin"]) == nil)
        session.changed()
        #expect(session.takeReadback()?.query == "SELECT name, current_setting(name) FROM pg_catalog.pg_settings WHERE source = 'session'"
            + " UNION ALL SELECT name, pg_catalog.current_setting(name, true) FROM pg_catalog.unnest(ARRAY['app.origin', 'app.user_id']::text[]) AS name")
    }

    @Test func whatIsReadBackReplacesTheSession() {
        var session = ClientSessionSettings(startup: [StartupParameter(name: "work_mem", value: "8MB")])
        session.changed()
        _ = session.takeReadback()
        session.readBack(name: "TimeZone", value: "UTC")
        session.readBack(name: "timezone", value: "Etc/GMT+1")
        session.readBack(name: "work_mem", value: "16MB")
        // Names are case-insensitive: the last spelling read wins.
        #expect(session.readbackSucceeded() == ["timezone": "'Etc/GMT+1'", "work_mem": "'16MB'"])
        #expect(session.values == ["timezone": "'Etc/GMT+1'", "work_mem": "'16MB'"])
    }

    @Test func aResetReturnsAStartupSettingToItsStartupValue() {
        var session = ClientSessionSettings(startup: [StartupParameter(name: "application_name", value: "psql")])
        session.changed()
        _ = session.takeReadback()
        // RESET ALL ran: the server connection holds the server's default, which
        // the read-back does not list; the client's session holds its startup value.
        session.readBack(name: "TimeZone", value: "UTC")
        #expect(session.readbackSucceeded() == ["timezone": "'UTC'"])
        #expect(session.values == ["timezone": "'UTC'", "application_name": "'psql'"])
        #expect(session.commands(from: ["timezone": "'UTC'"]) == "SELECT pg_catalog.set_config('application_name', 'psql', false)")
    }

    @Test func aResetOfAStartupSettingIsGivenBackByTheReadback() {
        var session = ClientSessionSettings(startup: [
            StartupParameter(name: "TimeZone", value: "Asia/Tokyo"),
            StartupParameter(name: "app.origin", value: "web"),
        ])
        #expect(session.restoreStatement() != nil)
        session.changed()
        #expect(session.takeReadback()?.restoresStartup == false, "a SET: nothing to give back")
        session.mayReset()
        session.changed()
        let readback = session.takeReadback()
        #expect(readback?.restoresStartup == true)
        // Only what is no longer the session's own; custom settings are not in pg_settings.
        #expect(readback?.query == "SELECT pg_catalog.set_config(v.name, v.value, false) FROM (VALUES ('timezone', 'Asia/Tokyo')) AS v(name, value)"
            + " LEFT JOIN pg_catalog.pg_settings AS s ON pg_catalog.lower(s.name) = v.name WHERE s.source IS DISTINCT FROM 'session'; "
            + ClientSessionSettings.readbackQuery(customNames: ["app.origin"]))
        // From then on, every read-back (a prepared RESET may run in any later transaction).
        session.changed()
        #expect(session.takeReadback()?.restoresStartup == true)
    }

    @Test func aResetWithoutStartupSettingsNeedsNothingGivenBack() {
        var session = ClientSessionSettings(startup: [StartupParameter(name: "app.origin", value: "web")])
        session.mayReset()
        session.changed()
        #expect(session.takeReadback()?.restoresStartup == false)
        var none = ClientSessionSettings()
        #expect(none.restoreStatement() == nil)
        none.mayReset()
        none.changed()
        #expect(none.takeReadback()?.restoresStartup == false)
    }

    @Test func aNewLeaseIsNotCleanedForTheLastOnesChange() {
        var session = ClientSessionSettings()
        session.changed()
        _ = session.takeReadback()
        session.leaseStarted()
        #expect(session.takeCleanup() == nil)
    }

    @Test func customSettingsAreBounded() {
        var session = ClientSessionSettings()
        let names = (0..<ClientSessionSettings.maxCustomNames).map { "app.s\($0)" }
        #expect(session.willChange(customNames: names) == nil)
        #expect(session.willChange(customNames: ["app.s0", "app.s999"]) == nil, "names it has cost nothing")
        let refusal = session.willChange(customNames: ["app.s1", "app.one_more"])
        #expect(refusal?.sqlState == "54000")
        #expect(refusal?.severity == "ERROR")
        #expect(session.customNames.count == ClientSessionSettings.maxCustomNames)
        #expect(!session.customNames.contains("app.one_more"))
    }
}
