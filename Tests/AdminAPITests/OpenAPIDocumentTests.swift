import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

@testable import AdminAPI

/// Keeps `/openapi.json` true to the router: every route is documented,
/// every documented operation answers, and the document is well formed.
struct OpenAPIDocumentTests {
    static let methods = ["get", "put", "post", "delete", "patch", "head", "options"]

    /// The document as a client gets it.
    func served() async throws -> [String: Any] {
        let api = Fixture.api(store: try Fixture.offlineStore())
        let response = try await Fixture.withClient(api) { client in
            try await client.execute(uri: "/openapi.json", method: .get)
        }
        #expect(response.status == .ok)
        #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        return try response.object
    }

    /// `(method, path)` of every documented operation.
    func operations(_ document: [String: Any]) throws -> [(String, String)] {
        let paths = try #require(document["paths"] as? [String: Any])
        var found: [(String, String)] = []
        for (path, item) in paths {
            let item = try #require(item as? [String: Any])
            for method in Self.methods where item[method] != nil {
                found.append((method.uppercased(), path))
            }
        }
        return found.sorted { ($0.1, $0.0) < ($1.1, $1.0) }
    }

    @Test func everyRouteIsDocumentedAndNothingElse() async throws {
        let document = try await served()
        #expect(document["openapi"] as? String == "3.1.0")
        let routes = Fixture.api(store: try Fixture.offlineStore()).routes
            .map { ($0.method.rawValue, $0.path) }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
        let documented = try operations(document)
        #expect(routes.map { "\($0.0) \($0.1)" } == documented.map { "\($0.0) \($0.1)" })
    }

    @Test func everyDocumentedOperationAnswers() async throws {
        let document = try await served()
        let api = Fixture.api(store: try Fixture.offlineStore(), readinessTimeout: .milliseconds(500))
        let operations = try operations(document)
        try await Fixture.withClient(api) { client in
            for (method, path) in operations {
                let concrete = path.replacingOccurrences(of: "{id}", with: "acme")
                    .replacingOccurrences(of: "{key_id}", with: "ak0123456789abcdef")
                let response = try await client.execute(uri: concrete, method: HTTPRequest.Method(rawValue: method) ?? .get)
                let code = (try? response.object["error"] as? [String: Any])?["code"] as? String
                #expect(code != "not_found" && code != "method_not_allowed", "\(method) \(path): \(response.text)")
                if path.hasPrefix("/api/") || path.hasPrefix("/v1/") {
                    #expect(response.status == .unauthorized, "\(method) \(path)")
                } else if path == "/readyz" {
                    #expect(response.status == .serviceUnavailable, "the offline store cannot be ready")
                } else {
                    #expect(response.status == .ok, "\(method) \(path)")
                }
            }
        }
    }

    @Test func everyReferenceResolvesAndSecuredOperationsDocument401() async throws {
        let document = try await served()
        let components = try #require(document["components"] as? [String: Any])
        let schemas = try #require(components["schemas"] as? [String: Any])
        let text = String(decoding: try JSONSerialization.data(withJSONObject: document), as: UTF8.self)
        let references = text.components(separatedBy: "\"$ref\":\"#\\/components\\/schemas\\/").dropFirst()
            .compactMap { $0.split(separator: "\"").first.map(String.init) }
        #expect(!references.isEmpty)
        for reference in references {
            #expect(schemas[reference] != nil, "dangling $ref \(reference)")
        }
        let paths = try #require(document["paths"] as? [String: Any])
        for (path, item) in paths {
            let item = try #require(item as? [String: Any])
            for method in Self.methods {
                guard let operation = item[method] as? [String: Any] else { continue }
                let responses = try #require(operation["responses"] as? [String: Any])
                let secured = (operation["security"] as? [Any])?.isEmpty != true
                #expect(secured == (path.hasPrefix("/api/") || path.hasPrefix("/v1/")), "\(method) \(path)")
                if secured {
                    #expect(responses["401"] != nil, "\(method) \(path) does not document 401")
                }
            }
        }
    }

    @Test func requestSchemasAreClosed() async throws {
        let document = try await served()
        let schemas = try #require((document["components"] as? [String: Any])?["schemas"] as? [String: Any])
        for name in schemas.keys where name.hasSuffix("Request") {
            let schema = try #require(schemas[name] as? [String: Any])
            #expect(schema["additionalProperties"] as? Bool == false, "\(name) must refuse unknown members")
        }
    }
}
