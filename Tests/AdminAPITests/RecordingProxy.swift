import AdminAPI
import SluiceModel
import Synchronization

/// A stand-in for the running proxy that records what the API asked of it.
final class RecordingProxy: ProxyControl {
    struct Termination: Equatable {
        var workspace: WorkspaceID
        var role: RoleKind
        var message: String
    }

    private struct State {
        var invalidated: [WorkspaceID] = []
        var terminations: [Termination] = []
    }

    private let state = Mutex(State())
    /// What `terminateSessions` reports as ended.
    let openSessions: Int
    let isAcceptingConnections: Bool

    init(openSessions: Int = 2, accepting: Bool = true) {
        self.openSessions = openSessions
        self.isAcceptingConnections = accepting
    }

    var invalidated: [WorkspaceID] { state.withLock { $0.invalidated } }
    var terminations: [Termination] { state.withLock { $0.terminations } }

    func invalidateCredentials(workspace: WorkspaceID) {
        state.withLock { $0.invalidated.append(workspace) }
    }

    func terminateSessions(workspace: WorkspaceID, role: RoleKind, message: String) -> Int {
        state.withLock { $0.terminations.append(Termination(workspace: workspace, role: role, message: message)) }
        return openSessions
    }
}
