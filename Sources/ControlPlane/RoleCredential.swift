import Foundation
import PGSession
import SluiceModel

/// Everything the proxy needs to log a workspace role in on both sides: the
/// plaintext password for SCRAM towards the upstream, and the verifier for
/// SCRAM towards clients.
///
/// The description never shows the password, so the value can be logged or
/// interpolated into an error by accident without leaking it.
public struct RoleCredential: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible {
    public var workspace: WorkspaceID
    public var role: RoleKind
    /// The role's name on the upstream server (`ws_<id>_<role>`).
    public var roleName: String
    /// The decrypted password.
    public var password: String
    public var verifier: SCRAMVerifier
    public var upstream: UpstreamServer
    /// The workspace database on the upstream (`ws_<id>`).
    public var database: String
    public var rotatedAt: Date

    public init(
        workspace: WorkspaceID,
        role: RoleKind,
        roleName: String,
        password: String,
        verifier: SCRAMVerifier,
        upstream: UpstreamServer,
        database: String,
        rotatedAt: Date
    ) {
        self.workspace = workspace
        self.role = role
        self.roleName = roleName
        self.password = password
        self.verifier = verifier
        self.upstream = upstream
        self.database = database
        self.rotatedAt = rotatedAt
    }

    public var description: String {
        "RoleCredential(\(roleName)@\(upstream.name)/\(database), password: <redacted>)"
    }

    public var debugDescription: String { description }
}
