import ModbusProtocol
import NIOCore

/// Cuts a Modbus TCP byte stream into MBAP frames. A header that cannot be Modbus TCP is an
/// error: the stream cannot be resynchronised, so the connection is closed.
public struct MBAPFrameDecoder: ByteToMessageDecoder {
  public typealias InboundOut = MBAPFrame

  public init() {}

  public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
    let available = min(buffer.readableBytes, MBAPFrame.headerLength + MBAPFrame.maxPDULength)
    guard let bytes = buffer.getBytes(at: buffer.readerIndex, length: available) else { return .needMoreData }
    var slice = bytes[...]
    guard let frame = try MBAPFrame.decode(from: &slice) else { return .needMoreData }
    buffer.moveReaderIndex(forwardBy: bytes.count - slice.count)
    context.fireChannelRead(wrapInboundOut(frame))
    return .continue
  }
}
