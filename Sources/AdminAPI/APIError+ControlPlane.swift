import ControlPlane
import Hummingbird

extension APIError {
    /// The answer for an error of the control plane. Its descriptions are
    /// written to be shown (they never hold a password or a bound value),
    /// so operators get the server's own reason for 5xx answers too.
    init(controlPlane error: any Error) {
        if let apiError = error as? APIError {
            self = apiError
            return
        }
        guard let error = error as? ControlPlaneError else {
            self = .internalError
            return
        }
        switch error {
        case .workspaceExists(let id):
            self.init(.conflict, code: "workspace_exists", message: "workspace \(id.rawValue) already exists")
        case .workspaceNotFound(let id):
            self = .workspaceNotFound(id.rawValue)
        case .serverNamesTaken:
            self.init(.conflict, code: "workspace_exists", message: error.description)
        case .upstreamUnavailable:
            self.init(.serviceUnavailable, code: "upstream_unavailable", message: error.description)
        case .upstreamFailed:
            self.init(.badGateway, code: "upstream_error", message: error.description)
        case .provisioningFailed:
            self.init(.badGateway, code: "provisioning_failed", message: error.description)
        case .dataQueryNameTaken(let name):
            self.init(.conflict, code: "data_query_exists", message: "a data query named \(name) already exists in this workspace")
        case .dataQueryNotFound(let id):
            self.init(.notFound, code: "data_query_not_found", message: "data query \(id) not found")
        case .credentialNotFound, .unknownUpstream, .invalidConfiguration, .decryptionFailed, .corruptRecord, .database:
            self.init(.internalServerError, code: "internal_error", message: error.description)
        }
    }
}
