import Foundation

/// Where the HTTP API is and which key to present: from `--api`/`--api-key`,
/// else `SLUICE_API`/`SLUICE_API_KEY` in the environment, else the `dev.env`
/// that `sluice dev` writes (`$SLUICE_DEV_ENV`, `$SLUICE_STATE_DIR/dev.env`
/// or `.sluice/dev.env`).
public struct APISettings: Sendable, Equatable {
    public var baseURL: URL
    public var apiKey: String

    public init(baseURL: URL, apiKey: String) {
        self.baseURL = baseURL
        self.apiKey = apiKey
    }

    public static func resolve(
        api: String?, apiKey: String?,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        devEnv: (String) -> [String: String]? = DevEnvFile.load(path:)
    ) throws(ToolsError) -> APISettings {
        var api = nonEmpty(api) ?? nonEmpty(environment["SLUICE_API"])
        var key = nonEmpty(apiKey) ?? nonEmpty(environment["SLUICE_API_KEY"])
        if api == nil || key == nil {
            for path in devEnvPaths(environment: environment) {
                guard let values = devEnv(path) else { continue }
                api = api ?? nonEmpty(values["SLUICE_API"])
                key = key ?? nonEmpty(values["SLUICE_API_KEY"])
                break
            }
        }
        guard let api else {
            throw .configuration("no API address: set SLUICE_API (e.g. http://127.0.0.1:8080) or pass --api")
        }
        guard let key else {
            throw .configuration("no API key: set SLUICE_API_KEY or pass --api-key")
        }
        guard let url = URL(string: api), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = url.host, !host.isEmpty
        else {
            throw .configuration("SLUICE_API must be an http:// or https:// URL, not \"\(api)\"")
        }
        guard !key.contains(where: { $0.isWhitespace || $0.isNewline }) else {
            throw .configuration("the API key holds whitespace: check SLUICE_API_KEY")
        }
        return APISettings(baseURL: url, apiKey: key)
    }

    static func devEnvPaths(environment: [String: String]) -> [String] {
        var paths: [String] = []
        if let path = nonEmpty(environment["SLUICE_DEV_ENV"]) { paths.append(path) }
        if let directory = nonEmpty(environment["SLUICE_STATE_DIR"]) { paths.append(directory + "/dev.env") }
        paths.append(".sluice/dev.env")
        return paths
    }

    private static func nonEmpty(_ value: String?) -> String? {
        guard let value = value?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty else { return nil }
        return value
    }
}
