import BulkheadCatalogue
import BulkheadCore
import BulkheadTestSupport
import Foundation
import Testing

/// The SwiftLint-style guarantee, for every family of the catalogue (Kubernetes, AWS, chains):
/// every check carries failing and passing examples, and every example is proven by the one
/// harness (`ExampleHarness`): reported where it says, suppressible, judged alone when object-scoped.
@Suite("Check examples")
struct CheckExamplesTests {
    static let registry = Catalogue.registry

    @Test func everyCheckHasMetadataAndBothKindsOfExample() {
        let problems = ExampleHarness.metadataProblems(Self.registry)
        #expect(problems.isEmpty, "\(problems)")
        #expect(Self.registry.descriptors.count > 120)
    }

    @Test(arguments: ExampleHarness.cases(Catalogue.registry))
    func example(_ testCase: ExampleHarness.Case) {
        let problems = ExampleHarness.problems(testCase, registry: Self.registry)
        #expect(problems.isEmpty, "\(testCase): \(problems)")
    }

    /// Writes what each violating example's findings point at (run with BULKHEAD_DUMP_EXAMPLES=file).
    @Test(.enabled(if: ProcessInfo.processInfo.environment["BULKHEAD_DUMP_EXAMPLES"] != nil))
    func dump() throws {
        var lines: [String] = []
        for testCase in ExampleHarness.cases(Self.registry) where testCase.example.expect == .violation {
            let result = Scanner(registry: Self.registry, options: testCase.example.options).scan(text: testCase.example.manifest, file: "example.yaml")
            let paths = result.findings.filter { $0.checkID == testCase.checkID }.map(\.fieldPath)
            var seen = Set<String>()
            let unique = paths.filter { seen.insert($0).inserted }
            let json = try JSONSerialization.data(withJSONObject: ["check": testCase.checkID, "index": testCase.index, "paths": unique] as [String: Any])
            lines.append(String(decoding: json, as: UTF8.self))
        }
        try lines.joined(separator: "\n").write(toFile: ProcessInfo.processInfo.environment["BULKHEAD_DUMP_EXAMPLES"] ?? "", atomically: true, encoding: .utf8)
    }
}

extension ExampleHarness.Case: CustomTestStringConvertible {
    public var testDescription: String { description }
}
