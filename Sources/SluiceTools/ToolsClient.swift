import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A client of the endpoints agents use (api.md, "Agent tool" and "Workspace
/// data queries"), authenticated with one workspace API key.
public final class ToolsClient: Sendable {
    public let settings: APISettings
    private let session: URLSession
    private let timeout: TimeInterval

    /// `timeout` bounds each request (the API's own statement timeout is 15 s by default).
    public init(settings: APISettings, timeout: TimeInterval = 120) {
        self.settings = settings
        self.timeout = timeout
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeout
        configuration.timeoutIntervalForResource = timeout
        configuration.httpCookieAcceptPolicy = .never
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// `GET /api/v2/ingestion/status`: the workspace of the key.
    public func workspaceID() async throws(ToolsError) -> String {
        let response = try await send("GET", ["api", "v2", "ingestion", "status"])
        guard let workspace = response.json["workspace_id"]?.string, !workspace.isEmpty else {
            throw .badResponse(status: response.status, reason: "the status has no workspace_id")
        }
        return workspace
    }

    /// `GET /v1/{workspace_id}/tools`: the tool list (a JSON array).
    public func listTools(workspace: String) async throws(ToolsError) -> APIResponse {
        try await send("GET", ["v1", workspace, "tools"])
    }

    /// `POST /api/v2/tools/query_customer_db` with the body as given (`{"sql", "max_rows"?}`).
    public func queryCustomerDB(body: JSONValue) async throws(ToolsError) -> APIResponse {
        try await send("POST", ["api", "v2", "tools", ToolRegistry.customerQueryTool], body: body)
    }

    /// `POST /v1/{workspace_id}/data_queries/{query_id}/invoke` with `{"input": input}`.
    public func invokeDataQuery(workspace: String, queryID: String, input: JSONValue) async throws(ToolsError) -> APIResponse {
        try await send("POST", ["v1", workspace, "data_queries", queryID, "invoke"], body: .object([("input", input)]))
    }

    /// One request; a 2xx answer must be JSON, anything else becomes a `ToolsError`.
    public func send(_ method: String, _ segments: [String], body: JSONValue? = nil) async throws(ToolsError) -> APIResponse {
        let url = try url(segments)
        var request = URLRequest(url: url, cachePolicy: .reloadIgnoringLocalCacheData, timeoutInterval: timeout)
        request.httpMethod = method
        request.setValue("Bearer \(settings.apiKey)", forHTTPHeaderField: "Authorization")
        request.setValue("application/json", forHTTPHeaderField: "Accept")
        request.setValue("sluice-tools", forHTTPHeaderField: "User-Agent")
        if let body {
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.httpBody = Data(body.text.utf8)
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw .unreachable("\(method) \(url.absoluteString): \(Self.describe(error))")
        }
        guard let http = response as? HTTPURLResponse else {
            throw .badResponse(status: 0, reason: "not an HTTP answer")
        }
        let status = http.statusCode
        let json: JSONValue?
        do {
            json = data.isEmpty ? nil : try JSONParser.parse(bytes: data)
        } catch {
            json = nil
            if (200..<300).contains(status) { throw .badResponse(status: status, reason: error.description) }
        }
        if (200..<300).contains(status) {
            guard let json else { throw .badResponse(status: status, reason: "empty body") }
            return APIResponse(status: status, body: data, json: json)
        }
        if let json, let failure = APIFailure(status: status, envelope: json) {
            throw .api(failure)
        }
        let text = String(decoding: data.prefix(300), as: UTF8.self)
        throw .badResponse(status: status, reason: text.isEmpty ? "no error body" : text)
    }

    func url(_ segments: [String]) throws(ToolsError) -> URL {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#%")
        var text = settings.baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        for segment in segments {
            guard let encoded = segment.addingPercentEncoding(withAllowedCharacters: allowed), !encoded.isEmpty else {
                throw .configuration("cannot put \"\(segment)\" in a URL path")
            }
            text += "/" + encoded
        }
        guard let url = URL(string: text) else { throw .configuration("cannot build a URL from \(text)") }
        return url
    }

    private static func describe(_ error: any Error) -> String {
        if let urlError = error as? URLError {
            switch urlError.code {
            case .timedOut: return "timed out"
            case .cannotConnectToHost: return "connection refused"
            case .cannotFindHost: return "unknown host"
            case .networkConnectionLost: return "connection lost"
            default: return urlError.localizedDescription
            }
        }
        return "\(error)"
    }
}
