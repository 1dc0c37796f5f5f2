import BulkheadCatalogue
import BulkheadCore
import BulkheadKubernetes
import BulkheadTestSupport
import Foundation
import Testing

/// Every element of the seed — matrix rows, IaaS table lines, chain requirements, assumptions,
/// constraints, checklist items — has a control. The seed is read from ../shared/seeds.
@Suite("Controls catalogue")
struct CatalogueTests {
    static let seed = Shared.seeds.appendingPathComponent("shared-responsibility-model.md")

    /// The seed's elements, as the catalogue must name them.
    static func seedElements() throws -> [(kind: String, text: String)] {
        let text = try String(contentsOf: seed, encoding: .utf8)
        var elements: [(String, String)] = []
        var section = ""
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("## ") || line.hasPrefix("### ") { section = line }
            if line.hasPrefix("- **"), let end = line.range(of: "**:") {
                elements.append(("matrix row", String(line[line.index(line.startIndex, offsetBy: 4)..<end.lowerBound])))
            } else if line.hasPrefix("| "), !line.hasPrefix("| IaaS Control"), !line.hasPrefix("|---") {
                let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
                if let first = cells.first, !first.isEmpty { elements.append(("table line", first)) }
            } else if line.hasPrefix("- [ ] ") {
                elements.append(("checklist item", String(line.dropFirst(6))))
            } else if section.contains("Integration Points") || section.contains("Integration"), line.hasPrefix("- ") {
                elements.append(("chain requirement", String(line.dropFirst(2))))
            } else if let dot = line.firstIndex(of: "."), line.first?.isNumber == true, let bold = line.range(of: "**: ") {
                _ = dot
                elements.append(("assumption or constraint", String(line[bold.upperBound...])))
            }
        }
        return elements
    }

    @Test(.enabled(if: Shared.hasSeeds, Shared.noSeeds)) func everyElementOfTheSeedHasAControl() throws {
        let elements = try Self.seedElements()
        #expect(elements.filter { $0.kind == "matrix row" }.count == 20, "8 AWS rows and 12 customer rows")
        #expect(elements.filter { $0.kind == "table line" }.count == 17)
        #expect(elements.filter { $0.kind == "chain requirement" }.count == 16)
        #expect(elements.filter { $0.kind == "assumption or constraint" }.count == 12)
        #expect(elements.filter { $0.kind == "checklist item" }.count == 15)
        let texts = ControlCatalog.all.flatMap { [$0.source, $0.title, $0.statement] }
        for element in elements {
            #expect(texts.contains(element.text), "no control for the seed's \(element.kind) \"\(element.text)\"")
        }
    }

    @Test func controlsAreWellFormedAndChecksPointAtThem() {
        let ids = ControlCatalog.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        for control in ControlCatalog.all {
            for id in control.evidenceFrom { #expect(ControlCatalog.controls[id] != nil, "\(control.id) → \(id)") }
            if let parent = control.parent { #expect(ControlCatalog.controls[parent] != nil) }
            if control.owner == .aws { #expect(control.assessment == .inherited) }
        }
        // Every customer control that manifests can evidence has checks or a probe behind it.
        let descriptors = Catalogue.registry.descriptors
        let checkIDs = Set(descriptors.map(\.id))
        for control in ControlCatalog.all {
            for check in control.evidenceChecks { #expect(checkIDs.contains(check), "\(control.id) names unknown check \(check)") }
        }
        for control in ControlCatalog.all where control.assessment == .manifests && control.evidenceFrom.isEmpty {
            let checked = descriptors.contains { $0.controls.contains(control.id) } || !control.evidenceChecks.isEmpty
            #expect(checked || control.probe != nil, "\(control.id) has no evidence in this build")
        }
        // Every AWS-assessed control has AWS checks behind it (or rests on controls that do), but
        // those no check of this build judges yet.
        let unjudged: Set<String> = ["IAAS-NET-FIREWALL", "CHAIN-NETWORK-1"]
        for control in ControlCatalog.all where control.assessment == .aws && control.evidenceFrom.isEmpty && !unjudged.contains(control.id) {
            let checked = descriptors.contains { $0.controls.contains(control.id) } || !control.evidenceChecks.isEmpty
            #expect(checked, "\(control.id) is assessed from AWS inputs but no check evidences it")
        }
    }
}
