import ControlPlane
import Foundation

/// Loads the master key and operator token: from the environment, from a
/// file named in configuration, or (dev only) generated once under the
/// state directory with owner-only permissions.
enum Secrets {
    enum Error: Swift.Error, CustomStringConvertible {
        case missing(String)
        case unreadable(String, String)
        case tooOpen(String)

        var description: String {
            switch self {
            case .missing(let what): "\(what) is not configured"
            case .unreadable(let path, let reason): "cannot read \(path): \(reason)"
            case .tooOpen(let path): "\(path) is readable by others; chmod 600 it"
            }
        }
    }

    static func masterKey(_ configuration: SluiceConfiguration, generateIn directory: String?) throws -> MasterKey {
        if let value = configuration.masterKeyBase64 { return try MasterKey(base64: value.trimmingWhitespace()) }
        if let path = configuration.masterKeyFile { return try MasterKey(base64: try readSecret(path)) }
        if let directory {
            let path = directory + "/master.key"
            if FileManager.default.fileExists(atPath: path) { return try MasterKey(base64: try readSecret(path)) }
            let key = try MasterKey(base64: randomBase64(bytes: 32))
            try writeSecret(key.base64, to: path)
            return key
        }
        throw Error.missing("the master key (SLUICE_MASTER_KEY or SLUICE_MASTER_KEY_FILE)")
    }

    static func operatorToken(_ configuration: SluiceConfiguration, generateIn directory: String?) throws -> String? {
        if let value = configuration.operatorToken { return value }
        if let path = configuration.operatorTokenFile { return try readSecret(path) }
        if let directory {
            let path = directory + "/operator.token"
            if FileManager.default.fileExists(atPath: path) { return try readSecret(path) }
            let token = "sluice_op_" + MasterKey.randomPassword(length: 40)
            try writeSecret(token, to: path)
            return token
        }
        return nil
    }

    static func readSecret(_ path: String) throws -> String {
        do {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            if let permissions = attributes[.posixPermissions] as? NSNumber, permissions.intValue & 0o077 != 0 {
                throw Error.tooOpen(path)
            }
            return try String(contentsOfFile: path, encoding: .utf8).trimmingWhitespace()
        } catch let error as Error {
            throw error
        } catch {
            throw Error.unreadable(path, "\(error)")
        }
    }

    static func writeSecret(_ value: String, to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        _ = FileManager.default.createFile(atPath: path, contents: Data((value + "\n").utf8), attributes: [.posixPermissions: 0o600])
    }

    static func randomBase64(bytes count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return Data(bytes).base64EncodedString()
    }
}
