/// A five-character SQLSTATE code, as carried in the `C` field of an `ErrorResponse`.
///
/// A wrapper instead of bare strings so that call sites read as intent
/// (`.tooManyConnections`) and typos in codes become compile errors.
public struct SQLState: RawRepresentable, Sendable, Hashable {
    public var rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public static let protocolViolation = SQLState(rawValue: "08P01")
    public static let connectionFailure = SQLState(rawValue: "08006")
    public static let connectionException = SQLState(rawValue: "08000")
    public static let invalidPassword = SQLState(rawValue: "28P01")
    public static let invalidAuthorizationSpecification = SQLState(rawValue: "28000")
    public static let insufficientPrivilege = SQLState(rawValue: "42501")
    public static let syntaxError = SQLState(rawValue: "42601")
    public static let tooManyConnections = SQLState(rawValue: "53300")
    public static let adminShutdown = SQLState(rawValue: "57P01")
    public static let queryCanceled = SQLState(rawValue: "57014")
    public static let featureNotSupported = SQLState(rawValue: "0A000")
    public static let invalidParameterValue = SQLState(rawValue: "22023")
    public static let inFailedSQLTransaction = SQLState(rawValue: "25P02")
    public static let undefinedObject = SQLState(rawValue: "42704")
    public static let invalidCatalogName = SQLState(rawValue: "3D000")
    public static let cannotConnectNow = SQLState(rawValue: "57P03")
    public static let idleInTransactionTimeout = SQLState(rawValue: "25P03")
    public static let internalError = SQLState(rawValue: "XX000")
}
