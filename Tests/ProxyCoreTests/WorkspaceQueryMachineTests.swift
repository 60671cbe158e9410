import NIOCore
import PGWire
import SluiceModel
import Testing

@testable import ProxyCore

/// The workspace query's answers, attributed with synthetic server frames.
@Suite struct WorkspaceQueryMachineTests {
    typealias Machine = WorkspaceQueryMachine

    private static func configuration(
        maxRows: Int = 100, byteLimit: Int = 1 << 20, resets: Bool = false, changesSession: Bool = false, sql: String = "SELECT 1"
    ) -> Machine.Configuration {
        .init(maxRows: maxRows, responseByteLimit: byteLimit, resetsSettings: resets, changesSession: changesSession,
              suspendedCommand: Machine.suspendedCommand(for: sql))
    }

    /// The answers to the settings' Parse/Bind/Execute.
    private static let settingsAnswers: [BackendMessage] = [
        .parseComplete, .bindComplete,
        .dataRow(DataRow(columns: ["200", "ISO, MDY", "UTC", "postgres"].map { ByteBuffer(string: $0) })),
        .commandComplete("SELECT 1"),
    ]

    private static func field(_ name: String, _ oid: UInt32) -> RowDescription.Field {
        .init(name: name, dataTypeOID: oid, dataTypeSize: -1)
    }

    private static func row(_ values: String?...) -> BackendMessage {
        .dataRow(DataRow(columns: values.map { $0.map { ByteBuffer(string: $0) } }))
    }

    /// Feeds `messages`; returns every action, in order.
    private static func feed(_ machine: inout Machine, _ messages: [BackendMessage]) -> [Machine.Action] {
        messages.compactMap { machine.frameReceived($0.frame) }
    }

    private static func finish(_ actions: [Machine.Action]) -> (Result<QueryResult, WorkspaceQueryFailure>, Machine.Release)? {
        guard actions.count == 1, case .finish(let result, let release) = actions[0] else { return nil }
        return (result, release)
    }

    @Test func rowsAreDecodedAndCounted() throws {
        var machine = Machine(configuration: Self.configuration())
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete,
            .rowDescription([Self.field("g", 23), Self.field("name", 25), Self.field("ok", 16)]),
            Self.row("1", "a", "t"), .noticeResponse(.make(severity: "NOTICE", sqlState: "00000", message: "hi")),
            Self.row("2", nil, "f"),
            .commandComplete("SELECT 2"), .parameterStatus(name: "TimeZone", value: "UTC"), .readyForQuery(.idle),
        ])
        let (result, release) = try #require(Self.finish(actions))
        #expect(release == .reuse(cleanup: nil))
        let answer = try result.get()
        #expect(answer.command == "SELECT")
        #expect(answer.columns == [
            QueryColumn(name: "g", type: "int4", typeOID: 23), QueryColumn(name: "name", type: "text", typeOID: 25),
            QueryColumn(name: "ok", type: "bool", typeOID: 16),
        ])
        #expect(answer.rows == [[.number("1"), .string("a"), .bool(true)], [.number("2"), .null, .bool(false)]])
        #expect(answer.rowCount == 2)
        #expect(!answer.truncated)
        #expect(machine.state == .done)
    }

    @Test func statementWithoutRowsTakesItsCountFromTheTag() throws {
        var machine = Machine(configuration: Self.configuration())
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .noData, .commandComplete("INSERT 0 3"), .readyForQuery(.idle),
        ])
        let answer = try #require(Self.finish(actions)).0.get()
        #expect(answer.command == "INSERT")
        #expect(answer.columns.isEmpty && answer.rows.isEmpty)
        #expect(answer.rowCount == 3)
    }

    @Test func ddlHasNoCount() throws {
        var machine = Machine(configuration: Self.configuration())
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .noData, .commandComplete("CREATE TABLE"), .readyForQuery(.idle),
        ])
        let answer = try #require(Self.finish(actions)).0.get()
        #expect(answer.command == "CREATE TABLE")
        #expect(answer.rowCount == 0)
    }

    @Test func portalSuspendedMeansTruncated() throws {
        var machine = Machine(configuration: Self.configuration(maxRows: 2, sql: "  select g from t"))
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .rowDescription([Self.field("g", 20)]),
            Self.row("1"), Self.row("2"), .portalSuspended, .readyForQuery(.idle),
        ])
        let (result, release) = try #require(Self.finish(actions))
        let answer = try result.get()
        #expect(answer.truncated)
        #expect(answer.rowCount == 2)
        #expect(answer.rows == [[.number("1")], [.number("2")]])
        #expect(answer.command == "SELECT")
        #expect(release == .reuse(cleanup: nil))
    }

    @Test func byteLimitStopsKeepingRows() throws {
        // Each one-column row of "xxxx" is 2 + 4 + 4 = 10 payload bytes.
        var machine = Machine(configuration: Self.configuration(byteLimit: 25))
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .rowDescription([Self.field("v", 25)]),
            Self.row("xxxx"), Self.row("yyyy"), Self.row("zzzz"), Self.row("a"),
            .commandComplete("SELECT 4"), .readyForQuery(.idle),
        ])
        let answer = try #require(Self.finish(actions)).0.get()
        #expect(answer.rows == [[.string("xxxx")], [.string("yyyy")]])
        #expect(answer.truncated)
        #expect(answer.rowCount == 2)
    }

    @Test func errorMidRowsIsTheServersAndTheConnectionIsReused() throws {
        var machine = Machine(configuration: Self.configuration())
        let error = ErrorFields.make(severity: "ERROR", sqlState: "22012", message: "division by zero", detail: "d", hint: "h", position: 8)
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .rowDescription([Self.field("x", 23)]),
            Self.row("1"), .errorResponse(error), .readyForQuery(.idle),
        ])
        let (result, release) = try #require(Self.finish(actions))
        #expect(result == .failure(.server(QueryErrorDetail(sqlstate: "22012", message: "division by zero", detail: "d", hint: "h", position: 8))))
        #expect(release == .reuse(cleanup: nil))
    }

    @Test func parseErrorSkipsToReady() throws {
        var machine = Machine(configuration: Self.configuration())
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .errorResponse(.make(severity: "ERROR", sqlState: "42601", message: "syntax error", position: 1)), .readyForQuery(.idle),
        ])
        let (result, _) = try #require(Self.finish(actions))
        #expect(result == .failure(.server(QueryErrorDetail(sqlstate: "42601", message: "syntax error", position: 1))))
    }

    @Test func beginLeavesATransactionThatIsRolledBack() throws {
        var machine = Machine(configuration: Self.configuration())
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .noData, .commandComplete("BEGIN"), .readyForQuery(.inTransaction),
        ])
        let (result, release) = try #require(Self.finish(actions))
        #expect(try result.get().command == "BEGIN")
        #expect(release == .reuse(cleanup: "ROLLBACK"))
    }

    @Test func failedTransactionIsRolledBack() throws {
        var machine = Machine(configuration: Self.configuration())
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .noData,
            .errorResponse(.make(severity: "ERROR", sqlState: "25P02", message: "current transaction is aborted")),
            .readyForQuery(.failed),
        ])
        let (_, release) = try #require(Self.finish(actions))
        #expect(release == .reuse(cleanup: "ROLLBACK"))
    }

    @Test func sessionChangesAreReset() throws {
        var machine = Machine(configuration: Self.configuration(changesSession: true))
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .noData, .commandComplete("SET"), .readyForQuery(.idle),
        ])
        #expect(try #require(Self.finish(actions)).1 == .reuse(cleanup: "RESET ALL"))
    }

    @Test func closedMidwayIsUnavailable() throws {
        var machine = Machine(configuration: Self.configuration())
        _ = Self.feed(&machine, Self.settingsAnswers + [.parseComplete, .bindComplete, .rowDescription([Self.field("x", 23)]), Self.row("1")])
        let closed = machine.connectionClosed()
        let action = try #require(closed)
        guard case .finish(.failure(.unavailable(let detail)), .none) = action else {
            Issue.record("unexpected \(action)")
            return
        }
        #expect(detail.sqlstate == "08006")
        #expect(machine.connectionClosed() == nil)
        #expect(machine.timerFired() == nil)
    }

    @Test func fatalErrorBeforeCloseIsReported() throws {
        var machine = Machine(configuration: Self.configuration())
        _ = Self.feed(&machine, Self.settingsAnswers + [
            .errorResponse(.make(severity: "FATAL", sqlState: "57P01", message: "terminating connection due to administrator command")),
        ])
        let closed = machine.connectionClosed()
        let action = try #require(closed)
        guard case .finish(.failure(.unavailable(let detail)), .none) = action else {
            Issue.record("unexpected \(action)")
            return
        }
        #expect(detail.sqlstate == "57P01")
    }

    @Test func watchdogClosesTheConnection() throws {
        var machine = Machine(configuration: Self.configuration())
        _ = Self.feed(&machine, Self.settingsAnswers + [.parseComplete, .bindComplete])
        let fired = machine.timerFired()
        let action = try #require(fired)
        guard case .finish(.failure(.unavailable(let detail)), .close) = action else {
            Issue.record("unexpected \(action)")
            return
        }
        #expect(detail.sqlstate == "57014")
        // Late answers change nothing.
        #expect(Self.feed(&machine, [.noData, .commandComplete("SELECT 0"), .readyForQuery(.idle)]).isEmpty)
    }

    @Test func emptyQuery() throws {
        var machine = Machine(configuration: Self.configuration())
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .noData, .emptyQueryResponse, .readyForQuery(.idle),
        ])
        let answer = try #require(Self.finish(actions)).0.get()
        #expect(answer.command == "")
        #expect(answer.rowCount == 0)
    }

    @Test func resetComesFirstWithItsOwnReady() throws {
        var machine = Machine(configuration: Self.configuration(resets: true))
        let reset = Self.feed(&machine, [.commandComplete("RESET"), .readyForQuery(.idle)])
        #expect(reset.isEmpty)
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .rowDescription([Self.field("x", 23)]), Self.row("5"),
            .commandComplete("SELECT 1"), .readyForQuery(.idle),
        ])
        #expect(try #require(Self.finish(actions)).0.get().rows == [[.number("5")]])
    }

    @Test func failedResetClosesTheConnection() throws {
        var machine = Machine(configuration: Self.configuration(resets: true))
        let actions = Self.feed(&machine, [
            .errorResponse(.make(severity: "ERROR", sqlState: "XX000", message: "odd")), .readyForQuery(.idle),
        ] + Self.settingsAnswers + [.parseComplete, .bindComplete, .noData, .commandComplete("SELECT 0"), .readyForQuery(.idle)])
        let (result, release) = try #require(Self.finish(actions))
        #expect(release == .close)
        guard case .failure(.unavailable) = result else {
            Issue.record("unexpected \(result)")
            return
        }
    }

    @Test func unknownTypesAreLookedUpBeforeRelease() throws {
        var machine = Machine(configuration: Self.configuration())
        let first = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .rowDescription([Self.field("mood", 70_001), Self.field("n", 23), Self.field("other", 70_002)]),
            Self.row("happy", "1", "x"), .commandComplete("SELECT 1"), .readyForQuery(.idle),
        ])
        #expect(first == [.lookUpTypes([70_001, 70_002])])
        let actions = Self.feed(&machine, [
            .parseComplete, .bindComplete, Self.row("70001", "mood"), .commandComplete("SELECT 1"), .readyForQuery(.idle),
        ])
        let (result, release) = try #require(Self.finish(actions))
        #expect(release == .reuse(cleanup: nil))
        let answer = try result.get()
        #expect(answer.columns.map(\.type) == ["mood", "int4", "oid:70002"])
        #expect(answer.rows == [[.string("happy"), .number("1"), .string("x")]])
    }

    @Test func unknownTypesInAnOpenTransactionAreNotLookedUp() throws {
        var machine = Machine(configuration: Self.configuration())
        let actions = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .rowDescription([Self.field("mood", 70_001)]),
            .commandComplete("SELECT 0"), .readyForQuery(.inTransaction),
        ])
        let (result, release) = try #require(Self.finish(actions))
        #expect(try result.get().columns.map(\.type) == ["oid:70001"])
        #expect(release == .reuse(cleanup: "ROLLBACK"))
    }

    @Test func copyFromStdinIsRefused() throws {
        var machine = Machine(configuration: Self.configuration())
        let first = Self.feed(&machine, Self.settingsAnswers + [
            .parseComplete, .bindComplete, .noData, .copyInResponse(CopyResponse(format: 0, columnFormats: [])),
        ])
        #expect(first == [.refuseCopyIn])
        let actions = Self.feed(&machine, [
            .errorResponse(.make(severity: "ERROR", sqlState: "57014", message: "COPY from stdin failed")), .readyForQuery(.idle),
        ])
        let (result, release) = try #require(Self.finish(actions))
        guard case .failure(.server(let detail)) = result else {
            Issue.record("unexpected \(result)")
            return
        }
        #expect(detail.sqlstate == "0A000")
        #expect(release == .reuse(cleanup: nil))
    }

    @Test func unexpectedMessageClosesTheConnection() throws {
        var machine = Machine(configuration: Self.configuration())
        let actions = Self.feed(&machine, [.authentication(.ok)])
        let (result, release) = try #require(Self.finish(actions))
        #expect(release == .close)
        guard case .failure(.unavailable(let detail)) = result else {
            Issue.record("unexpected \(result)")
            return
        }
        #expect(detail.sqlstate == "08P01")
    }

    @Test func tags() {
        #expect(Machine.parseTag("SELECT 5").command == "SELECT")
        #expect(Machine.parseTag("SELECT 5").count == 5)
        #expect(Machine.parseTag("INSERT 0 12").command == "INSERT")
        #expect(Machine.parseTag("INSERT 0 12").count == 12)
        #expect(Machine.parseTag("UPDATE 0").command == "UPDATE")
        #expect(Machine.parseTag("UPDATE 0").count == 0)
        #expect(Machine.parseTag("CREATE TABLE").command == "CREATE TABLE")
        #expect(Machine.parseTag("CREATE TABLE").count == nil)
        #expect(Machine.parseTag("BEGIN").command == "BEGIN")
        #expect(Machine.parseTag("BEGIN").count == nil)
        #expect(Machine.suspendedCommand(for: "(select 1)") == "SELECT")
        #expect(Machine.suspendedCommand(for: "\n insert into t values (1) returning *") == "INSERT")
        #expect(Machine.suspendedCommand(for: "WITH x AS (SELECT 1) SELECT * FROM x") == "SELECT")
    }
}
