import ControlPlane
import SluiceModel

/// Who a request acts for, decided once per request from its bearer token.
public enum Principal: Sendable, Equatable {
    /// The operator token from configuration: every operator endpoint, and
    /// any workspace it names.
    case operatorToken
    /// A workspace API key: its own workspace only, up to its permission.
    case apiKey(APIKeyRecord)

    /// What the access log may say about the caller: never the token, only
    /// the kind and, for a key, its public id.
    var logDescription: String {
        switch self {
        case .operatorToken: "operator"
        case .apiKey(let record): "key:\(record.id)"
        }
    }
}
