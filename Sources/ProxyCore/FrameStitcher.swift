import NIOCore
import PGWire

/// Splits a byte stream into protocol frames without copying what arrives
/// whole: complete frames are slices of the read buffer. Only a frame cut by
/// a read boundary is copied, and only its own bytes: the part already
/// received, then just enough of the next read to finish it.
struct FrameStitcher {
    private var partial: ByteBuffer?
    let maxLength: Int

    init(maxLength: Int) {
        self.maxLength = maxLength
    }

    /// Bytes held for an unfinished frame.
    var pendingBytes: Int { partial?.readableBytes ?? 0 }

    /// Feeds one read; calls `body` for every complete frame, in order.
    /// `body` returns false to stop (the rest is kept for later).
    mutating func feed(_ incoming: inout ByteBuffer, _ body: (Frame, ByteBuffer) -> Bool) throws(PGWireError) {
        if var stitched = partial {
            partial = nil
            // Finish the header first, then exactly the frame's remaining bytes.
            if stitched.readableBytes < 5 {
                let take = min(5 - stitched.readableBytes, incoming.readableBytes)
                if let head = incoming.readSlice(length: take) { stitched.writeImmutableBuffer(head) }
                if stitched.readableBytes < 5 {
                    partial = stitched
                    return
                }
            }
            guard let declared = stitched.getInteger(at: stitched.readerIndex + 1, as: Int32.self) else { return }
            let length = Int(declared)
            guard length >= 4 else { throw .invalidLength(length) }
            guard length <= maxLength else { throw .messageTooLarge(length: length, limit: maxLength) }
            let total = length + 1
            let take = min(total - stitched.readableBytes, incoming.readableBytes)
            if take > 0, let rest = incoming.readSlice(length: take) { stitched.writeImmutableBuffer(rest) }
            if stitched.readableBytes < total {
                partial = stitched
                return
            }
            guard let (frame, raw) = try Frame.decodeRaw(from: &stitched, maxLength: maxLength) else { return }
            if !body(frame, raw) {
                keep(&incoming)
                return
            }
        }
        while let (frame, raw) = try Frame.decodeRaw(from: &incoming, maxLength: maxLength) {
            if !body(frame, raw) { break }
        }
        keep(&incoming)
    }

    /// Copies what is left (a frame's beginning) into a buffer of its own,
    /// sized for the whole frame when the header says how long it is.
    private mutating func keep(_ incoming: inout ByteBuffer) {
        guard incoming.readableBytes > 0 else { return }
        var capacity = incoming.readableBytes
        if incoming.readableBytes >= 5, let declared = incoming.getInteger(at: incoming.readerIndex + 1, as: Int32.self) {
            capacity = max(capacity, min(Int(declared) + 1, 1 << 20))
        }
        var copy = ByteBufferAllocator().buffer(capacity: capacity)
        copy.writeBuffer(&incoming)
        partial = copy
    }

    /// Takes over bytes read before the stitcher was in charge.
    mutating func prepend(_ bytes: ByteBuffer) {
        guard bytes.readableBytes > 0 else { return }
        var copy = ByteBufferAllocator().buffer(capacity: bytes.readableBytes)
        copy.writeImmutableBuffer(bytes)
        partial = copy
    }
}
