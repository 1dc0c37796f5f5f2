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
        .library(name: "BulkheadReports", targets: ["BulkheadReports"]),
        .library(name: "BulkheadMatrix", targets: ["BulkheadMatrix"]),
        .library(name: "BulkheadHistory", targets: ["BulkheadHistory"]),
    ],
    dependencies: [
        // Yams is used for its bundled libyaml (module CYaml): the document tree is built from
        // libyaml's event stream, never by Codable decoding (see ARCHITECTURE.md).
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
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
            name: "BulkheadReports",
            dependencies: ["BulkheadCore"],
            swiftSettings: strict
        ),
        .target(
            name: "BulkheadMatrix",
            dependencies: ["BulkheadCore", "BulkheadKubernetes"],
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
                "BulkheadCore", "BulkheadKubernetes", "BulkheadReports", "BulkheadMatrix", "BulkheadHistory",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Stage-by-stage throughput for bench/scan.sh (not shipped).
        .executableTarget(
            name: "BulkheadBench",
            dependencies: ["BulkheadCore", "BulkheadKubernetes", .product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadCoreTests",
            dependencies: ["BulkheadCore"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadKubernetesTests",
            dependencies: ["BulkheadCore", "BulkheadKubernetes"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadReportsTests",
            dependencies: ["BulkheadCore", "BulkheadKubernetes", "BulkheadReports"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadMatrixTests",
            dependencies: ["BulkheadCore", "BulkheadKubernetes", "BulkheadMatrix", "BulkheadHistory"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BulkheadCLITests",
            dependencies: ["bulkhead"],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)
