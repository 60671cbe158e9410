import NIOCore
import NIOPosix

/// A TCP relay in front of the test server that passes every connection on
/// as is, except that a CancelRequest connection is held back for
/// `cancelDelay` first: a cancel that is slow to reach the server, on demand.
final class DelayingRelay: Sendable {
    let port: Int
    private let listener: Channel

    private init(port: Int, listener: Channel) {
        self.port = port
        self.listener = listener
    }

    static func start(upstreamHost: String, upstreamPort: Int, cancelDelay: TimeAmount,
                      group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton) async throws -> DelayingRelay {
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(
                        ClientSide(upstreamHost: upstreamHost, upstreamPort: upstreamPort, cancelDelay: cancelDelay)
                    )
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        guard let port = listener.localAddress?.port else { throw TestRelayError.noPort }
        return DelayingRelay(port: port, listener: listener)
    }

    func stop() async {
        try? await listener.close()
    }

    enum TestRelayError: Error { case noPort }

    /// The accepted side: buffers until it knows what the connection is, then
    /// dials the server (later, for a cancel) and pipes both ways.
    private final class ClientSide: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let upstreamHost: String
        let upstreamPort: Int
        let cancelDelay: TimeAmount
        private var pending: [ByteBuffer] = []
        private var head = ByteBuffer()
        private var dialing = false
        private var server: Channel?
        private var clientGone = false

        init(upstreamHost: String, upstreamPort: Int, cancelDelay: TimeAmount) {
            self.upstreamHost = upstreamHost
            self.upstreamPort = upstreamPort
            self.cancelDelay = cancelDelay
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var buffer = unwrapInboundIn(data)
            if let server {
                server.writeAndFlush(buffer, promise: nil)
                return
            }
            pending.append(buffer)
            head.writeBuffer(&buffer)
            guard !dialing, head.readableBytes >= 8 else { return }
            dialing = true
            let isCancel = head.getInteger(at: head.readerIndex + 4, as: UInt32.self) == 80_877_102
            let client = context.channel
            let loop = context.eventLoop
            loop.assumeIsolated().scheduleTask(in: isCancel ? cancelDelay : .zero) { [self] in
                ClientBootstrap(group: loop)
                    .channelInitializer { server in
                        server.eventLoop.makeCompletedFuture { try server.pipeline.syncOperations.addHandler(ServerSide(client: client)) }
                    }
                    .connect(host: upstreamHost, port: upstreamPort)
                    .assumeIsolated()
                    .whenComplete { [self] result in
                        switch result {
                        case .success(let server):
                            guard !clientGone else {
                                server.close(promise: nil)
                                return
                            }
                            self.server = server
                            for buffer in pending { server.write(buffer, promise: nil) }
                            server.flush()
                            pending = []
                        case .failure:
                            client.close(promise: nil)
                        }
                    }
            }
        }

        func channelInactive(context: ChannelHandlerContext) {
            clientGone = true
            server?.close(promise: nil)
        }
    }

    private final class ServerSide: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let client: Channel

        init(client: Channel) {
            self.client = client
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            client.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            client.close(promise: nil)
        }
    }
}
