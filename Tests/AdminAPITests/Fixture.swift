import AdminAPI
import ControlPlane
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Metrics
import Prometheus
import SluiceModel
import Testing

/// Builds the API for router tests.
enum Fixture {
    static let operatorToken = "sluice_op_TestOperatorTokenAbCdEf0123456789XyZ"

    static let logger: Logger = {
        var logger = Logger(label: "sluice.admin-api.tests")
        logger.logLevel = .warning
        return logger
    }()

    static func api(
        store: ControlStore,
        proxy: RecordingProxy = RecordingProxy(),
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        operatorToken: String? = operatorToken,
        readinessTimeout: Duration = .seconds(20),
        queries: (any WorkspaceQueryExecutor)? = nil
    ) -> AdminAPI {
        AdminAPI(
            configuration: AdminAPIConfiguration(
                host: "127.0.0.1", port: 0, operatorToken: operatorToken, readinessTimeout: readinessTimeout
            ),
            store: store,
            provisioner: Provisioner(store: store, logger: logger),
            proxy: proxy,
            uris: TestURIs(),
            queries: queries,
            registry: registry,
            metricsFactory: PrometheusMetricsFactory(registry: registry),
            logger: logger
        )
    }

    /// A store whose server does not exist and whose client never runs: for
    /// tests of answers given before the store is consulted.
    static func offlineStore() throws -> ControlStore {
        let configuration = try ControlPlaneConfiguration(
            upstreams: [UpstreamServer(name: "nowhere", host: "127.0.0.1", port: 1, adminUser: "postgres", adminPassword: nil)],
            masterKey: MasterKey.generate()
        )
        return ControlStore(configuration: configuration, logger: logger)
    }

    /// Runs `body` with a router test client of `api`.
    static func withClient<T: Sendable>(
        _ api: AdminAPI, _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        try await api.makeApplication().test(.router, body)
    }
}

/// Request helpers.
func headers(bearer token: String? = nil, _ extra: [(String, String)] = []) -> HTTPFields {
    var fields = HTTPFields()
    if let token { fields[.authorization] = "Bearer \(token)" }
    for (name, value) in extra {
        if let name = HTTPField.Name(name) { fields[name] = value }
    }
    return fields
}

func jsonBody(_ object: Any) throws -> ByteBuffer {
    ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object))
}

func textBody(_ text: String) -> ByteBuffer {
    ByteBuffer(string: text)
}

extension TestResponse {
    var text: String { String(buffer: body) }

    /// Every `X-Request-Id` value of the answer.
    var requestIDs: [String] {
        headers.filter { $0.name.canonicalName == "x-request-id" }.map(\.value)
    }

    var object: [String: Any] {
        get throws {
            let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
            return try #require(value as? [String: Any], "not a JSON object: \(text)")
        }
    }

    var array: [[String: Any]] {
        get throws {
            let value = try JSONSerialization.jsonObject(with: Data(text.utf8))
            return try #require(value as? [[String: Any]], "not a JSON array of objects: \(text)")
        }
    }
}

/// Checks api.md's error shape: `{"error": {"status", "code", "message", "details"?}}`
/// with the HTTP status repeated inside, a JSON content type and a request id.
@discardableResult
func expectError(
    _ response: TestResponse, _ status: Int, _ code: String,
    sourceLocation: SourceLocation = #_sourceLocation
) throws -> [String: Any] {
    #expect(Int(response.status.code) == status, "\(response.text)", sourceLocation: sourceLocation)
    #expect(response.headers[.contentType]?.hasPrefix("application/json") == true, sourceLocation: sourceLocation)
    #expect(response.requestIDs.count == 1, sourceLocation: sourceLocation)
    let top = try response.object
    #expect(Set(top.keys) == ["error"], "\(response.text)", sourceLocation: sourceLocation)
    let error = try #require(top["error"] as? [String: Any], sourceLocation: sourceLocation)
    #expect(error["status"] as? Int == status, sourceLocation: sourceLocation)
    #expect(error["code"] as? String == code, "\(response.text)", sourceLocation: sourceLocation)
    let message = try #require(error["message"] as? String, sourceLocation: sourceLocation)
    #expect(!message.isEmpty, sourceLocation: sourceLocation)
    let allowed: Set<String> = ["status", "code", "message", "details", "sqlstate", "hint", "position"]
    #expect(Set(error.keys).isSubset(of: allowed), "\(error.keys)", sourceLocation: sourceLocation)
    if let details = error["details"] {
        let list = try #require(details as? [[String: Any]], sourceLocation: sourceLocation)
        for detail in list {
            #expect(detail["field"] is String && detail["message"] is String, sourceLocation: sourceLocation)
        }
    }
    return error
}
