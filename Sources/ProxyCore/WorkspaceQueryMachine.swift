import NIOCore
import PGWire
import SluiceModel

/// Attributes the server's answers to the one batch a workspace query sends
/// (see `WorkspaceQueryRun`), and decides what becomes of the connection.
/// A value: no I/O, one mutating method per event, each returning what to do.
///
/// The batch, in order: optionally a simple `Query` `RESET ALL` (its own
/// `ReadyForQuery`); then, up to one `Sync`, Parse/Bind/Execute of the
/// `set_config` settings, and Parse/Bind/Describe(portal)/Execute(maxRows)
/// of the statement. After that batch's `ReadyForQuery`, when a column has a
/// type the built-in table does not name and the connection is idle, one more
/// batch looks the names up (Parse/Bind/Execute/Sync) before the connection
/// is let go: nothing is ever left unread on a connection that is reused.
struct WorkspaceQueryMachine {
    struct Configuration {
        /// Rows kept (the Execute limit is the same, at least 1).
        var maxRows: Int
        /// DataRow bytes kept before the answer is cut.
        var responseByteLimit: Int
        /// The batch starts with a simple `Query` `RESET ALL`.
        var resetsSettings: Bool
        /// The statement may change session settings: reset them before reuse.
        var changesSession: Bool
        /// The command reported when the portal was suspended (no tag).
        var suspendedCommand: String
    }

    /// What becomes of the server connection.
    enum Release: Equatable {
        /// Back to the pool, after `cleanup` when there is one.
        case reuse(cleanup: String?)
        /// Closed: its state is unknown.
        case close
        /// It is already closed (the pool knows).
        case none
    }

    enum Action: Equatable {
        /// A `COPY ... FROM STDIN` waits for data: send CopyFail and Sync.
        case refuseCopyIn
        /// Send the lookup batch of these type OIDs (`typeLookupSQL`, one
        /// parameter: `{oid,oid}` as `_oid`).
        case lookUpTypes([UInt32])
        /// The answer, and what to do with the connection.
        case finish(Result<QueryResult, WorkspaceQueryFailure>, Release)
    }

    enum State: Equatable {
        /// Answers to `RESET ALL`, up to its ReadyForQuery.
        case resetting
        /// Answers to the settings' Parse/Bind/Execute.
        case settings
        /// Answers to the statement's Parse/Bind/Describe/Execute.
        case statement
        /// The statement is complete (or failed): waiting for ReadyForQuery.
        case awaitingReady
        /// CopyFail was sent for a COPY FROM STDIN: its error, then ReadyForQuery.
        case refusingCopy
        /// Answers to the type-name lookup; `status` is the statement's.
        case lookingUpTypes(status: TransactionStatus)
        case done
    }

    static let typeLookupSQL = "SELECT t.oid::pg_catalog.int8, t.typname FROM pg_catalog.pg_type t WHERE t.oid = ANY($1)"

    private(set) var state: State
    let configuration: Configuration

    private var fields: [RowDescription.Field] = []
    private var rows: [[QueryValue]] = []
    private var keptBytes = 0
    private var truncated = false
    private var tag: String?
    private var emptyQuery = false
    private var error: ErrorFields?
    private var resetError: ErrorFields?
    private var copyRefused = false
    private var typeNames: [UInt32: String] = [:]

    init(configuration: Configuration) {
        self.configuration = configuration
        self.state = configuration.resetsSettings ? .resetting : .settings
    }

    // MARK: Events

    /// One whole server message.
    mutating func frameReceived(_ frame: Frame) -> Action? {
        switch frame.id {
        case UInt8(ascii: "N"), UInt8(ascii: "S"), UInt8(ascii: "A"):
            // Notices, parameter changes (the connection records them), notifications.
            return nil
        default:
            break
        }
        switch state {
        case .done:
            return nil
        case .resetting:
            return resetting(frame)
        case .settings, .statement, .awaitingReady, .refusingCopy:
            return batch(frame)
        case .lookingUpTypes(let status):
            return lookingUp(frame, status: status)
        }
    }

    /// The watchdog fired (statement timeout + a margin) before the last ReadyForQuery.
    mutating func timerFired() -> Action? {
        guard state != .done else { return nil }
        state = .done
        return .finish(.failure(.unavailable(QueryErrorDetail(
            sqlstate: "57014",
            message: "the statement did not finish within its time limit; its server connection was closed",
            hint: "The statement was cancelled with the connection; retry with a smaller query."
        ))), .close)
    }

    /// The server connection closed before the last ReadyForQuery.
    mutating func connectionClosed() -> Action? {
        guard state != .done else { return nil }
        state = .done
        if let error, error.severity == "FATAL" || error.severity == "PANIC" {
            // The server said why it ended the session (57P01 and the like).
            return .finish(.failure(.unavailable(Self.detail(error))), .none)
        }
        return .finish(.failure(.unavailable(QueryErrorDetail(
            sqlstate: "08006",
            message: "the server connection was lost; the statement was rolled back",
            hint: "Retry the statement."
        ))), .none)
    }

    // MARK: Phases

    private mutating func resetting(_ frame: Frame) -> Action? {
        switch frame.id {
        case UInt8(ascii: "E"):
            guard case .errorResponse(let fields)? = try? BackendMessage(frame: frame) else { return protocolViolation() }
            resetError = fields
        case UInt8(ascii: "Z"):
            state = .settings
        case UInt8(ascii: "C"), UInt8(ascii: "I"):
            break
        default:
            return protocolViolation()
        }
        return nil
    }

    private mutating func batch(_ frame: Frame) -> Action? {
        switch frame.id {
        case UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "3"), UInt8(ascii: "t"):
            return nil
        case UInt8(ascii: "T"):
            guard state == .statement else { return state == .settings ? protocolViolation() : nil }
            guard case .rowDescription(let fields)? = try? BackendMessage(frame: frame) else { return protocolViolation() }
            self.fields = fields
        case UInt8(ascii: "n"):
            return nil
        case UInt8(ascii: "D"):
            guard state == .statement else { return nil }  // the settings' row
            return dataRow(frame)
        case UInt8(ascii: "C"):
            guard case .commandComplete(let tag)? = try? BackendMessage(frame: frame) else { return protocolViolation() }
            switch state {
            case .settings: state = .statement
            case .statement:
                self.tag = tag
                state = .awaitingReady
            default: break
            }
        case UInt8(ascii: "s"):
            guard state == .statement else { return protocolViolation() }
            truncated = true
            state = .awaitingReady
        case UInt8(ascii: "I"):
            guard state == .statement else { return protocolViolation() }
            emptyQuery = true
            state = .awaitingReady
        case UInt8(ascii: "E"):
            guard case .errorResponse(let fields)? = try? BackendMessage(frame: frame) else { return protocolViolation() }
            if error == nil { error = fields }
            state = .awaitingReady
        case UInt8(ascii: "G"):
            // COPY FROM STDIN: the server ignores our Sync until the copy ends.
            guard state == .statement else { return protocolViolation() }
            copyRefused = true
            state = .refusingCopy
            return .refuseCopyIn
        case UInt8(ascii: "H"), UInt8(ascii: "d"), UInt8(ascii: "c"):
            // COPY TO STDOUT: its data is not a result here; its tag still comes.
            return nil
        case UInt8(ascii: "Z"):
            guard case .readyForQuery(let status)? = try? BackendMessage(frame: frame) else { return protocolViolation() }
            return ready(status)
        default:
            return protocolViolation()
        }
        return nil
    }

    private mutating func dataRow(_ frame: Frame) -> Action? {
        let size = frame.payload.readableBytes
        guard !truncated, rows.count < configuration.maxRows, keptBytes + size <= configuration.responseByteLimit else {
            truncated = true
            return nil
        }
        guard case .dataRow(let row)? = try? BackendMessage(frame: frame) else { return protocolViolation() }
        keptBytes += size
        var values: [QueryValue] = []
        values.reserveCapacity(fields.count)
        for (index, field) in fields.enumerated() {
            let column = index < row.columns.count ? row.columns[index] : nil
            values.append(QueryValueDecoder.decode(column.map { String(buffer: $0) }, typeOID: field.dataTypeOID))
        }
        rows.append(values)
        return nil
    }

    private mutating func ready(_ status: TransactionStatus) -> Action? {
        if resetError != nil {
            state = .done
            return .finish(.failure(.unavailable(QueryErrorDetail(
                sqlstate: "08006", message: "the server connection could not be reset for the statement",
                detail: resetError?.message
            ))), .close)
        }
        if copyRefused {
            state = .done
            return .finish(.failure(.server(QueryErrorDetail(
                sqlstate: "0A000", message: "COPY FROM STDIN is not supported here",
                hint: "Use INSERT with parameters instead."
            ))), release(status))
        }
        if let error {
            state = .done
            return .finish(.failure(.server(Self.detail(error))), release(status))
        }
        let unknown = unknownTypes()
        if !unknown.isEmpty, status == .idle {
            state = .lookingUpTypes(status: status)
            return .lookUpTypes(unknown)
        }
        state = .done
        return .finish(.success(result()), release(status))
    }

    private mutating func lookingUp(_ frame: Frame, status: TransactionStatus) -> Action? {
        switch frame.id {
        case UInt8(ascii: "D"):
            // (oid, typname): a failure to read it only costs the name.
            if case .dataRow(let row)? = try? BackendMessage(frame: frame), row.columns.count == 2,
               let oidBytes = row.columns[0], let nameBytes = row.columns[1],
               let oid = UInt32(String(buffer: oidBytes)) {
                typeNames[oid] = String(buffer: nameBytes)
            }
            return nil
        case UInt8(ascii: "Z"):
            guard case .readyForQuery(let after)? = try? BackendMessage(frame: frame) else { return protocolViolation() }
            state = .done
            // The lookup cannot open a transaction; if it somehow did, roll it back.
            return .finish(.success(result()), release(after))
        case UInt8(ascii: "1"), UInt8(ascii: "2"), UInt8(ascii: "C"), UInt8(ascii: "E"), UInt8(ascii: "n"), UInt8(ascii: "T"):
            return nil
        default:
            return protocolViolation()
        }
    }

    private mutating func protocolViolation() -> Action {
        state = .done
        return .finish(.failure(.unavailable(QueryErrorDetail(
            sqlstate: "08P01", message: "the server sent an unexpected message; its connection was closed"
        ))), .close)
    }

    // MARK: The answer

    private func release(_ status: TransactionStatus) -> Release {
        let reset = configuration.changesSession ? "RESET ALL" : nil
        switch status {
        case .idle: return .reuse(cleanup: reset)
        case .inTransaction, .failed: return .reuse(cleanup: reset.map { "ROLLBACK; \($0)" } ?? "ROLLBACK")
        }
    }

    private func unknownTypes() -> [UInt32] {
        var seen: Set<UInt32> = []
        return fields.map(\.dataTypeOID).filter { PostgresTypeNames.name(of: $0) == nil && seen.insert($0).inserted }
    }

    private func result() -> QueryResult {
        let columns = fields.map { field in
            QueryColumn(
                name: field.name,
                type: PostgresTypeNames.name(of: field.dataTypeOID) ?? typeNames[field.dataTypeOID]
                    ?? PostgresTypeNames.placeholder(for: field.dataTypeOID),
                typeOID: field.dataTypeOID
            )
        }
        let command: String
        var rowCount = rows.count
        if emptyQuery {
            command = ""
        } else if let tag {
            let parsed = Self.parseTag(tag)
            command = parsed.command
            if !truncated, let count = parsed.count { rowCount = count }
        } else {
            command = configuration.suspendedCommand
        }
        return QueryResult(command: command, columns: columns, rows: rows, rowCount: rowCount, truncated: truncated, elapsedMilliseconds: 0)
    }

    /// `INSERT 0 5` → (`INSERT`, 5); `CREATE TABLE` → (`CREATE TABLE`, nil).
    static func parseTag(_ tag: String) -> (command: String, count: Int?) {
        var words = tag.split(separator: " ")
        var count: Int?
        if let last = words.last, let number = Int(last) {
            count = number
            words.removeLast()
            // INSERT's tag carries an OID (always 0) before the count.
            while let word = words.last, Int(word) != nil { words.removeLast() }
        }
        return (words.joined(separator: " "), count)
    }

    /// The command a statement that returned rows most likely ran, from its
    /// first word (used only when the portal was suspended and no tag came).
    static func suspendedCommand(for sql: String) -> String {
        let first = sql.drop { $0.isWhitespace || $0 == "(" }.prefix { $0.isLetter }.uppercased()
        switch first {
        case "INSERT", "UPDATE", "DELETE", "MERGE", "EXPLAIN", "SHOW", "FETCH": return first
        default: return "SELECT"
        }
    }

    static func detail(_ fields: ErrorFields) -> QueryErrorDetail {
        QueryErrorDetail(
            sqlstate: fields.sqlState ?? "XX000",
            message: fields.message ?? "unknown error",
            detail: fields[UInt8(ascii: "D")],
            hint: fields[UInt8(ascii: "H")],
            position: fields[UInt8(ascii: "P")].flatMap { Int($0) }
        )
    }
}
