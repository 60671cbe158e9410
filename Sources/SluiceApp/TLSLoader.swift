import Crypto
import NIOSSL
import ProxyCore

/// Loads the proxy's certificate and key once at start (never per client).
enum TLSLoader {
    static func serverSettings(certificatePath: String, keyPath: String) throws -> TLSSettings {
        let chain = try NIOSSLCertificate.fromPEMFile(certificatePath)
        guard let leaf = chain.first else {
            throw SluiceConfiguration.Error.unreadable(path: certificatePath, reason: "no certificate in file")
        }
        let key = try NIOSSLPrivateKey(file: keyPath, format: .pem)
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        let context = try NIOSSLContext(configuration: configuration)
        // tls-server-end-point: SHA-256 of the DER certificate (RFC 5929).
        let der = try leaf.toDERBytes()
        return TLSSettings(context: context, channelBinding: Array(SHA256.hash(data: der)))
    }

    static func upstreamContext(caPath: String?) throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let caPath {
            configuration.trustRoots = .file(caPath)
        }
        return try NIOSSLContext(configuration: configuration)
    }
}
