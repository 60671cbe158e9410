import ControlPlane

/// `/readyz`: ready when the control store answers, at least one upstream
/// accepts a new admin session (api.md: one down server of several leaves the
/// others' workspaces served), and the proxy listener is up, all within `timeout`.
struct ReadinessProbe: Sendable {
    let store: ControlStore
    let proxy: any ProxyControl
    let timeout: Duration

    /// The failing components, empty when ready.
    func failures() async -> [APIErrorDetail] {
        let timeout = self.timeout
        return await TimeLimit.run(
            within: timeout,
            orElse: { [APIErrorDetail(field: "readiness", message: "the checks did not finish within \(timeout)")] },
            { await self.check() }
        )
    }

    private func check() async -> [APIErrorDetail] {
        var failures: [APIErrorDetail] = []
        if !proxy.isAcceptingConnections {
            failures.append(APIErrorDetail(field: "proxy", message: "the PostgreSQL listener is not accepting connections yet"))
        }
        do {
            try await store.checkControlDatabase()
        } catch {
            failures.append(APIErrorDetail(field: "control_store", message: APIError(controlPlane: error).message))
        }
        let unreachable = await store.unreachableUpstreams()
        if unreachable.count >= store.configuration.upstreams.count {
            for (name, reason) in unreachable.sorted(by: { $0.key < $1.key }) {
                failures.append(APIErrorDetail(field: "upstream \(name)", message: reason))
            }
        }
        return failures
    }
}
