import BulkheadCore
import BulkheadKubernetes
import Testing

/// The SwiftLint-style guarantee: every check carries failing and passing examples, and every
/// example of every check is proven here through the same scanner the CLI uses.
@Suite("Check examples")
struct CheckExamplesTests {
    static let registry = KubernetesChecks.registry

    static var cases: [ExampleCase] {
        registry.descriptors.flatMap { descriptor in
            descriptor.examples.enumerated().map { ExampleCase(checkID: descriptor.id, scope: descriptor.scope, index: $0.offset, example: $0.element) }
        }
    }

    @Test func everyCheckHasMetadataAndBothKindsOfExample() {
        let ids = Self.registry.descriptors.map(\.id)
        #expect(Set(ids).count == ids.count, "check IDs are unique")
        for descriptor in Self.registry.descriptors {
            #expect(descriptor.examples.contains { $0.expect == .violation }, "\(descriptor.id) has no failing example")
            #expect(descriptor.examples.contains { $0.expect == .compliant }, "\(descriptor.id) has no passing example")
            #expect(!descriptor.title.isEmpty && !descriptor.description.isEmpty && !descriptor.remediation.isEmpty, "\(descriptor.id) metadata")
            #expect(!descriptor.controls.isEmpty, "\(descriptor.id) evidences no control")
            for control in descriptor.controls {
                #expect(ControlCatalog.controls[control] != nil, "\(descriptor.id) names unknown control \(control)")
            }
        }
    }

    @Test(arguments: cases)
    func example(_ testCase: ExampleCase) {
        let scanner = Scanner(registry: Self.registry, options: testCase.example.options)
        let result = scanner.scan(text: testCase.example.manifest, file: "example.yaml")
        #expect(result.errors.isEmpty, "example manifests are valid: \(result.errors)")
        let hits = result.findings.filter { $0.checkID == testCase.checkID }
        switch testCase.example.expect {
        case .violation:
            #expect(!hits.isEmpty, "\(testCase) should be reported")
            for hit in hits {
                #expect(hit.location.line > 0 && !hit.fieldPath.isEmpty)
            }
            // An object-scoped check (the ones the admission webhook runs) must see the violation
            // with each object judged alone, as the webhook judges it.
            if testCase.scope == .object {
                let documents = YAMLLoader().load(testCase.example.manifest, file: "example.yaml").documents
                let alone = ResourceExtractor.extract(documents, file: "example.yaml").resources.flatMap { resource in
                    scanner.scan(resources: [resource]).findings.filter { $0.checkID == testCase.checkID }
                }
                #expect(!alone.isEmpty, "\(testCase): object scope, but the violation needs other objects (scope: .cluster?)")
            }
        case .compliant:
            #expect(hits.isEmpty, "\(testCase) should not be reported: \(hits.map(\.message))")
        }
    }
}

struct ExampleCase: CustomTestStringConvertible, Sendable, CustomStringConvertible {
    var checkID: String
    var scope: CheckDescriptor.Scope
    var index: Int
    var example: CheckExample

    var description: String { "\(checkID) example \(index + 1) (\(example.expect.rawValue))" }
    var testDescription: String { description }
}
