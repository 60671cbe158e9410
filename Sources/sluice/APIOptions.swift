import ArgumentParser
import Foundation
import SluiceTools

/// Where the HTTP API is and the workspace key to use (tools, mcp).
struct APIOptions: ParsableArguments {
    @Option(name: .customLong("api"), help: ArgumentHelp("Base URL of the HTTP API (default: $SLUICE_API, else .sluice/dev.env).", valueName: "url"))
    var api: String?

    @Option(name: .customLong("api-key"), help: ArgumentHelp("Workspace API key (default: $SLUICE_API_KEY, else .sluice/dev.env); the environment keeps it out of ps.", valueName: "key"))
    var apiKey: String?

    func settings() throws(ToolsError) -> APISettings {
        try APISettings.resolve(api: api, apiKey: apiKey)
    }
}

/// Prints a failure of a tools command on stderr and picks the exit status:
/// 1 when the API refused or failed the request, 2 when it could not be made.
func reportToolsFailure(_ error: ToolsError, json: Bool) -> ExitCode {
    writeStandardError("error: \(error)\n")
    if case .api(let failure) = error {
        if json { writeStandardOutput(JSONValue.object([("error", failure.body)]).text + "\n") }
        return ExitCode(1)
    }
    return ExitCode(2)
}

func writeStandardError(_ text: String) {
    FileHandle.standardError.write(Data(text.utf8))
}

func writeStandardOutput(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
}

/// The API's answer exactly as sent, newline-terminated.
func writeRaw(_ response: APIResponse) {
    FileHandle.standardOutput.write(response.body)
    if response.body.last != UInt8(ascii: "\n") { writeStandardOutput("\n") }
}
