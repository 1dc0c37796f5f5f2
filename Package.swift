// swift-tools-version:6.0
import PackageDescription

let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "Bulkhead",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "bulkhead", targets: ["bulkhead"]),
        .executable(name: "bulkhead-bench", targets: ["BulkheadBench"]),
        .library(name: "BulkheadCore", targets: ["BulkheadCore"]),
        .library(name: "BulkheadKubernetes", targets: ["BulkheadKubernetes"]),
        .library(name: "BulkheadAWS", targets: ["BulkheadAWS"]),
        .library(name: "BulkheadReports", targets: ["BulkheadReports"]),
        .library(name: "BulkheadMatrix", targets: ["BulkheadMatrix"]),
        .library(name: "BulkheadHistory", targets: ["BulkheadHistory"]),
        .library(name: "BulkheadAdmission", targets: ["BulkheadAdmission"]),
        .library(name: "BulkheadCatalogue", targets: ["BulkheadCatalogue"]),
        .library(name: "BulkheadChains", targets: ["BulkheadChains"]),
        .library(name: "BulkheadService", targets: ["BulkheadService"]),
        .library(name: "BulkheadImages", targets: ["BulkheadImages"]),
    ],
    dependencies: [
        // Yams is used for its bundled libyaml (module CYaml): the document tree is built from
        // libyaml's event stream, never by Codable decoding (see ARCHITECTURE.md).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        .target(
            name: "BulkheadCore",
            dependencies: [.product(name: "Yams", package: "Yams"), .product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: strict
        ),
        .target(
            name: "BulkheadKubernetes",
            dependencies: ["BulkheadCore"],
            swiftSettings: strict
        ),
        .target(
            name: "BulkheadAWS",
            dependencies: [
                "BulkheadCore", "BulkheadKubernetes",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        // The integration chains across domains (IRSA, secrets): the typed pod spec and the AWS inventory.
        .target(
            name: "BulkheadChains",
            dependencies: ["BulkheadCore", "BulkheadKubernetes", "BulkheadAWS"],
            swiftSettings: strict
        ),
        // The composition root: every check family in one registry, for every front door.
        .target(
            name: "BulkheadCatalogue",
            dependencies: ["BulkheadCore", "BulkheadKubernetes", "BulkheadAWS", "BulkheadChains", "BulkheadImages"],
            swiftSettings: strict
        ),
        .target(
            name: "BulkheadReports",
            dependencies: ["BulkheadCore"],
            swiftSettings: strict
        ),
        .target(
            name: "BulkheadMatrix",
            dependencies: ["BulkheadCore", "BulkheadKubernetes"],
            swiftSettings: strict
        ),
        // What every long-running server shares: HTTPS with certificate reload, health,
        // readiness, metrics, request deadline, watched files, graceful drain.
        .target(
            name: "BulkheadService",
            dependencies: [
                "BulkheadCore",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "BulkheadAdmission",
            dependencies: [
                "BulkheadCore", "BulkheadKubernetes", "BulkheadService",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // zlib, for gzip layers and zip exports: the reference implementation, linked from its static
        // archive by scripts/install.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", providers: [.apt(["zlib1g-dev"])]),
        // Container images: archives and registries, the layered file system, packages, SBOMs,
        // the vulnerability database and the image checks.
        .target(
            name: "BulkheadImages",
            dependencies: [
                "BulkheadCore", "BulkheadKubernetes", "BulkheadAWS", "CZlib",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "BulkheadHistory",
            dependencies: ["BulkheadCore", "BulkheadMatrix", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "bulkhead",
            dependencies: [
                "BulkheadCore", "BulkheadKubernetes", "BulkheadAWS", "BulkheadCatalogue", "BulkheadReports", "BulkheadMatrix", "BulkheadHistory", "BulkheadAdmission", "BulkheadImages",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Stage-by-stage throughput for bench/scan.sh (not shipped).
        .executableTarget(
            name: "BulkheadBench",
            dependencies: ["BulkheadCore", "BulkheadKubernetes", "BulkheadAdmission", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // What the libFuzzer targets do with their bytes; the tests replay seeds and regressions through it.
        .target(
            name: "BulkheadFuzzTargets",
            dependencies: ["BulkheadCore", "BulkheadKubernetes", "BulkheadAWS", "BulkheadAdmission", "BulkheadImages"],
            swiftSettings: strict
        ),
        // Helpers the test targets share (running outside tools); not part of the product.
        .target(
            name: "BulkheadTestSupport",
            dependencies: ["BulkheadCore"],
            path: "Tests/BulkheadTestSupport",
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadCoreTests",
            dependencies: ["BulkheadCore", "BulkheadTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadKubernetesTests",
            dependencies: ["BulkheadCore", "BulkheadKubernetes", "BulkheadTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadAWSTests",
            dependencies: [
                "BulkheadCore", "BulkheadAWS", "BulkheadTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadReportsTests",
            dependencies: ["BulkheadCore", "BulkheadKubernetes", "BulkheadReports", "BulkheadTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadMatrixTests",
            dependencies: ["BulkheadCore", "BulkheadKubernetes", "BulkheadCatalogue", "BulkheadMatrix", "BulkheadHistory", "BulkheadFuzzTargets", "BulkheadTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadAdmissionTests",
            dependencies: [
                "BulkheadCore", "BulkheadKubernetes", "BulkheadAdmission", "BulkheadService", "BulkheadTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadImagesTests",
            dependencies: ["BulkheadCore", "BulkheadImages", "BulkheadTestSupport", .product(name: "GRDB", package: "GRDB.swift"),
                           .product(name: "_CryptoExtras", package: "swift-crypto"),
                           .product(name: "AsyncHTTPClient", package: "async-http-client")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadCLITests",
            dependencies: ["bulkhead", "BulkheadTestSupport"],
            exclude: ["Fixtures"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)

// The libFuzzer targets (Sources/BulkheadFuzz), only for scripts/fuzz: built with
// `-sanitize=fuzzer`, which gives the binary libFuzzer's main, so it is no part of a normal build.
if Context.environment["BULKHEAD_FUZZ"] != nil {
    package.targets.append(.executableTarget(
        name: "BulkheadFuzz",
        dependencies: ["BulkheadFuzzTargets"],
        swiftSettings: strict + [.unsafeFlags(["-parse-as-library"])]
    ))
    package.products.append(.executable(name: "bulkhead-fuzz", targets: ["BulkheadFuzz"]))
}
