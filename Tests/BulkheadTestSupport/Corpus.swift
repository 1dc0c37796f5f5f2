import Foundation
import Testing

/// `../shared` beside the repository (CI lays it out; `BULKHEAD_SHARED` names another place): the
/// labelled corpora, the seed documents and the AWS emulator. A fresh clone has none of it: the
/// tests that read it are skipped, each with one line saying so (`.enabled(if: Shared.hasCorpus, ...)`).
public enum Shared {
    public static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    public static var root: URL {
        if let path = ProcessInfo.processInfo.environment["BULKHEAD_SHARED"], !path.isEmpty { return URL(fileURLWithPath: path) }
        return repository.deletingLastPathComponent().appendingPathComponent("shared")
    }

    public static var corpus: URL { root.appendingPathComponent("corpus") }
    public static var seeds: URL { root.appendingPathComponent("seeds") }

    public static var hasCorpus: Bool { FileManager.default.fileExists(atPath: corpus.appendingPathComponent("SOURCES.md").path) }
    public static var hasSeeds: Bool { FileManager.default.fileExists(atPath: seeds.path) }

    public static let noCorpus: Comment = "skipped: needs ../shared/corpus (real manifests, templates and labelled fixtures from public projects) beside the repository"
    public static let noSeeds: Comment = "skipped: needs ../shared/seeds (the shared-responsibility documents) beside the repository"
}

/// The labelled corpora in `../shared/corpus` beside the repository, as CI lays it out.
public enum Corpus {
    public static var root: URL { Shared.corpus }

    /// One row of a folder's `expected.jsonl`.
    public struct Label: Decodable, Sendable {
        public var file: String
        public var check: String
        public var expect: String
        public var resource: String?
    }

    public static func labels(_ folder: String) throws -> [Label] {
        let text = try String(contentsOf: root.appendingPathComponent("\(folder)/expected.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Label.self, from: Data($0.utf8)) }
    }
}

/// A local stand-in server (a Python script) on an ephemeral loopback port, which it writes to the
/// file named by its last argument.
public final class LocalServer {
    public let port: Int
    private let process: Process
    private let portFile: URL

    public init(python arguments: [String]) throws {
        portFile = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-server-\(UUID().uuidString)")
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments + [portFile.path]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        var found: Int?
        for _ in 0..<100 where found == nil {
            found = (try? String(contentsOf: portFile, encoding: .utf8)).flatMap { Int($0) }
            if found == nil { usleep(100_000) }
        }
        guard let found else {
            kill(process.processIdentifier, SIGKILL)
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "the stand-in server did not start"])
        }
        port = found
    }

    /// SIGKILL: a child of the test runner may inherit a signal mask that blocks SIGTERM.
    public func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(at: portFile)
    }
}
