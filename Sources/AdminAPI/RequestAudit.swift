import Synchronization

/// What a handler learned about the request that the access log line,
/// written by the middleware after the handler returned, should carry.
///
/// A reference in the (value-typed) context, because the router hands the
/// handler a copy of the middleware's context: a plain field set by the
/// handler would never be seen by the middleware.
final class RequestAudit: Sendable {
    private let state = Mutex<String?>(nil)

    /// `operator` or `key:<id>`; never a token.
    var principal: String? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
