import ControlPlane
import SQLPolicy
import SluiceModel

/// The deploy-time rules of workspace-data-queries, each answered with 422
/// `validation_failed` naming the field:
/// - `name`: lower-case letters, digits and underscores, starting with a
///   letter, at most 128 characters; `description` at most 2,048;
///   `sql_template` at most 8,192; at most 32 `parameters`; `timeout_ms`
///   100-30,000 (default 5,000);
/// - each parameter: a name like a query's but at most 64 characters, unique;
///   a type of string, integer, number, boolean; a description of at most
///   512 characters; a default (if any) of the declared type;
/// - the SQL: one statement that parses, no session-state command, allowed
///   by the policy for the agent tool; every `:name` placeholder declared
///   and every declared parameter used.
enum DataQueryValidator {
    static let maxNameLength = 128
    static let maxDescriptionLength = 2_048
    static let maxTemplateLength = 8_192
    static let maxParameters = 32
    static let maxParameterNameLength = 64
    static let maxParameterDescriptionLength = 512
    static let timeoutRange = 100...30_000
    static let defaultTimeout = 5_000
    static let types: Set<String> = ["string", "integer", "number", "boolean"]

    /// Statement kinds that act on the session or transaction, not on data.
    static let sessionStateKinds: Set<String> = [
        "VariableSetStmt", "DiscardStmt", "TransactionStmt", "ListenStmt", "UnlistenStmt", "NotifyStmt",
        "PrepareStmt", "ExecuteStmt", "DeallocateStmt", "DeclareCursorStmt", "FetchStmt", "ClosePortalStmt",
        "LoadStmt", "LockStmt",
    ]

    /// `^[a-z][a-z0-9_]*$` up to `maxLength` characters.
    static func isName(_ text: String, maxLength: Int) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first, bytes.count <= maxLength, first >= UInt8(ascii: "a"), first <= UInt8(ascii: "z") else {
            return false
        }
        return bytes.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "_")
        }
    }

    struct Draft {
        var name: String
        var description: String
        var sqlTemplate: String
        var parameters: [DataQueryParameterRequest]
        var timeoutMilliseconds: Int
    }

    /// Checks every field; throws 422 with every problem found. Lengths are
    /// counted in Unicode code points, as JSON Schema's `maxLength` and most
    /// clients count characters (a Swift `Character` would count "\r\n" as one).
    static func validate(_ draft: Draft) throws -> [DataQueryParameterRecord] {
        var problems: [APIErrorDetail] = []
        func problem(_ field: String, _ message: String) {
            problems.append(APIErrorDetail(field: field, message: message))
        }
        if !isName(draft.name, maxLength: maxNameLength) {
            problem("name", "must be lower-case letters, digits and underscores, start with a letter, and be at most \(maxNameLength) characters")
        }
        if draft.description.unicodeScalars.count > maxDescriptionLength {
            problem("description", "must be at most \(maxDescriptionLength) characters")
        }
        if draft.sqlTemplate.unicodeScalars.count > maxTemplateLength {
            problem("sql_template", "must be at most \(maxTemplateLength) characters")
        }
        if !timeoutRange.contains(draft.timeoutMilliseconds) {
            problem("timeout_ms", "must be between \(timeoutRange.lowerBound) and \(timeoutRange.upperBound)")
        }
        if draft.parameters.count > maxParameters {
            problem("parameters", "must have at most \(maxParameters) items")
        }
        var seen: Set<String> = []
        var records: [DataQueryParameterRecord] = []
        for (index, parameter) in draft.parameters.enumerated() {
            let field = "parameters[\(index)]"
            if !isName(parameter.name, maxLength: maxParameterNameLength) {
                problem("\(field).name", "must be lower-case letters, digits and underscores, start with a letter, and be at most \(maxParameterNameLength) characters")
            } else if !seen.insert(parameter.name).inserted {
                problem("\(field).name", "duplicates another parameter's name")
            }
            if !types.contains(parameter.type) {
                problem("\(field).type", "must be one of string, integer, number, boolean")
            }
            if parameter.description.unicodeScalars.count > maxParameterDescriptionLength {
                problem("\(field).description", "must be at most \(maxParameterDescriptionLength) characters")
            }
            var defaultJSON: String?
            if let value = parameter.defaultValue, types.contains(parameter.type) {
                if argument(value, type: parameter.type) != nil {
                    defaultJSON = value.jsonText
                } else {
                    problem("\(field).default", "must be \(article(parameter.type)) to match the declared type, not \(value.kindName)")
                }
            }
            records.append(DataQueryParameterRecord(
                name: parameter.name, type: parameter.type, description: parameter.description, defaultJSON: defaultJSON
            ))
        }
        if !problems.isEmpty { throw APIError.validation(problems) }
        try validateSQL(draft.sqlTemplate, declared: draft.parameters.map(\.name))
        return records
    }

    /// The SQL rules: compiled with the scanner, judged by the policy.
    static func validateSQL(_ template: String, declared: [String]) throws {
        let compiled: DataQueryTemplate
        switch DataQueryTemplate.compile(template) {
        case .failure(.syntax(let message, let position)):
            throw sqlProblem("is not valid SQL: \(message)", sqlstate: "42601", position: position)
        case .failure(.positionalParameter(let position)):
            throw sqlProblem("uses a positional parameter ($n); name parameters as :name placeholders", sqlstate: "42601", position: position)
        case .success(let value):
            compiled = value
        }
        let judgement = WorkspaceSQL.policy.judge(compiled.sql)
        if judgement.statements.count > 1 {
            // policy.md gives data queries the agent tool's sentence for this.
            throw sqlProblem(Denial.multipleStatements.message, sqlstate: Denial.multipleStatements.sqlState, position: nil)
        }
        guard let statement = judgement.statements.first else {
            throw sqlProblem("must hold one SQL statement (it holds none)", sqlstate: "42601", position: nil)
        }
        if case .deny(let denial) = statement.verdict, denial.reason == .syntax {
            throw sqlProblem("is not valid SQL: \(denial.message)", sqlstate: denial.sqlState, position: nil)
        }
        if sessionStateKinds.contains(statement.kind) || statement.changesSession {
            throw sqlProblem(
                "must not be a session-state command (SET, RESET, DISCARD, transaction control, cursors, LISTEN...)",
                sqlstate: "42501", position: nil
            )
        }
        if case .deny(let denial) = statement.verdict {
            throw sqlProblem("is refused by the statement policy: \(denial.message)", sqlstate: denial.sqlState, position: nil)
        }
        var problems: [APIErrorDetail] = []
        let declaredSet = Set(declared)
        for name in compiled.names where !declaredSet.contains(name) {
            problems.append(APIErrorDetail(field: "sql_template", message: "placeholder :\(name) has no matching entry in parameters"))
        }
        let used = Set(compiled.names)
        for (index, name) in declared.enumerated() where !used.contains(name) {
            problems.append(APIErrorDetail(field: "parameters[\(index)].name", message: "parameter \(name) does not appear as a :\(name) placeholder in sql_template"))
        }
        if !problems.isEmpty { throw APIError.validation(problems) }
    }

    static func sqlProblem(_ message: String, sqlstate: String, position: Int?) -> APIError {
        var error = APIError.validation(field: "sql_template", message)
        error.sqlstate = sqlstate
        error.position = position
        return error
    }

    /// A JSON value as a bind value of a declared type, or nil if it is not of that type.
    static func argument(_ value: JSONInput, type: String) -> QueryParameter? {
        switch (type, value) {
        case ("string", .string(let text)): return .string(text)
        case ("integer", .integer(let number)): return .integer(number)
        case ("integer", .number(let number)) where number.rounded() == number && abs(number) < 9.0e15:
            return .integer(Int64(number))
        case ("number", .integer(let number)): return .number(String(number))
        case ("number", .number(let number)) where number.isFinite: return .number("\(number)")
        case ("boolean", .bool(let flag)): return .boolean(flag)
        default: return nil
        }
    }

    static func article(_ type: String) -> String {
        type == "integer" ? "an integer" : "a \(type)"
    }
}
