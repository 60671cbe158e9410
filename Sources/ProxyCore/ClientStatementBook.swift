import PGWire

/// A client's prepared statements under transaction pooling, as the client
/// sees them: its named statements, its unnamed statement, and the portals
/// whose `Execute` the proxy must treat specially.
///
/// On the server, statements live under shared names on whichever connection
/// serves the client's transaction (`ClientStatement`), so the client's own
/// view is kept here, as a value with no I/O: the handler asks it what a
/// `Bind`, `Describe` or `Execute` refers to and tells it what the server
/// answered. It follows PostgreSQL's rules, not the proxy's convenience: an
/// unnamed `Parse` that fails leaves no unnamed statement, one the server
/// skips (an earlier message of its batch failed) leaves the previous one.
struct ClientStatementBook {
    /// What a client's `Bind` or `Describe` of a statement refers to on the server.
    enum Target {
        /// Not the client's: answered with this error, as the server would.
        case missing(ErrorFields)
        /// The server's own unnamed statement (replayed there if another client's is in place).
        case serverUnnamed
        /// A shared statement; `parsedInBatch`: the client parsed it in the batch now open.
        case shared(ClientStatement, parsedInBatch: Bool)
    }

    /// What an `Execute` of a portal means.
    enum ExecuteEffect: Equatable {
        /// Sent to the server; `clearsStatements`: its success drops every prepared statement.
        case forward(clearsStatements: Bool)
        /// A proxy-answered `DEALLOCATE` of this client statement.
        case deallocate(String)
        /// A proxy-answered `DEALLOCATE` of a statement the client no longer has (26000).
        case deallocateMissing(String)
    }

    private var named: [String: ClientStatement] = [:]
    /// The text bytes of `named` (for `fits`).
    private var namedBytes = 0
    /// The client's last unnamed Parse (nil: none, or it failed).
    @OutOfLine private(set) var unnamed: ClientUnnamedStatement? = nil
    private var unnamedSequence = 0
    /// Unnamed Parses sent but not yet answered, by sequence.
    private var pendingUnnamed: [Int: ClientUnnamedStatement] = [:] {
        didSet { earliestPending = earliestOwed() }
    }
    /// The last unnamed Parse the server (or the proxy) answered.
    @OutOfLine private var confirmedUnnamed: ClientUnnamedStatement? = nil
    /// Parses and Closes not answered yet, by the statement they name: the
    /// batch of each, in the order sent.
    private var pending: [String: [Int]] = [:] {
        didSet { earliestPending = earliestOwed() }
    }
    /// The earliest batch an answer is still owed for (nil: none), kept as a
    /// stored property because the handler checks it for every message: a
    /// method call on this struct, stored in the handler, copies all of it.
    private(set) var earliestPending: Int?
    private var statementCount = 0
    /// Closes not answered yet, by sequence: what each took away.
    private var closes: [Int: PendingClose] = [:]
    private var closeCount = 0

    private struct PendingClose {
        var name: String
        var batch: Int
        var statement: ClientStatement?
        var unnamed: ClientUnnamedStatement?
        var confirmedUnnamed: ClientUnnamedStatement?
        /// The last unnamed Parse sent before it (by sequence).
        var unnamedParsedBefore: Int

        /// Whether this is a Close of the unnamed statement sent after its Parse `sequence`.
        func closesUnnamed(parsed sequence: Int) -> Bool {
            name.isEmpty && sequence <= unnamedParsedBefore
        }
    }
    /// Portals bound to `DISCARD ALL` / `DEALLOCATE ALL`.
    private var clearingPortals: Set<String> = []
    /// Portals bound to a proxy-answered `DEALLOCATE name`, by the name.
    private var deallocatingPortals: [String: String] = [:]

    // MARK: Answers still to come

    /// Whether a message of batch `batch` that names statement `name` (empty:
    /// the unnamed one) must wait: a `Parse` or `Close` of it was sent in an
    /// earlier batch and is not answered yet, so whether it exists is not
    /// known. (In the same batch the server decides: after an error it skips
    /// both.)
    func waits(onStatement name: String, batch: Int) -> Bool {
        if let first = pending[name]?.first, first < batch { return true }
        guard name.isEmpty, let unnamed, pendingUnnamed[unnamed.sequence] != nil else { return false }
        return unnamed.batch < batch
    }

    /// No answer is owed: nothing can wait.
    var nothingPending: Bool {
        pending.isEmpty && pendingUnnamed.isEmpty
    }

    /// Whether any answer owed is for a batch before `batch` (checked before a
    /// message's names are read: within one batch nothing waits, the common case).
    func anyPending(before batch: Int) -> Bool {
        earliestPending.map { $0 < batch } ?? false
    }

    private func earliestOwed() -> Int? {
        var earliest = Int.max
        for statement in pendingUnnamed.values where statement.batch < earliest {
            earliest = statement.batch
        }
        for batches in pending.values {
            if let first = batches.first, first < earliest { earliest = first }
        }
        return earliest == Int.max ? nil : earliest
    }

    private mutating func sent(_ name: String, batch: Int) {
        pending[name, default: []].append(batch)
    }

    /// Answers come in the order the messages were sent.
    private mutating func answered(_ name: String) {
        guard var batches = pending[name], !batches.isEmpty else { return }
        batches.removeFirst()
        pending[name] = batches.isEmpty ? nil : batches
    }

    // MARK: Named statements

    func has(_ name: String) -> Bool {
        named[name] != nil
    }

    /// Whether one more named statement of `parse` stays within `limit`
    /// statements and `byteLimit` bytes of text.
    func fits(_ parse: Parse, limit: Int, byteLimit: Int) -> Bool {
        named.count < limit && namedBytes + Self.bytes(of: parse) <= byteLimit
    }

    /// A named `Parse` of batch `batch` was sent (or answered by the proxy, in
    /// order): the statement is the client's at once, as the server would have
    /// it for the rest of the batch. Returns its id for `parseFailed`.
    @discardableResult
    mutating func add(_ statement: ClientStatement, as name: String, batch: Int) -> Int {
        statementCount += 1
        var statement = statement
        statement.id = statementCount
        put(statement, as: name)
        sent(name, batch: batch)
        return statement.id
    }

    /// The answer to a named `Parse` came, and it took effect.
    mutating func parseAnswered(_ name: String) {
        answered(name)
    }

    /// The named `Parse` `id` failed or was skipped: its statement never was
    /// the client's (a later one under the same name stays).
    mutating func parseFailed(_ name: String, id: Int) {
        answered(name)
        if named[name]?.id == id { remove(name) }
        // A Close after it in the batch took it away; that Close, skipped too, brings back none.
        for (sequence, close) in closes where close.statement?.id == id {
            closes[sequence]?.statement = nil
        }
    }

    private mutating func put(_ statement: ClientStatement, as name: String) {
        remove(name)
        named[name] = statement
        namedBytes += Self.bytes(of: statement.parse)
    }

    /// A `DEALLOCATE` answered by the proxy.
    mutating func remove(_ name: String) {
        if let statement = named.removeValue(forKey: name) { namedBytes -= Self.bytes(of: statement.parse) }
    }

    private static func bytes(of parse: Parse) -> Int {
        parse.name.utf8.count + parse.query.utf8.count + 4 * parse.parameterTypes.count
    }

    // MARK: The unnamed statement

    /// A client's unnamed `Parse`, sent (or answered by the proxy): `Bind`
    /// and `Describe` use it at once, as the server would. Returns its sequence,
    /// which the answer's token carries back to `unnamedAnswered` and friends.
    mutating func parsedUnnamed(_ parse: Parse, shared: ClientStatement?, batch: Int, clearsStatements: Bool = false,
                                changesSession: Bool = false) -> Int {
        unnamedSequence += 1
        let statement = ClientUnnamedStatement(
            parse: parse, sequence: unnamedSequence, shared: shared, batch: batch, clearsStatements: clearsStatements,
            changesSession: changesSession
        )
        unnamed = statement
        pendingUnnamed[statement.sequence] = statement
        return statement.sequence
    }

    /// Its `Parse` was answered: the statement a later skipped one falls back to.
    mutating func unnamedAnswered(_ sequence: Int) {
        guard let statement = pendingUnnamed.removeValue(forKey: sequence) else { return }
        // Closed after it (perhaps after later Parses too): it is what that Close
        // brings back if skipped, not what a skipped Parse falls back to now.
        var closedSince = false
        for (key, close) in closes where close.closesUnnamed(parsed: sequence) {
            closes[key]?.confirmedUnnamed = statement
            closedSince = true
        }
        if !closedSince { confirmedUnnamed = statement }
    }

    /// Its `Parse` failed: the server drops the unnamed statement before
    /// parsing, so none is left.
    mutating func unnamedFailed(_ sequence: Int) {
        pendingUnnamed[sequence] = nil
        confirmedUnnamed = nil
        if unnamed?.sequence == sequence { unnamed = nil }
        // A Close sent after it brings back, if skipped, none either (or a later Parse's).
        for (key, close) in closes where close.closesUnnamed(parsed: sequence) {
            if close.unnamed?.sequence == sequence { closes[key]?.unnamed = nil }
            closes[key]?.confirmedUnnamed = nil
        }
    }

    /// Its `Parse` was skipped: the previous unnamed statement is the
    /// client's again. Returns true when that changed the client's unnamed
    /// statement (which one the server connection holds is then not known).
    mutating func unnamedSkipped(_ sequence: Int) -> Bool {
        pendingUnnamed[sequence] = nil
        for (key, close) in closes where close.name.isEmpty && close.unnamed?.sequence == sequence {
            closes[key]?.unnamed = close.confirmedUnnamed
        }
        guard unnamed?.sequence == sequence else { return false }
        unnamed = confirmedUnnamed
        return true
    }

    // MARK: Bind, Describe, Execute, Close

    /// What `name` (empty: the unnamed statement) refers to, in the batch `batch`.
    func target(ofStatement name: String, batch: Int) -> Target {
        guard !name.isEmpty else {
            // Never parsed, closed, or its Parse failed: never whatever the server holds.
            guard let unnamed else {
                return .missing(.make(severity: "ERROR", sqlState: "26000", message: "unnamed prepared statement does not exist"))
            }
            guard let shared = unnamed.shared else { return .serverUnnamed }
            return .shared(shared, parsedInBatch: unnamed.batch == batch)
        }
        guard let statement = named[name] else {
            return .missing(.make(severity: "ERROR", sqlState: "26000", message: "prepared statement \"\(name)\" does not exist"))
        }
        return .shared(statement, parsedInBatch: false)
    }

    /// The statement a proxy-answered `DEALLOCATE` at `target` forgets, if it is one.
    static func deallocation(of target: Target) -> String? {
        guard case .shared(let statement, _) = target else { return nil }
        return statement.deallocates
    }

    /// A `Bind` of `portal` to `target`. Returns the statement a
    /// proxy-answered `DEALLOCATE` forgets when the portal is one (its
    /// `Bind` is then answered by the proxy too).
    mutating func bound(portal: String, to target: Target) -> String? {
        let clears: Bool
        switch target {
        case .missing: clears = false
        case .serverUnnamed: clears = unnamed?.clearsStatements ?? false
        case .shared(let statement, _): clears = statement.clearsStatements
        }
        if clears {
            clearingPortals.insert(portal)
        } else if !clearingPortals.isEmpty {
            clearingPortals.remove(portal)
        }
        if let deallocated = Self.deallocation(of: target) {
            deallocatingPortals[portal] = deallocated
            return deallocated
        }
        if !deallocatingPortals.isEmpty { deallocatingPortals[portal] = nil }
        return nil
    }

    /// `portal` is bound to a proxy-answered `DEALLOCATE`.
    func deallocates(portal: String) -> Bool {
        deallocatingPortals[portal] != nil
    }

    /// An `Execute` needs its portal's name read (rarely: only while a
    /// clearing or deallocating portal is bound).
    var inspectsExecute: Bool {
        !clearingPortals.isEmpty || !deallocatingPortals.isEmpty
    }

    /// What an `Execute` of `portal` means.
    func executed(portal: String) -> ExecuteEffect {
        if let target = deallocatingPortals[portal] {
            return named[target] != nil ? .deallocate(target) : .deallocateMissing(target)
        }
        return .forward(clearsStatements: clearingPortals.contains(portal))
    }

    /// The client's `Close` of a statement (empty: the unnamed one) in batch
    /// `batch`; the server-side statement is shared, so only the client's
    /// record goes, at once for the rest of the batch, and back if the server
    /// would have skipped the `Close` (`closeSkipped`). Returns its sequence.
    mutating func close(_ name: String, batch: Int) -> Int {
        closeCount += 1
        closes[closeCount] = PendingClose(name: name, batch: batch, statement: named[name], unnamed: unnamed,
                                          confirmedUnnamed: confirmedUnnamed, unnamedParsedBefore: unnamedSequence)
        sent(name, batch: batch)
        if name.isEmpty {
            unnamed = nil
            confirmedUnnamed = nil
        } else {
            remove(name)
        }
        return closeCount
    }

    /// The `Close` was answered: done.
    mutating func closeAnswered(_ sequence: Int) {
        guard let close = closes.removeValue(forKey: sequence) else { return }
        answered(close.name)
    }

    /// The `Close` would have been skipped (an earlier message of its batch
    /// failed): the statement is the client's again. (A `Parse` of the same
    /// name after it in the batch was skipped too, and forgets only its own.)
    mutating func closeSkipped(_ sequence: Int) {
        guard let close = closes.removeValue(forKey: sequence) else { return }
        answered(close.name)
        if close.name.isEmpty {
            // What a skipped Parse falls back to is as if the Close never was
            // (nothing after it in its batch was answered: the server skipped it all).
            confirmedUnnamed = close.confirmedUnnamed
            // An unnamed Parse of a later batch (never held back) may have replaced
            // the client's meanwhile; one of the same batch is skipped too.
            if let current = unnamed, current.batch > close.batch { return }
            unnamed = close.unnamed
        } else if let statement = close.statement {
            put(statement, as: close.name)
        }
    }

    /// A simple Query: the server drops the unnamed statement before it runs
    /// one (whatever an unnamed `Parse` still unanswered does).
    mutating func simpleQuery() {
        unnamed = nil
        confirmedUnnamed = nil
        pendingUnnamed.removeAll()
    }

    /// `DISCARD ALL` / `DEALLOCATE ALL` succeeded: nothing is left.
    mutating func clearAll() {
        named.removeAll()
        namedBytes = 0
        unnamed = nil
        confirmedUnnamed = nil
        clearingPortals.removeAll()
    }

    /// The server connection was lost: nothing sent is owed an answer any more.
    mutating func connectionLost() {
        pendingUnnamed.removeAll()
        pending.removeAll()
        closes.removeAll()
    }
}
