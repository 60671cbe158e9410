import HTTPTypes
import ControlPlane
import SQLPolicy
import SluiceModel

/// Runs agent-tool SQL in a workspace database: judged by the statement
/// policy as the agent tool (one statement, no session or transaction
/// control), then handed to the proxy, which runs it on its own pooled
/// server connections as the workspace's customer role and judges it again
/// at its own gate. There is no other path from the API to a workspace
/// database.
struct WorkspaceSQL: Sendable {
    let executor: any WorkspaceQueryExecutor
    let provisioner: Provisioner

    /// api.md: at most 1,000 rows by default and 10,000 on request, a 15 s
    /// statement timeout, and an 8 MiB cap on row data.
    static let defaultMaxRows = 1_000
    static let maxMaxRows = 10_000
    static let defaultTimeout = Duration.seconds(15)
    static let responseByteLimit = 8 << 20

    static let policy = StatementPolicy(context: PolicyContext(role: .customer, mode: .transaction, surface: .tool))

    /// How failures are answered: the agent tool gives a server error as
    /// 400; a data query's execution failure is 503 (workspace-data-queries).
    enum Surface {
        case agentTool
        case dataQuery
    }

    /// The tool policy's verdict on `sql`, as the API answers it: 403 with
    /// the policy's SQLSTATE and text when denied, else the one statement, or
    /// nil for a text with none (empty, only comments), which the server
    /// answers with an empty result.
    static func judge(_ sql: String) throws -> JudgedStatement? {
        let judgement = policy.judge(sql)
        if case .deny(let denial) = judgement.verdict {
            throw APIError.denied(denial)
        }
        return judgement.statements.first
    }

    func run(
        _ workspace: WorkspaceID, sql: String, parameters: [QueryParameter] = [],
        maxRows: Int = WorkspaceSQL.defaultMaxRows, timeout: Duration = WorkspaceSQL.defaultTimeout,
        surface: Surface
    ) async throws -> QueryResult {
        let query = WorkspaceQuery(
            user: ClientUser(role: .customer, workspace: workspace), sql: sql, parameters: parameters,
            maxRows: maxRows, timeout: timeout, responseByteLimit: Self.responseByteLimit
        )
        do {
            return try await executor.execute(query)
        } catch {
            switch error {
            case .denied(let detail):
                throw APIError.denied(detail)
            case .server(let detail):
                switch surface {
                case .agentTool: throw APIError.sql(.badRequest, code: "sql_error", detail)
                case .dataQuery: throw APIError.sql(.serviceUnavailable, code: "execution_failed", detail)
                }
            case .unavailable(let detail):
                // A workspace whose database is missing cannot log in: the agent
                // tool says so (409); a data query's run is an execution failure
                // (api.md: 503), whose message says why.
                if (try? await provisioner.isProvisioned(workspace: workspace)) == false {
                    guard surface == .dataQuery else { throw APIError.notProvisioned(workspace.rawValue) }
                    throw APIError(
                        .serviceUnavailable, code: "execution_failed",
                        message: "workspace \(workspace.rawValue) has no database (it was dropped); provision it again",
                        sqlstate: "3D000"
                    )
                }
                throw APIError.sql(.serviceUnavailable, code: "upstream_unavailable", detail)
            }
        }
    }
}

extension APIError {
    /// A statement the policy refused: 403 with its SQLSTATE, message and hint.
    static func denied(_ denial: Denial) -> APIError {
        APIError(
            .forbidden, code: "policy_denied", message: denial.message,
            sqlstate: denial.sqlState, hint: denial.hint, position: denial.position
        )
    }

    static func denied(_ detail: QueryErrorDetail) -> APIError {
        sql(.forbidden, code: "policy_denied", detail)
    }

    static func sql(_ status: HTTPResponse.Status, code: String, _ detail: QueryErrorDetail) -> APIError {
        APIError(status, code: code, message: detail.message, sqlstate: detail.sqlstate, hint: detail.hint, position: detail.position)
    }
}
