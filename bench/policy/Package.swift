// swift-tools-version:6.1
import PackageDescription

/// A path dependency's identity is the last component of its directory, lower-cased:
/// "main" for /work/main, "sluice" for a checkout named sluice.
let sluiceRoot = Context.packageDirectory.split(separator: "/").dropLast(2).last.map(String.init) ?? "sluice"
let sluiceIdentity = sluiceRoot.lowercased()

/// Micro-benchmark of the statement policy (bench/README.md). A package of its
/// own so that it stays out of the main package graph and CI: build and run it
/// with `bench/policy/run.sh`.
let package = Package(
    name: "sluice-policy-bench",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(path: "../.."),
    ],
    targets: [
        .executableTarget(
            name: "PolicyBench",
            dependencies: [.product(name: "SQLPolicy", package: sluiceIdentity), "RawParse"]
        ),
        // libpg_query called directly, for the breakdown rows.
        .target(name: "RawParse", linkerSettings: [.linkedLibrary("pg_query")]),
    ],
    swiftLanguageModes: [.v6]
)
