// bench-floor: the cheapest proxy SwiftNIO allows, for bench/txpool.sh's `floor` target.
//
//   bench-floor LISTEN_PORT UPSTREAM_PORT [THREADS]
//
// Every client connection gets a server connection of its own on the same event
// loop, and bytes are pumped both ways as they arrive: no parsing, no pooling, no
// policy, no TLS. Whatever a NIO-based pooler does per transaction costs at least
// this much: it is the floor under Sluice's numbers, measured in the same run.
import Glibc
import NIOCore
import NIOPosix

/// Forwards every buffer read on its channel to `peer`, flushing once per read burst.
/// `@unchecked Sendable`: it is only touched on its channel's event loop, which the
/// server connection shares (the connect callback that attaches it runs there too).
final class Pump: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    /// Set once the server connection is up; reads before that are held.
    private var peer: Channel?
    private var held: [ByteBuffer] = []
    private var unflushed = false

    init(peer: Channel? = nil) {
        self.peer = peer
    }

    /// Runs on the client channel's event loop (the server connection shares it).
    func attach(_ server: Channel) {
        peer = server
        for buffer in held {
            server.write(buffer, promise: nil)
        }
        held = []
        server.flush()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        guard let peer else {
            held.append(buffer)
            return
        }
        peer.write(buffer, promise: nil)
        unflushed = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if unflushed {
            unflushed = false
            peer?.flush()
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        peer?.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        context.close(promise: nil)
    }
}

func standardError(_ line: String) {
    let text = line + "\n"
    _ = text.withCString { Glibc.write(2, $0, strlen($0)) }
}

let arguments = CommandLine.arguments
guard arguments.count >= 3, let listenPort = Int(arguments[1]), let upstreamPort = Int(arguments[2]) else {
    standardError("usage: bench-floor LISTEN_PORT UPSTREAM_PORT [THREADS]")
    exit(2)
}
let threads = arguments.count > 3 ? Int(arguments[3]) ?? 2 : 2
let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
let listener = try ServerBootstrap(group: group)
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
    .childChannelInitializer { client in
        let clientPump = Pump()
        return client.pipeline.addHandler(clientPump).flatMap {
            ClientBootstrap(group: client.eventLoop)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .channelInitializer { server in server.pipeline.addHandler(Pump(peer: client)) }
                .connect(host: "127.0.0.1", port: upstreamPort)
                .map { server in clientPump.attach(server) }
        }
    }
    .bind(host: "127.0.0.1", port: listenPort)
    .wait()
standardError("bench-floor listening on \(listener.localAddress?.port ?? 0), upstream port \(upstreamPort), \(threads) threads")
try listener.closeFuture.wait()
