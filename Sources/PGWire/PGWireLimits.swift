/// Size limits applied while decoding, so that a peer cannot make us buffer
/// arbitrarily large messages before we get a chance to reject them.
public enum PGWireLimits {
    /// Upper bound for a typed message's length field (which counts itself).
    ///
    /// 1 GiB mirrors PostgreSQL's own allocation limit for a single message: anything larger
    /// could never be processed by the server, so rejecting it early costs nothing legitimate.
    public static let defaultMaxMessageLength = 1 << 30

    /// Upper bound for a startup packet's length field.
    ///
    /// Matches PostgreSQL's `MAX_STARTUP_PACKET_LENGTH`: startup packets arrive before
    /// authentication, so they must stay small to limit what an anonymous peer can cost us.
    public static let maxStartupPacketLength = 10_000
}
