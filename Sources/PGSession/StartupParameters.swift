import Foundation
import PGWire

/// What a client asked for in its StartupMessage, split into what the proxy
/// consumes itself and what must be applied on the server connection.
public struct StartupParameters: Sendable, Equatable {
    public var user: String
    public var database: String?
    /// `-c name=value` / `--name=value` switches of `options`, then every other
    /// parameter, in the order the client sent them. Applied as `SET`.
    public var settings: [StartupParameter]
    /// Proxy-only switches (`sluice.pooling`), never sent to the server.
    public var proxyOptions: [String: String]
    /// Protocol options (`_pq_.*`) the server does not know.
    public var unrecognizedProtocolOptions: [String]
    public var replication: String?
    /// The `options` parameter when it holds a switch other than `-c`/`--`:
    /// kept for the policy to deny (the machine does not decide policy).
    public var rejectedOptions: String?

    public enum Failure: Error, Equatable, Sendable {
        case missingUser
        case invalidOptions(String)
    }

    /// Parameters that identify the session rather than configure it.
    static let identity: Set<String> = ["user", "database", "options", "replication"]

    public static func parse(_ message: StartupMessage) -> Result<StartupParameters, Failure> {
        guard let user = message.user, !user.isEmpty else { return .failure(.missingUser) }
        var result = StartupParameters(
            user: user, database: message.database, settings: [], proxyOptions: [:],
            unrecognizedProtocolOptions: [], replication: message["replication"]
        )
        if let options = message["options"] {
            switch OptionsParser.parse(options) {
            case .success(let pairs):
                for pair in pairs {
                    if pair.name.lowercased().hasPrefix("sluice.") {
                        result.proxyOptions[pair.name.lowercased()] = pair.value
                    } else {
                        result.settings.append(pair)
                    }
                }
            case .failure:
                result.rejectedOptions = options
            }
        }
        for parameter in message.parameters where !identity.contains(parameter.name) {
            if parameter.name.hasPrefix("_pq_.") {
                result.unrecognizedProtocolOptions.append(parameter.name)
            } else if parameter.name.lowercased().hasPrefix("sluice.") {
                result.proxyOptions[parameter.name.lowercased()] = parameter.value
            } else {
                result.settings.append(parameter)
            }
        }
        return .success(result)
    }
}

/// Splits the `options` startup parameter the way the server does: words
/// separated by unescaped whitespace, `\` escaping the next character.
enum OptionsParser {
    static func parse(_ text: String) -> Result<[StartupParameter], StartupParameters.Failure> {
        var words: [String] = []
        var current = ""
        var escaping = false
        var inWord = false
        for character in text {
            if escaping {
                current.append(character)
                escaping = false
                inWord = true
            } else if character == "\\" {
                escaping = true
                inWord = true
            } else if character == " " || character == "\t" || character == "\n" || character == "\r" {
                if inWord { words.append(current); current = ""; inWord = false }
            } else {
                current.append(character)
                inWord = true
            }
        }
        if inWord { words.append(current) }

        var pairs: [StartupParameter] = []
        var index = 0
        while index < words.count {
            let word = words[index]
            var assignment: Substring
            if word == "-c" {
                index += 1
                guard index < words.count else { return .failure(.invalidOptions("-c requires a name=value argument")) }
                assignment = Substring(words[index])
            } else if word.hasPrefix("-c") {
                assignment = word.dropFirst(2)
            } else if word.hasPrefix("--") {
                assignment = word.dropFirst(2)
            } else {
                return .failure(.invalidOptions("only -c name=value and --name=value are accepted in options"))
            }
            guard let equals = assignment.firstIndex(of: "=") else {
                return .failure(.invalidOptions("-c \(assignment) requires a value"))
            }
            let name = assignment[..<equals].replacingOccurrences(of: "-", with: "_")
            let value = String(assignment[assignment.index(after: equals)...])
            guard !name.isEmpty else { return .failure(.invalidOptions("empty setting name in options")) }
            pairs.append(StartupParameter(name: name, value: value))
            index += 1
        }
        return .success(pairs)
    }
}
