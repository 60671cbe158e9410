import PostgresNIO

/// Reads PostgresNIO errors without leaking what they carry.
///
/// `PSQLError`'s debug description includes the query and its bound values
/// (sealed passwords, verifiers); its plain description is a fixed text that
/// says nothing. This picks out only the SQLSTATE and the server's message,
/// which never echo a password, and looks through the transaction wrapper
/// PostgresNIO puts around errors thrown inside `withTransaction`.
enum PostgresFailure {
    /// SQLSTATEs the control plane reacts to.
    static let duplicateDatabase = "42P04"
    static let duplicateObject = "42710"
    static let uniqueViolation = "23505"

    /// The server's SQLSTATE for `error`, if the server sent one.
    static func sqlState(of error: any Error) -> String? {
        innermost(error)?.serverInfo?[.sqlState]
    }

    /// "SQLSTATE: message" for server errors, the client-side error code and
    /// underlying cause (connection refused, TLS...) otherwise.
    static func summary(of error: any Error) -> String {
        if let controlPlaneError = error as? ControlPlaneError {
            return controlPlaneError.description
        }
        if let transactionError = error as? PostgresTransactionError {
            if let inner = transactionError.closureError ?? transactionError.beginError ?? transactionError.commitError {
                return summary(of: inner)
            }
            return "transaction failed"
        }
        if let decodingError = error as? PostgresDecodingError {
            // Its description is deliberately vague; the column and target
            // type say what went wrong without showing the value.
            return "cannot decode column \(decodingError.columnName) as \(decodingError.targetType)"
        }
        guard let psqlError = error as? PSQLError else {
            // Connection pool and NIO errors name the failure and the address,
            // never query values.
            return String(describing: error)
        }
        if let serverInfo = psqlError.serverInfo {
            let state = serverInfo[.sqlState] ?? "?????"
            let message = serverInfo[.message] ?? "no message"
            return "\(state): \(message)"
        }
        if let underlying = psqlError.underlying {
            return "\(psqlError.code): \(summary(ofUnderlying: underlying))"
        }
        return "\(psqlError.code)"
    }

    /// Whether the error happened before or while logging in, so that the
    /// server could not be used at all (as opposed to a statement failing).
    static func isConnectionFailure(_ error: any Error) -> Bool {
        guard let inner = innermost(error) else {
            // Besides decoding errors, what PostgresNIO throws outside
            // PSQLError comes from the pool failing to connect.
            return !(error is ControlPlaneError || error is PostgresDecodingError || error is CancellationError)
        }
        if let state = inner.serverInfo?[.sqlState] {
            // Class 08: connection exception; 28: invalid authorization;
            // 3D000: the database does not exist; 57P03: cannot connect now.
            return state.hasPrefix("08") || state.hasPrefix("28") || state == "3D000" || state == "57P03"
        }
        return transportCodes.contains(inner.code)
    }

    /// Client-side error codes that mean no usable session with the server.
    private static let transportCodes: Set<PSQLError.Code> = [
        .connectionError, .serverClosedConnection, .clientClosedConnection, .uncleanShutdown, .poolClosed,
        .sslUnsupported, .failedToAddSSLHandler, .receivedUnencryptedDataAfterSSLRequest,
        .unsupportedAuthMechanism, .authMechanismRequiresPassword, .saslError,
    ]

    private static func innermost(_ error: any Error) -> PSQLError? {
        if let transactionError = error as? PostgresTransactionError,
           let inner = transactionError.closureError ?? transactionError.beginError ?? transactionError.commitError {
            return innermost(inner)
        }
        return error as? PSQLError
    }

    /// NIO's connection errors describe themselves by address and errno,
    /// which is what an operator needs and holds no secret.
    private static func summary(ofUnderlying error: any Error) -> String {
        if error is PSQLError || error is PostgresTransactionError {
            return summary(of: error)
        }
        return String(describing: error)
    }
}
