import Logging
import NIOCore
import NIOPosix
import PGWire

/// Passes a CancelRequest on to the Sluice process whose key it carries
/// (see `CancelRouting`), as a client would send it: one packet on a new
/// connection, closed once written, marked as passed on. The peer answers
/// nothing, as PostgreSQL does not, and handles it as its own (it never
/// passes a marked one on again).
enum CancelForwarder {
    /// The longest a forward may take to connect.
    static let timeout = TimeAmount.seconds(5)

    static func forward(_ request: CancelRequest, to peer: CancelRouting.Peer, on loop: any EventLoop, logger: Logger) {
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .connect(host: peer.host, port: peer.port)
            .flatMap { channel -> EventLoopFuture<Void> in
                var buffer = channel.allocator.buffer(capacity: 16)
                StartupPacket.cancel(CancelRouting.passedOn(request)).write(into: &buffer)
                // Written or not, the connection is done with.
                return channel.writeAndFlush(buffer).always { _ in channel.close(promise: nil) }
            }
            .whenFailure { error in
                logger.warning("could not pass a cancel request on to its Sluice instance", metadata: [
                    "peer": "\(peer)", "error": "\(error)",
                ])
            }
    }
}
