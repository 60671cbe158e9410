import SluiceTestSupport
import Testing

extension ProxyTests {
    /// Sessions one after another share server connections, and none sees
    /// what the one before it set.
    @Suite struct SessionReuse {
        @Test func serverConnectionIsReusedAndReset() async throws {
            let poolSize = 2
            // One event loop: every session lands on the same pool.
            try await ProxyHarness.run(threads: 1, configure: { $0.pool.maxConnections = poolSize }) { proxy in
                var pids: [String] = []
                var defaultWorkMem: String?
                for session in 0...poolSize {
                    let (client, _) = try await proxy.login()
                    let pid = try #require(try await client.simpleQuery("SELECT pg_backend_pid()").firstValue)
                    let workMem = try await client.simpleQuery("SHOW work_mem").firstValue
                    if let defaultWorkMem {
                        #expect(workMem == defaultWorkMem, "session \(session) on server process \(pid) inherited work_mem")
                    } else {
                        defaultWorkMem = workMem
                    }
                    let setting = "\(70 + session)MB"
                    #expect(try await client.simpleQuery("SET work_mem = '\(setting)'").errors.isEmpty)
                    #expect(try await client.simpleQuery("SHOW work_mem").firstValue == setting)
                    pids.append(pid)
                    await client.terminate()
                }
                // `poolSize + 1` sessions on at most `poolSize` server processes: one came back.
                // (Which one is not fixed: a connection a session SET something on is
                // cleaned with RESET ALL before it returns to the pool.)
                #expect(Set(pids).count <= poolSize, "server processes \(pids)")
            }
        }
    }
}
