extension Duration {
    /// Whole nanoseconds clamped to `0...UInt64.max`.
    ///
    /// Pool timeouts are added to `PoolInstant`s, which are unsigned; clamping
    /// (rather than trapping) keeps a misconfigured negative or enormous
    /// duration from crashing the proxy's event loop.
    var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let (wholeSeconds, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        guard !overflow else { return UInt64.max }
        let (total, carry) = wholeSeconds.addingReportingOverflow(UInt64(attoseconds / 1_000_000_000))
        return carry ? UInt64.max : total
    }
}
