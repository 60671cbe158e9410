import NIOCore

/// Joins frames forwarded back to back into one buffer before they reach
/// the channel, so a server's answer (BindComplete, RowDescription, DataRow,
/// CommandComplete, ReadyForQuery: one read) leaves in one write of one slice
/// instead of five writes, five pending-write entries and five `iovec`s.
///
/// Nothing is copied: a frame joins the run only when its bytes are the very
/// bytes that follow the run in memory *and* inside the run's own capacity.
/// `Frame.decodeRaw` gives a frame's slice the capacity of the rest of its
/// read, so consecutive frames of one read qualify; anything else (an encoded
/// message, a frame of another read, a frame after a skipped one) starts a
/// new run. Two live allocations never overlap, so memory inside the run's
/// capacity that holds the next frame's bytes is the same storage; and
/// storage that slices share is never written again (a write to a shared
/// `ByteBuffer` copies it first), so the joined bytes are the frame's bytes.
struct WriteRun {
    private var pending: ByteBuffer?

    init() {}

    /// Nothing waits to be written.
    var isEmpty: Bool { pending == nil }

    /// Adds `bytes` after what is pending. Returns the pending run when
    /// `bytes` cannot join it: the caller writes that first.
    mutating func append(_ bytes: ByteBuffer) -> ByteBuffer? {
        guard let run = pending else {
            pending = bytes
            return nil
        }
        if Self.follows(bytes, run) {
            // Only the index moves: the bytes are already there.
            pending?.moveWriterIndex(forwardBy: bytes.readableBytes)
            return nil
        }
        pending = bytes
        return run
    }

    /// Writes `bytes` through the run: what cannot join it goes to `context` first.
    mutating func write(_ bytes: ByteBuffer, to context: ChannelHandlerContext?) {
        if let earlier = append(bytes) { context?.write(NIOAny(earlier), promise: nil) }
    }

    /// Hands what is pending to `context`: before a flush, and before any
    /// write that does not go through the run.
    mutating func drain(to context: ChannelHandlerContext?) {
        if let run = take() { context?.write(NIOAny(run), promise: nil) }
    }

    /// Takes what is pending, to write it now.
    mutating func take() -> ByteBuffer? {
        defer { pending = nil }
        return pending
    }

    /// Whether `next`'s readable bytes start where `run`'s end and lie within
    /// `run`'s capacity.
    static func follows(_ next: ByteBuffer, _ run: ByteBuffer) -> Bool {
        let count = next.readableBytes
        guard count > 0, run.writableBytes >= count else { return false }
        let runEnd = run.withUnsafeReadableBytes { bytes in bytes.baseAddress.map { $0 + bytes.count } }
        let nextStart = next.withUnsafeReadableBytes { $0.baseAddress }
        guard let runEnd, let nextStart else { return false }
        return runEnd == nextStart
    }
}
