import Testing

@testable import ControlPlane

@Suite struct UpstreamServerTests {
    @Test func parsesAFullURL() throws {
        let server = try #require(UpstreamServer(url: "postgresql://admin:s%40cr%3At@db.internal:6543/maint?name=primary"))
        #expect(server.name == "primary")
        #expect(server.host == "db.internal")
        #expect(server.port == 6543)
        #expect(server.adminUser == "admin")
        #expect(server.adminPassword == "s@cr:t")
        #expect(server.adminDatabase == "maint")
        #expect(!server.tls)
    }

    @Test func appliesDefaults() throws {
        let server = try #require(UpstreamServer(url: "postgres://postgres@localhost", name: "local"))
        #expect(server.name == "local")
        #expect(server.port == 5432)
        #expect(server.adminPassword == nil)
        #expect(server.adminDatabase == "postgres")
        #expect(UpstreamServer(url: "postgresql://u@h/")?.name == "default")
    }

    @Test func theURLsNameWinsOverTheFallback() {
        #expect(UpstreamServer(url: "postgresql://u:p@h/db?name=replica", name: "fallback")?.name == "replica")
    }

    @Test func readsSSLModeAndIPv6() throws {
        let server = try #require(UpstreamServer(url: "postgresql://u:p@[::1]:5433/db?sslmode=verify-full&name=v6"))
        #expect(server.host == "::1")
        #expect(server.port == 5433)
        #expect(server.tls)
        #expect(UpstreamServer(url: "postgresql://u@h/db?sslmode=disable")?.tls == false)
    }

    @Test func passwordsMayContainAtSigns() {
        #expect(UpstreamServer(url: "postgresql://u:p@ss@h/db")?.adminPassword == "p@ss")
    }

    @Test(arguments: [
        "mysql://u:p@h/db",
        "postgresql://h/db",
        "postgresql://:p@h/db",
        "postgresql://u:p@h:0/db",
        "postgresql://u:p@h:99999/db",
        "postgresql://u:p@h:abc/db",
        "postgresql://u:p@/db",
        "postgresql://u:%zz@h/db",
        "postgresql://u:p@h/db?sslmode=bogus",
        "postgresql://u:p@[::1/db",
    ])
    func rejectsMalformedURLs(url: String) {
        #expect(UpstreamServer(url: url) == nil)
    }

    @Test func descriptionsRedactThePassword() throws {
        let server = try #require(UpstreamServer(url: "postgresql://admin:TopSecret99@h:5432/postgres?name=p"))
        #expect(!"\(server)".contains("TopSecret99"))
        #expect(!String(reflecting: server).contains("TopSecret99"))
        let configuration = try ControlPlaneConfiguration(upstreams: [server], masterKey: .generate())
        #expect(!"\(configuration)".contains("TopSecret99"))
    }

    @Test func configurationIsValidated() throws {
        let a = UpstreamServer(name: "a", host: "h", adminUser: "u", adminPassword: nil)
        let configuration = try ControlPlaneConfiguration(upstreams: [a], masterKey: .generate())
        #expect(configuration.controlUpstream == a)
        #expect(configuration.controlDatabase == "sluice_control")
        #expect(configuration.customerConnectionLimit == 64)
        #expect(configuration.upstream(named: "a") == a)
        #expect(configuration.upstream(named: "b") == nil)

        #expect(throws: ControlPlaneError.self) { try ControlPlaneConfiguration(upstreams: [], masterKey: .generate()) }
        #expect(throws: ControlPlaneError.self) {
            try ControlPlaneConfiguration(upstreams: [a, a], masterKey: .generate())
        }
        #expect(throws: ControlPlaneError.self) {
            try ControlPlaneConfiguration(upstreams: [a], controlDatabase: "", masterKey: .generate())
        }
        #expect(throws: ControlPlaneError.self) {
            try ControlPlaneConfiguration(upstreams: [a], masterKey: .generate(), customerConnectionLimit: 0)
        }
    }
}
