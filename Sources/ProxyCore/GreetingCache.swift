import NIOCore
import PGWire

/// What the server reported (`ParameterStatus`) to a login of one role with
/// given startup settings, so a later identical login under transaction
/// pooling is greeted without a server round trip.
///
/// Under transaction pooling a client holds no server connection between
/// transactions; the only reason to lease one at login is to apply the
/// client's startup settings (which validates them) and learn the
/// `ParameterStatus` values to greet it with. Once a login with exactly these
/// settings succeeded for this role, the next one gets the recorded values and
/// its settings are applied with its first transaction, as after any lease. A
/// client that connects for every transaction (serverless functions,
/// `pgbench -C`) then costs the server nothing at login.
///
/// Used only while the role's pool holds an open server connection, so a
/// login while the server is down still fails at once with 08006.
///
/// Entries expire after `lifetime` (a server restart or upgrade changes
/// `server_version` and friends), and the cache is emptied when it holds
/// `capacity` entries. One instance per event loop, used only on that loop.
final class GreetingCache {
    struct Key: Hashable {
        let target: UpstreamTarget
        let database: String
        let user: String
        /// Startup settings in the client's order, as name, value, name, value...
        let settings: [String]

        init(credential: ProxyCredential, settings: [StartupParameter]) {
            self.target = credential.target
            self.database = credential.serverDatabase
            self.user = credential.serverUser
            self.settings = settings.flatMap { [$0.name, $0.value] }
        }
    }

    private struct Entry {
        let parameterStatus: [(name: String, value: String)]
        let recorded: NIODeadline
    }

    let capacity: Int
    let lifetime: TimeAmount
    private var entries: [Key: Entry] = [:]

    init(capacity: Int = 1024, lifetime: TimeAmount = .seconds(60)) {
        self.capacity = capacity
        self.lifetime = lifetime
    }

    var count: Int { entries.count }

    func greeting(for key: Key, now: NIODeadline) -> [(name: String, value: String)]? {
        guard let entry = entries[key] else { return nil }
        guard now < entry.recorded + lifetime else {
            entries[key] = nil
            return nil
        }
        return entry.parameterStatus
    }

    func record(_ parameterStatus: [(name: String, value: String)], for key: Key, now: NIODeadline) {
        if entries[key] == nil, entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
        entries[key] = Entry(parameterStatus: parameterStatus, recorded: now)
    }

    /// A login with these settings failed: the next one asks the server again.
    func forget(_ key: Key) {
        entries[key] = nil
    }
}
