import NIOCore

/// Collects the bytes a peer sends and hands them to one reader at a time,
/// on the channel's event loop (all its state is confined there).
///
/// Why not `NIOAsyncChannel` or an `AsyncStream`: cancelling a pending read on
/// those ends the stream, and the tests need reads with a deadline that leave
/// the connection usable ("nothing more arrives within 200 ms", then go on).
final class WireInbox: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    /// Bytes received and not yet taken by a reader.
    private var received = ByteBuffer()
    /// The peer closed (or the connection failed); nothing more will arrive.
    private(set) var isClosed = false
    private var pending: PendingRead?
    private var nextReadID = 0

    /// A read waiting for more bytes: `attempt` returns true once it has
    /// answered its promise (with a value, `closed` or an error).
    private struct PendingRead {
        var id: Int
        var attempt: () -> Bool
        var timeout: Scheduled<Void>?
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        received.writeBuffer(&bytes)
        retryPending()
    }

    func channelInactive(context: ChannelHandlerContext) {
        isClosed = true
        retryPending()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset is just the end of the stream to a test client; what was
        // received before it stays readable.
        isClosed = true
        retryPending()
        context.close(promise: nil)
    }

    /// Answers with what `extract` takes from the received bytes, waiting
    /// for more until `deadline`. `extract` returns nil while it needs more;
    /// once the peer has closed and it still returns nil, the read fails
    /// with `RawWireError.closed`. Must be called on `eventLoop`.
    func read<Value: Sendable>(
        on eventLoop: EventLoop,
        deadline: NIODeadline,
        waitingFor what: String,
        _ extract: @escaping (inout ByteBuffer, _ closed: Bool) throws -> Value?
    ) -> EventLoopFuture<Value> {
        let promise = eventLoop.makePromise(of: Value.self)
        guard pending == nil else {
            promise.fail(RawWireError.concurrentRead)
            return promise.futureResult
        }
        let attempt: () -> Bool = { [self] in
            do {
                let value = try extract(&received, isClosed)
                compact()
                if let value {
                    promise.succeed(value)
                    return true
                }
                if isClosed {
                    promise.fail(RawWireError.closed(waitingFor: what))
                    return true
                }
                return false
            } catch {
                promise.fail(error)
                return true
            }
        }
        if attempt() { return promise.futureResult }
        nextReadID += 1
        let id = nextReadID
        let timeout = eventLoop.assumeIsolated().scheduleTask(deadline: deadline) { [self] in
            guard let current = pending, current.id == id else { return }
            pending = nil
            promise.fail(RawWireError.timedOut(waitingFor: what))
        }
        pending = PendingRead(id: id, attempt: attempt, timeout: timeout)
        return promise.futureResult
    }

    private func retryPending() {
        guard let current = pending, current.attempt() else { return }
        current.timeout?.cancel()
        pending = nil
    }

    /// Drops consumed bytes so the buffer holds at most a partial message;
    /// cheap because what remains is small (and it keeps a CoW copy, caused
    /// by a reader still holding slices, from copying everything received).
    private func compact() {
        if received.readableBytes == 0 {
            received.clear()
        } else if received.readerIndex > 0 {
            received.discardReadBytes()
        }
    }
}
