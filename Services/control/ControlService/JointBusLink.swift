import WorkcellRuntime

#if canImport(Glibc)
  import Glibc
#endif

/// The controller's UDP socket to one robot's joint bus, connected to the bus's address (so the
/// kernel drops datagrams from anyone else). Opened at start, so a bad address stops the service
/// before it serves; used only by the loop thread afterwards.
final class JointBusLink: Sendable {
  /// Where the bus is.
  let address: HostPort
  /// The socket (non-blocking receive, blocking send of one datagram).
  let socket: Int32

  init(_ address: HostPort) throws {
    self.address = address
    var hints = addrinfo()
    hints.ai_family = AF_INET
    hints.ai_socktype = Int32(SOCK_DGRAM.rawValue)
    var found: UnsafeMutablePointer<addrinfo>?
    let host = address.host == "localhost" ? "127.0.0.1" : address.host
    let status = getaddrinfo(host, "\(address.port)", &hints, &found)
    guard status == 0, let first = found else {
      throw ControlStartError("Cannot resolve the joint bus's host '\(address.host)' (getaddrinfo \(status)).")
    }
    defer { freeaddrinfo(found) }
    let fd = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
    guard fd >= 0 else { throw ControlStartError("Cannot open a UDP socket for the joint bus (errno \(errno)).") }
    guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else {
      let error = errno
      close(fd)
      throw ControlStartError("Cannot address the joint bus at udp \(address) (errno \(error)).")
    }
    socket = fd
  }

  deinit { close(socket) }

  /// Sends one datagram; false if the kernel refused it (e.g. nothing listens: ECONNREFUSED).
  func send(_ buffer: UnsafeRawBufferPointer) -> Bool {
    Glibc.send(socket, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) == buffer.count
  }

  /// Receives one waiting datagram into `buffer` without blocking; its size, or nil when none.
  func receive(into buffer: UnsafeMutableRawBufferPointer) -> Int? {
    while true {
      let count = recv(socket, buffer.baseAddress, buffer.count, Int32(MSG_DONTWAIT))
      if count >= 0 { return count }
      // ECONNREFUSED: an earlier send found no listener; nothing to read, go on.
      if errno == EINTR { continue }
      return nil
    }
  }

  /// Waits up to `milliseconds` for a datagram; true when one is waiting.
  func wait(milliseconds: Int32) -> Bool {
    var descriptor = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
    return poll(&descriptor, 1, milliseconds) > 0 && descriptor.revents & Int16(POLLIN) != 0
  }
}

/// control could not start (bad address, socket refused); the message says what to change.
struct ControlStartError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
