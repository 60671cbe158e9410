import Foundation
import Hummingbird
import Testing

@testable import AdminAPI

struct RequestBodyDecoderTests {
    let decoder = RequestBodyDecoder()

    @Test func knownMembersDecodeAndUnknownOnesAreNamed() throws {
        let body = try decoder.decode(RotateRequest.self, from: Data(#"{"kind": "customer", "terminate_sessions": true}"#.utf8))
        #expect(body == RotateRequest(kind: "customer", terminateSessions: true))

        #expect(throws: APIError.self) {
            try decoder.decode(RotateRequest.self, from: Data(#"{"kind": "customer", "terminate_session": true}"#.utf8))
        }
        do {
            _ = try decoder.decode(RotateRequest.self, from: Data(#"{"b": 1, "a": 2}"#.utf8))
            Issue.record("unknown members were accepted")
        } catch let error as APIError {
            #expect(error.status == .badRequest)
            #expect(error.code == "unknown_field")
            #expect(error.details?.map(\.field) == ["a", "b"])
        }
    }

    @Test func provisionAcceptsOnlyAnEmptyObject() throws {
        _ = try decoder.decode(ProvisionRequest.self, from: Data("{}".utf8))
        #expect(throws: APIError.self) { try decoder.decode(ProvisionRequest.self, from: Data(#"{"force": true}"#.utf8)) }
    }

    @Test func wrongTypesAndNullsNameTheField() throws {
        do {
            _ = try decoder.decode(RevealRequest.self, from: Data(#"{"pooled": "yes"}"#.utf8))
            Issue.record("a string was accepted as a boolean")
        } catch let error as APIError {
            #expect(error.status == .unprocessableContent)
            #expect(error.details == [APIErrorDetail(field: "pooled", message: "must be a boolean")])
        }
        // Optional members may be null.
        #expect(try decoder.decode(RevealRequest.self, from: Data(#"{"pooled": null}"#.utf8)) == RevealRequest())
    }

    @Test func messagesNeverEchoValues() throws {
        let secret = "sluice_akabcdefghijklmnop_SecretSecretSecretSecretSecretSecret12"
        for text in [#"{"kind": 5, "pooled": "\#(secret)"}"#, #"{"\#(secret)": 1}"#, "{\"kind\": \"\(secret)"] {
            do {
                _ = try decoder.decode(RevealRequest.self, from: Data(text.utf8))
                Issue.record("accepted \(text)")
            } catch let error as APIError {
                let rendered = error.message + (error.details ?? []).map { $0.field + $0.message }.joined()
                #expect(!rendered.contains("SecretSecret"), "\(rendered)")
            }
        }
    }

    @Test func emptyBodiesCountAsEmptyObjects() async throws {
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/"),
            body: RequestBody(buffer: ByteBuffer(string: "  \n"))
        )
        #expect(try await decoder.decode(RevealRequest.self, from: request) == RevealRequest())
    }

    @Test func bodiesOverTheLimitAre413EvenWithoutContentLength() async throws {
        let small = RequestBodyDecoder(maxBytes: 64)
        let request = Request(
            head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/"),
            body: RequestBody(buffer: ByteBuffer(string: "{\"kind\": \"" + String(repeating: "x", count: 100) + "\"}"))
        )
        do {
            _ = try await small.decode(RevealRequest.self, from: request)
            Issue.record("an oversized body was read")
        } catch let error as APIError {
            #expect(error.status == .contentTooLarge)
            #expect(error.code == "payload_too_large")
        }
    }
}
