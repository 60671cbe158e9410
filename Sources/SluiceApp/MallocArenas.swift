#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// glibc gives each thread that contends for the heap its own arena, up to
/// eight per core, and memory freed in one arena is not reused by another.
/// A proxy that authenticates bursts of clients on its event loops and on
/// Swift's cooperative threads grows several arenas that stay mostly empty:
/// with 10,000 idle clients, RSS per client was 4.26 KiB with the default and
/// 3.93 KiB with one arena (bench/idle_clients.py), at no measurable cost in
/// throughput (glibc's per-thread caches still serve most allocations).
///
/// `MALLOC_ARENA_MAX` in the environment, if set, is left to glibc.
enum MallocArenas {
    static func limitUnlessConfigured(to count: Int32 = 1) {
        #if canImport(Glibc)
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil else { return }
        // malloc.h is not part of Glibc's Swift module: look `mallopt` up.
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        guard let process = dlopen(nil, RTLD_NOW), let symbol = dlsym(process, "mallopt") else { return }
        let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
        let arenaMax: Int32 = -8  // M_ARENA_MAX
        _ = mallopt(arenaMax, count)
        #endif
    }
}
