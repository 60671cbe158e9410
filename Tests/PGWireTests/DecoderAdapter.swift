import NIOCore

/// Turns a "decode one value from a buffer" function into a `ByteToMessageDecoder`, so that
/// NIOTestUtils' verifier can feed our plain decoding functions byte by byte and coalesced.
struct DecoderAdapter<Output: Equatable>: ByteToMessageDecoder {
    typealias InboundOut = Output

    let step: (inout ByteBuffer) throws -> Output?

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let output = try self.step(&buffer) else {
            return .needMoreData
        }
        context.fireChannelRead(Self.wrapInboundOut(output))
        return .continue
    }
}
