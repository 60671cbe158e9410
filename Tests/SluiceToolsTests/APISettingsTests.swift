import Testing
@testable import SluiceTools

@Suite struct APISettingsTests {
    @Test func optionsBeatEnvironmentBeatsDevEnv() throws {
        let devEnv: (String) -> [String: String]? = { path in
            path == ".sluice/dev.env" ? ["SLUICE_API": "http://dev:1", "SLUICE_API_KEY": "devkey"] : nil
        }
        let fromDev = try APISettings.resolve(api: nil, apiKey: nil, environment: [:], devEnv: devEnv)
        #expect(fromDev.baseURL.absoluteString == "http://dev:1" && fromDev.apiKey == "devkey")
        let fromEnvironment = try APISettings.resolve(
            api: nil, apiKey: nil, environment: ["SLUICE_API": "https://api.example", "SLUICE_API_KEY": "envkey"], devEnv: devEnv
        )
        #expect(fromEnvironment.baseURL.absoluteString == "https://api.example" && fromEnvironment.apiKey == "envkey")
        let fromOptions = try APISettings.resolve(
            api: "http://opt:2", apiKey: "optkey", environment: ["SLUICE_API": "https://api.example", "SLUICE_API_KEY": "envkey"], devEnv: devEnv
        )
        #expect(fromOptions.baseURL.absoluteString == "http://opt:2" && fromOptions.apiKey == "optkey")
    }

    @Test func devEnvFromTheStateDirectory() throws {
        var asked: [String] = []
        let settings = try APISettings.resolve(api: nil, apiKey: nil, environment: ["SLUICE_STATE_DIR": "/tmp/s"]) { path in
            asked.append(path)
            return path == "/tmp/s/dev.env" ? ["SLUICE_API": "http://127.0.0.1:9", "SLUICE_API_KEY": "k"] : nil
        }
        #expect(asked == ["/tmp/s/dev.env"])
        #expect(settings.apiKey == "k")
    }

    @Test func refusesMissingOrUnusableSettings() {
        #expect(throws: ToolsError.self) { try APISettings.resolve(api: nil, apiKey: "k", environment: [:], devEnv: { _ in nil }) }
        #expect(throws: ToolsError.self) { try APISettings.resolve(api: "http://x", apiKey: nil, environment: [:], devEnv: { _ in nil }) }
        #expect(throws: ToolsError.self) { try APISettings.resolve(api: "ftp://x", apiKey: "k", environment: [:], devEnv: { _ in nil }) }
        #expect(throws: ToolsError.self) { try APISettings.resolve(api: "http://x", apiKey: "a b", environment: [:], devEnv: { _ in nil }) }
    }

    @Test func parsesDevEnvAsSluiceDevWritesIt() {
        let values = DevEnvFile.parse("""
            SLUICE_API=http://127.0.0.1:8080
            SLUICE_API_KEY='sk_ab'\\''c'
            # a comment
            export OTHER="x \\"y\\""
            """)
        #expect(values["SLUICE_API"] == "http://127.0.0.1:8080")
        #expect(values["SLUICE_API_KEY"] == "sk_ab'c")
        #expect(values["OTHER"] == "x \"y\"")
    }

    @Test func buildsEncodedURLs() throws {
        let client = ToolsClient(settings: APISettings(baseURL: try #require(.init(string: "http://h:1/base/")), apiKey: "k"))
        #expect(try client.url(["v1", "demo", "data_queries", "a b/c", "invoke"]).absoluteString
            == "http://h:1/base/v1/demo/data_queries/a%20b%2Fc/invoke")
    }
}
