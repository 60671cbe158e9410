import SluiceTestSupport

/// The clients a harness opened, so it can close whatever a test left open
/// (even when the test failed half-way) before it shuts the proxy down;
/// otherwise shutdown would wait out its grace period for them.
actor ClientTracker {
    private var clients: [RawWireClient] = []

    func add(_ client: RawWireClient) {
        clients.append(client)
    }

    func closeAll() async {
        let open = clients
        clients = []
        for client in open {
            await client.close()
        }
    }
}
