// swift-tools-version:6.1
import PackageDescription

/// The proxy's hot path calls generic value types of these modules
/// (`PoolStateMachine<Int, Int>`, `ResponseTracker<FlowToken>`) once or twice
/// per transaction: release builds serialize their bodies so ProxyCore can
/// specialize them instead of resolving generic metadata at run time.
let crossModuleOptimization: [SwiftSetting] = [
    .unsafeFlags(["-cross-module-optimization"], .when(configuration: .release)),
]

/// The package graph is the architecture: each target imports only the layer
/// below it (see docs/architecture.md and scripts/check-layering.sh).
let package = Package(
    name: "sluice",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "sluice", targets: ["sluice"]),
        // bench/txpool.sh's `floor` target: a NIO byte pump, the floor under any NIO proxy.
        .executable(name: "bench-floor", targets: ["bench-floor"]),
        // For bench/ (a separate package, kept out of this graph).
        .library(name: "SQLPolicy", targets: ["SQLPolicy"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.8.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk.git", from: "0.12.1"),
    ],
    targets: [
        // Layer 0
        .target(
            name: "PGWire",
            dependencies: [.product(name: "NIOCore", package: "swift-nio")]
        ),
        .target(name: "SluiceModel"),
        .systemLibrary(
            name: "CPGQuery",
            providers: [.apt(["libpg-query-dev"])]
        ),
        // Layer 1
        .target(
            name: "SQLPolicy",
            dependencies: ["CPGQuery", "SluiceModel"]
        ),
        .target(
            name: "PGSession",
            dependencies: [
                "PGWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: crossModuleOptimization
        ),
        .target(
            name: "SluicePool",
            dependencies: [
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: crossModuleOptimization
        ),
        // Layer 2
        .target(
            name: "ControlPlane",
            dependencies: [
                "SluiceModel",
                "PGSession",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Layer 3
        .target(
            name: "ProxyCore",
            dependencies: [
                "PGWire", "PGSession", "SluicePool", "SluiceModel", "SQLPolicy",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Layer 4: the HTTP API
        .target(
            name: "AdminAPI",
            dependencies: [
                "ControlPlane", "SluiceModel", "SQLPolicy",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Layer 5: composition root
        .target(
            name: "SluiceApp",
            dependencies: [
                "ProxyCore", "ControlPlane", "SluiceModel", "PGWire", "PGSession", "SQLPolicy", "AdminAPI",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Agent tools: a client of the HTTP API (CLI and MCP server); imports no server layer.
        .target(
            name: "SluiceTools",
            dependencies: [
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Layer 6
        .executableTarget(
            name: "sluice",
            dependencies: [
                "SluiceApp", "SQLPolicy", "SluiceModel", "SluiceTools",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Benchmarks
        .executableTarget(
            name: "bench-floor",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "bench/floor"
        ),
        // Tests
        .target(
            name: "SluiceTestSupport",
            dependencies: [
                "PGWire", "PGSession", "SluiceModel",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            path: "Tests/SluiceTestSupport"
        ),
        .testTarget(
            name: "PGWireTests",
            dependencies: [
                "PGWire",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOTestUtils", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "SluiceModelTests", dependencies: ["SluiceModel"]),
        .testTarget(
            name: "SluiceToolsTests",
            dependencies: ["SluiceTools", .product(name: "MCP", package: "swift-sdk")]
        ),
        .testTarget(name: "SQLPolicyTests", dependencies: ["SQLPolicy", "SluiceModel"]),
        .testTarget(name: "PGSessionTests", dependencies: ["PGSession", "PGWire", "SluiceTestSupport"]),
        .testTarget(name: "SluicePoolTests", dependencies: ["SluicePool"]),
        .testTarget(
            name: "ControlPlaneTests",
            dependencies: [
                "ControlPlane", "SluiceModel", "PGSession", "SluiceTestSupport",
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ]
        ),
        .testTarget(
            name: "AdminAPITests",
            dependencies: [
                "AdminAPI", "ControlPlane", "SluiceModel", "SluiceTestSupport", "ProxyCore", "SluiceApp",
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ProxyCoreTests",
            dependencies: [
                "ProxyCore", "PGWire", "SluiceTestSupport", "SluiceApp",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
