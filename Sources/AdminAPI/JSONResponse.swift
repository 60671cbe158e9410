import Foundation
import HTTPTypes
import Hummingbird

/// An `Encodable` answer with an explicit status, encoded the one way every
/// endpoint encodes (see `JSONResponseEncoder`).
struct JSONResponse<Body: Encodable & Sendable>: ResponseGenerator, Sendable {
    var status: HTTPResponse.Status
    var body: Body

    init(_ status: HTTPResponse.Status = .ok, _ body: Body) {
        self.status = status
        self.body = body
    }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        let data = try JSONResponseEncoder.shared.encode(body)
        var headers = HTTPFields()
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
