import ProxyCore

/// A credential store in memory: exactly the answers a test lists, and
/// `.notFound` for every other user, the way the control plane answers an
/// unknown (or malformed) name.
struct InMemoryCredentials: CredentialProvider {
    var entries: [String: CredentialLookup]

    func credential(forUser user: String) async -> CredentialLookup {
        entries[user] ?? .notFound
    }
}
