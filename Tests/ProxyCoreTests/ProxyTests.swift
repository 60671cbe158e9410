import SluiceTestSupport
import Testing

/// The proxy in-process against the real PostgreSQL named by
/// `SLUICE_TEST_UPSTREAM_URL`; the nested suites live in their own files.
///
/// Serialized because several tests measure time (cancel within 1 s, a stall
/// closed after 1 s, a shutdown grace period): on a 2-core CI machine, running
/// them alongside 200,000-row transfers would test the scheduler instead.
/// The time limit is only a backstop against a hang (every read has its own
/// deadline); it is generous because a debug build streaming 200,000 rows on
/// an overloaded machine has been seen to need half a minute.
@Suite(.serialized, .enabled(if: TestPostgres.shouldRun), .timeLimit(.minutes(2)))
struct ProxyTests {}
