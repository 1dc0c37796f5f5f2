import BulkheadCore
import Foundation
import Testing

/// A new input kind plugs into the engine without touching Core: a format that reads `.ini` files
/// into its own model, and a suite that judges that model, registered together.
@Suite("Input format seam")
struct InputFormatSeamTests {
    struct Setting: InputModel, Judged {
        var file: String
        var line: Int
        var key: String
        var value: String
        var ref: ResourceRef { ResourceRef(apiVersion: "ini", kind: "Setting", namespace: nil, name: key) }
        func location(_ mark: Mark?) -> BulkheadCore.SourceLocation { BulkheadCore.SourceLocation(file: file, mark: mark ?? Mark(line: line, column: 1)) }
    }

    struct INIFormat: InputFormat {
        var name: String { "INI file" }
        var fileExtensions: Set<String> { ["ini"] }
        func claims(file: String, head: UnsafeBufferPointer<UInt8>) -> Bool { file.hasSuffix(".ini") }
        func read(file: String, bytes: UnsafeBufferPointer<UInt8>, context: ReadContext) -> InputRead {
            var read = InputRead(documents: 1)
            for (index, line) in String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !line.isEmpty {
                let parts = line.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2 else {
                    read.diagnostics.append(Diagnostic(file: file, line: index + 1, column: 1, message: "expected key = value"))
                    continue
                }
                read.models.append(Setting(file: file, line: index + 1, key: parts[0], value: parts[1]))
            }
            return read
        }
    }

    struct INISuite: CheckSuite {
        static let debug = CheckDescriptor(id: "iniDebug", title: "Debug on", severity: .medium, category: "ini", description: "d",
                                           remediation: "r", controls: [], examples: [])
        var descriptors: [CheckDescriptor] { [Self.debug] }
        var formats: [any InputFormat] { [INIFormat()] }
        func selecting(_ keep: (CheckDescriptor) -> Bool) -> any CheckSuite { self }
        func evaluate(_ context: ScanContext) -> SuiteOutcome {
            var outcome = SuiteOutcome()
            for setting in context.models.of(Setting.self) where setting.key == "debug" {
                if setting.value == "true" {
                    outcome.record(.violation("debug is on", at: Mark(line: setting.line, column: setting.key.count + 4), "debug"), of: Self.debug, on: setting)
                } else if setting.value.hasPrefix("$") {
                    outcome.record(.notAssessed("set from \(setting.value) at deploy time", at: nil, "debug"), of: Self.debug, on: setting)
                }
            }
            return outcome
        }
    }

    @Test func aNewFormatAndItsSuitePlugInWithoutCore() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-ini-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "name = web\ndebug = true\nbroken line\n".write(to: directory.appendingPathComponent("a.ini"), atomically: true, encoding: .utf8)
        try "debug = $DEBUG\n".write(to: directory.appendingPathComponent("b.ini"), atomically: true, encoding: .utf8)
        let registry = CheckRegistry(suites: [INISuite()])
        #expect(registry.fileExtensions.contains("ini"))
        let inputs = InputDiscovery.discover([directory.path], extensions: registry.fileExtensions).inputs
        #expect(inputs.count == 2)
        let result = Scanner(registry: registry).scan(inputs)
        let finding = try #require(result.findings.first)
        #expect(result.findings.count == 1)
        #expect(finding.location.file.hasSuffix("a.ini") && finding.location.line == 2 && finding.location.column == 9)
        #expect(finding.resource.name == "debug" && finding.fieldPath == "debug")
        #expect(result.notAssessed.map(\.reason) == ["set from $DEBUG at deploy time"])
        // The malformed line is an error naming its place; the rest was still read.
        #expect(result.errors.contains { $0.file.hasSuffix("a.ini") && $0.line == 3 })
        // The same directory without the format: nothing is picked up.
        #expect(InputDiscovery.discover([directory.path]).inputs.isEmpty)
    }
}
