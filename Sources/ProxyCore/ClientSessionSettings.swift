import PGWire

/// A transaction-pooled client's session settings, as a value: what its
/// session holds, when to read it back from the server, and what a server
/// connection needs to be made the client's.
///
/// Settings are not inferred from statements: after a transaction in which
/// the client ran anything that may change them, they are read back (exact
/// whatever `ROLLBACK`, `SET LOCAL` or `set_config` did). `pg_settings` does
/// not list custom settings (`myapp.x`), so those are asked for by the names
/// the parser found in the client's statements and startup message.
/// No I/O here: the handler sends what this returns and reports the answers.
struct ClientSessionSettings: Sendable {
    /// Name (lower-cased) → value as an SQL literal: the client's session, as last read back.
    private(set) var values: [String: String] = [:]
    /// The startup message's settings: what `RESET` returns a setting to in
    /// the client's session (a server connection's own reset value is the
    /// server's default, as it starts with no settings of its own).
    private var startup: [String: String] = [:]
    /// The custom settings the client has named, in the order it named them.
    private(set) var customNames: [String] = []
    /// A statement that may change settings ran since they were last read back.
    private(set) var changedSinceReadback = false
    /// The client sent a statement that may take a setting back to its
    /// default, and its startup message gave settings: from then on every
    /// read-back gives back the startup values a `RESET` took away.
    private var restoresStartup = false
    /// This lease changed the server connection's settings: clean it on release.
    private var cleanOnRelease = false
    private var captured: [String: String] = [:]

    /// At most this many custom settings per client (54000 past it).
    static let maxCustomNames = 1_000

    init() {}

    /// The startup message's settings, as the server applies them.
    init(startup parameters: [StartupParameter]) {
        for setting in parameters {
            let name = setting.name.lowercased()
            values[name] = Self.quoteLiteral(setting.value)
            // Bounded by the startup message's own limits.
            if name.contains("."), !customNames.contains(name) { customNames.append(name) }
        }
        // One storage for both until the client changes a setting: an idle
        // client's memory is mostly what its login left behind.
        startup = values
    }

    // MARK: Statements

    /// A statement that may change settings (naming these custom ones) is
    /// about to be sent. Returns the 54000 that refuses it instead when the
    /// custom names would pass `maxCustomNames`; nothing is recorded then.
    mutating func willChange(customNames names: [String]) -> ErrorFields? {
        let new = names.filter { !customNames.contains($0) }
        guard customNames.count + new.count <= Self.maxCustomNames else {
            return .make(severity: "ERROR", sqlState: "54000",
                         message: "too many custom settings for one client (at most \(Self.maxCustomNames))",
                         hint: "Transaction pooling carries each custom setting a session sets to its next transactions.")
        }
        customNames += new
        return nil
    }

    /// A statement that may have changed settings was sent (or answered).
    mutating func changed() {
        changedSinceReadback = true
    }

    /// A statement that may take settings back to their defaults (`RESET`,
    /// `SET ... TO DEFAULT`, `DISCARD ALL`) is about to be sent. On a direct
    /// connection that is the startup message's value; on a server connection
    /// the proxy gave the startup settings to with `set_config`, the server's
    /// default. Kept for the rest of the session (a prepared `RESET` may run
    /// again in any later transaction).
    mutating func mayReset() {
        if !startup.isEmpty { restoresStartup = true }
    }

    /// The statement giving back the startup settings a `RESET` took to the
    /// server's default, sent right after a simple Query that may have reset
    /// them (nil: no startup settings to give back).
    func restoreStatement() -> String? {
        Self.restoreQuery(startup: startup)
    }

    // MARK: Leases

    /// A server connection was attached.
    mutating func leaseStarted() {
        cleanOnRelease = false
    }

    /// The commands that make a connection holding `applied` hold the
    /// client's settings, in one simple Query; nil when it already does.
    func commands(from applied: [String: String]) -> String? {
        // The common case, on every lease: the connection already holds them.
        if values.count == applied.count, values.allSatisfy({ applied[$0.key] == $0.value }) { return nil }
        var commands: [String] = []
        let changed = values.sorted(by: { $0.key < $1.key }).filter { applied[$0.key] != $0.value }
        if !changed.isEmpty { commands.append(Self.setConfig(changed.map { ($0.key, $0.value) })) }
        for name in applied.keys.sorted() where values[name] == nil {
            commands.append("RESET \(Self.quoteIdentifier(name))")
        }
        return commands.isEmpty ? nil : commands.joined(separator: "; ")
    }

    /// At the end of a transaction: the query reading the settings back, when
    /// a statement may have changed them since the last read. The connection
    /// is then to be cleaned on release (see `takeCleanup`).
    ///
    /// `restoresStartup`: the query first gives back, in the session, the
    /// startup settings that are no longer the session's own (a `RESET` took
    /// them to the server's default), and the client must see the server's
    /// `ParameterStatus` for them: the rest of the reset's own transaction
    /// showed the default, the next ones show the startup value, as the
    /// client is told right after that transaction. In the same Query as the
    /// read-back, so no statement of the client's can come between.
    mutating func takeReadback() -> (query: String, restoresStartup: Bool)? {
        guard changedSinceReadback else { return nil }
        changedSinceReadback = false
        cleanOnRelease = true
        captured = [:]
        let readback = Self.readbackQuery(customNames: customNames)
        guard restoresStartup, let restore = Self.restoreQuery(startup: startup) else { return (readback, false) }
        return (restore + "; " + readback, true)
    }

    /// One row of the read-back.
    mutating func readBack(name: String, value: String) {
        // Setting names are case-insensitive: one spelling, or a RESET undoes a SET.
        // (Bounded by PostgreSQL's list of settings and `maxCustomNames`.)
        captured[name.lowercased()] = Self.quoteLiteral(value)
    }

    /// The read-back completed: the client's settings are what it found, and
    /// its startup settings where it found none (a `RESET` or `DISCARD ALL`
    /// returned them to the default there, and to the startup value in the
    /// client's session). Returns what the connection holds now.
    mutating func readbackSucceeded() -> [String: String] {
        let held = captured
        values = startup.merging(captured) { _, found in found }
        captured = [:]
        return held
    }

    /// The statement that cleans a connection this lease changed settings on
    /// before anyone else gets it: `RESET ALL`, because a custom setting a
    /// function body set (`set_config` in PL/pgSQL) is named nowhere the
    /// parser sees, is not in `pg_settings`, and must not reach the next
    /// client. The client's own settings were read back and are applied
    /// again on its next lease.
    mutating func takeCleanup() -> String? {
        guard cleanOnRelease else { return nil }
        cleanOnRelease = false
        return "RESET ALL"
    }

    // MARK: SQL

    /// The read-back: the settings `pg_settings` lists as set in the session,
    /// and the custom ones by name (NULL, and so skipped, where the server
    /// session has never heard of one).
    static func readbackQuery(customNames: [String]) -> String {
        let listed = "SELECT name, current_setting(name) FROM pg_catalog.pg_settings WHERE source = 'session'"
        guard !customNames.isEmpty else { return listed }
        let names = customNames.map(quoteLiteral).joined(separator: ", ")
        return listed + " UNION ALL SELECT name, pg_catalog.current_setting(name, true) FROM pg_catalog.unnest(ARRAY[\(names)]::text[]) AS name"
    }

    /// Gives back each startup setting whose value is not the session's own
    /// any more. Custom settings are left out: `pg_settings` does not list
    /// them, so whether the client set one itself cannot be told.
    static func restoreQuery(startup: [String: String]) -> String? {
        let rows = startup.filter { !$0.key.contains(".") }.sorted(by: { $0.key < $1.key })
            .map { "(\(quoteLiteral($0.key)), \($0.value))" }
        guard !rows.isEmpty else { return nil }
        return "SELECT pg_catalog.set_config(v.name, v.value, false) FROM (VALUES \(rows.joined(separator: ", "))) AS v(name, value)"
            + " LEFT JOIN pg_catalog.pg_settings AS s ON pg_catalog.lower(s.name) = v.name WHERE s.source IS DISTINCT FROM 'session'"
    }

    /// One statement setting each of `settings` (name, value as an SQL
    /// literal) for the session with `set_config`, which takes the value as
    /// `current_setting` gives it back: `SET search_path TO '""'` would quote
    /// the list element again, `set_config('search_path', '""', false)` does not.
    static func setConfig(_ settings: [(name: String, literal: String)]) -> String {
        "SELECT " + settings.map { "pg_catalog.set_config(\(quoteLiteral($0.name)), \($0.literal), false)" }.joined(separator: ", ")
    }

    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    static func quoteLiteral(_ value: String) -> String {
        "'" + value.replacingAll("'", with: "''") + "'"
    }
}
