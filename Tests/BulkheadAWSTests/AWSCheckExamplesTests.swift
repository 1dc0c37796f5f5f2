import BulkheadAWS
import BulkheadCore
import Testing

/// Every example of every AWS check, proven through the same scanner the CLI uses.
@Suite("AWS check examples")
struct AWSCheckExamplesTests {
    static let registry = AWSChecks.registry

    static var cases: [AWSExampleCase] {
        registry.descriptors.flatMap { descriptor in
            descriptor.examples.enumerated().map { AWSExampleCase(checkID: descriptor.id, index: $0.offset, example: $0.element) }
        }
    }

    @Test func everyCheckHasMetadataAndBothKindsOfExample() {
        let ids = Self.registry.descriptors.map(\.id)
        #expect(Set(ids).count == ids.count, "check IDs are unique")
        #expect(ids.count >= 8)
        for descriptor in Self.registry.descriptors {
            #expect(descriptor.category.hasPrefix("aws/") || descriptor.category.hasPrefix("chain/"), "\(descriptor.id) category")
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
    func example(_ testCase: AWSExampleCase) {
        let result = Scanner(registry: Self.registry, options: testCase.example.options)
            .scan(text: testCase.example.manifest, file: "template.yaml")
        #expect(result.errors.isEmpty, "example templates are valid: \(result.errors)")
        #expect(result.stats.templateResources > 0, "the template was read as CloudFormation")
        let hits = result.findings.filter { $0.checkID == testCase.checkID }
        let unknown = result.notAssessed.filter { $0.checkID == testCase.checkID }
        #expect(unknown.isEmpty, "\(testCase): examples resolve statically: \(unknown.map(\.reason))")
        switch testCase.example.expect {
        case .violation:
            #expect(!hits.isEmpty, "\(testCase) should be reported")
            for hit in hits {
                #expect(hit.location.line > 0 && !hit.fieldPath.isEmpty)
                #expect(hit.resource.kind.hasPrefix("AWS::") || hit.category.hasPrefix("chain/"), "chain findings sit on the Kubernetes object")
            }
        case .compliant:
            #expect(hits.isEmpty, "\(testCase) should not be reported: \(hits.map(\.message))")
        }
    }
}

struct AWSExampleCase: CustomTestStringConvertible, Sendable, CustomStringConvertible {
    var checkID: String
    var index: Int
    var example: CheckExample

    var description: String { "\(checkID) example \(index + 1) (\(example.expect.rawValue))" }
    var testDescription: String { description }
}
