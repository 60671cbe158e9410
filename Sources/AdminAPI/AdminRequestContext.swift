import Hummingbird
import Logging

/// The per-request context of the API: Hummingbird's core storage plus the
/// request id the middleware assigns (echoed as `X-Request-Id` and attached
/// to every log line of the request).
public struct AdminRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by `RequestLogMiddleware` before any handler runs.
    public var requestID: String
    /// Filled in by handlers for the access log (see `RequestAudit`).
    let audit: RequestAudit

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.requestID = ""
        self.audit = RequestAudit()
    }

    /// The body limit also applies to Hummingbird's own decoding helpers.
    public var maxUploadSize: Int { RequestBodyDecoder.maxBytes }
}
