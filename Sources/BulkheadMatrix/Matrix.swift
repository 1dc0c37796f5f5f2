import BulkheadCore
import BulkheadKubernetes
import Foundation

/// Where a control stands on the evidence of one run.
public enum ControlStatus: String, Sendable, Codable, CaseIterable {
    case pass
    case partial
    case fail
    case notAssessed = "not-assessed"
    case inherited = "aws-inherited"

    /// Order for "worst wins".
    var severity: Int {
        switch self {
        case .fail: return 4
        case .partial: return 3
        case .pass: return 2
        case .notAssessed: return 1
        case .inherited: return 0
        }
    }

    public var label: String {
        switch self {
        case .pass: return "pass"
        case .partial: return "partial"
        case .fail: return "fail"
        case .notAssessed: return "not assessed"
        case .inherited: return "AWS-inherited"
        }
    }
}

/// A resource that evidence was taken from, with where to open it.
public struct EvidenceResource: Sendable, Hashable, Codable {
    public var resource: ResourceRef
    public var file: String
    public var line: Int
}

public struct ControlResult: Sendable {
    public var control: Control
    public var status: ControlStatus
    /// Why: what was examined, what failed, or what input would assess it.
    public var reason: String
    /// Checks of this build that evidence the control (directly or through `evidenceFrom`).
    public var checks: [String]
    /// Findings of those checks that count (not suppressed).
    public var findings: [Finding]
    /// Resources those checks examined.
    public var examined: [EvidenceResource]
}

/// The shared-responsibility matrix of one run: every control of the catalogue with its status.
public struct Matrix: Sendable {
    public var results: [ControlResult]
    public var generated: Date
    public var inputs: [String]
    /// SHA-256 of the inputs' names and bytes, to recognise the same inputs across runs.
    public var inputsDigest: String
    public var scan: ScanResult

    public init(results: [ControlResult], generated: Date, inputs: [String], inputsDigest: String, scan: ScanResult) {
        self.results = results
        self.generated = generated
        self.inputs = inputs
        self.inputsDigest = inputsDigest
        self.scan = scan
    }

    public func result(_ id: String) -> ControlResult? { results.first { $0.control.id == id } }

    public struct Coverage: Sendable, Hashable {
        public var group: String
        public var counts: [ControlStatus: Int]
        public var total: Int { counts.values.reduce(0, +) }
        /// Controls with evidence either way, out of those that are the customer's to assess.
        public var assessed: Int { (counts[.pass] ?? 0) + (counts[.partial] ?? 0) + (counts[.fail] ?? 0) }
    }

    public func coverage(by key: (Control) -> String) -> [Coverage] {
        var order: [String] = []
        var counts: [String: [ControlStatus: Int]] = [:]
        for result in results {
            let group = key(result.control)
            if counts[group] == nil { order.append(group) }
            counts[group, default: [:]][result.status, default: 0] += 1
        }
        return order.map { Coverage(group: $0, counts: counts[$0] ?? [:]) }
    }

    public var coverageByLayer: [Coverage] { coverage { $0.layer } }
    public var coverageByOwner: [Coverage] { coverage { $0.owner.rawValue } }
    public var coverageBySection: [Coverage] { coverage { $0.section } }

    public struct Requirement: Sendable {
        public var requirement: String
        public var status: ControlStatus
        public var controls: [ControlResult]
    }

    /// The same result, requirement by requirement, for one framework.
    public func requirements(of framework: FrameworkReference.Framework) -> [Requirement] {
        var byRequirement: [String: [ControlResult]] = [:]
        for result in results {
            for reference in result.control.frameworks where reference.framework == framework {
                byRequirement[reference.requirement, default: []].append(result)
            }
        }
        return byRequirement.keys.sorted(by: Self.naturalOrder).map { requirement in
            let controls = byRequirement[requirement] ?? []
            return Requirement(requirement: requirement, status: MatrixBuilder.combine(controls.map(\.status)), controls: controls)
        }
    }

    /// "4.1.10" after "4.1.9"; "CC6.10" after "CC6.9".
    static func naturalOrder(_ lhs: String, _ rhs: String) -> Bool {
        lhs.compare(rhs, options: .numeric) == .orderedAscending
    }
}

/// Rolls one run's findings and the presence of key objects up to the controls of the catalogue.
public struct MatrixBuilder {
    public var registry: CheckRegistry
    public var catalogue: [Control]

    public init(registry: CheckRegistry, catalogue: [Control] = ControlCatalog.all) {
        self.registry = registry
        self.catalogue = catalogue
    }

    public func build(inventory: Inventory, scan: ScanResult, inputs: [String], inputsDigest: String, generated: Date = Date()) -> Matrix {
        var memo: [String: ControlResult] = [:]
        let controls = Dictionary(uniqueKeysWithValues: catalogue.map { ($0.id, $0) })
        var results: [ControlResult] = []
        // A finding inside a subject (a file in an image's layer: `image@digest:layer/path`) is the
        // subject's: the subjects' files, by resource, once per matrix.
        var subjectFiles: [ResourceRef: [String]] = [:]
        for subject in scan.subjects { subjectFiles[subject.resource, default: []].append(subject.location.file) }
        for control in catalogue {
            results.append(evaluate(control, controls: controls, inventory: inventory, scan: scan, subjectFiles: subjectFiles, memo: &memo, depth: 0))
        }
        return Matrix(results: results, generated: generated, inputs: inputs, inputsDigest: inputsDigest, scan: scan)
    }

    /// Worst wins; parts nobody assessed turn a pass into a partial.
    static func combine(_ statuses: [ControlStatus]) -> ControlStatus {
        let assessed = statuses.filter { $0 == .pass || $0 == .partial || $0 == .fail }
        guard let worst = assessed.max(by: { $0.severity < $1.severity }) else {
            return statuses.allSatisfy { $0 == .inherited } && !statuses.isEmpty ? .inherited : .notAssessed
        }
        if worst == .pass && assessed.count < statuses.count { return .partial }
        return worst
    }

    static func describe(_ assessment: Assessment, _ control: Control) -> String {
        switch assessment {
        case .inherited: return ControlCatalog.awsAttestations
        case .aws: return "not assessed: give a CloudFormation template, Terraform (.tf or a plan) or --aws (the live account) that holds what \(control.title) is about"
        case .process: return "not assessed: process evidence (documents, reviews), not machine-checkable"
        case .registry: return "not assessed: needs image and registry data (signatures, scan results), not read by this build"
        case .manifests: return "not assessed: give Kubernetes manifests that include what this control is about"
        }
    }

    private func evaluate(_ control: Control, controls: [String: Control], inventory: Inventory, scan: ScanResult,
                          subjectFiles: [ResourceRef: [String]], memo: inout [String: ControlResult], depth: Int) -> ControlResult {
        if let known = memo[control.id] { return known }
        var result: ControlResult
        switch control.assessment {
        case .inherited:
            result = ControlResult(control: control, status: .inherited, reason: ControlCatalog.awsAttestations, checks: [], findings: [], examined: [])
        case .process, .registry:
            result = ControlResult(control: control, status: .notAssessed, reason: Self.describe(control.assessment, control), checks: [], findings: [], examined: [])
        default:
            result = assess(control, controls: controls, inventory: inventory, scan: scan, subjectFiles: subjectFiles, memo: &memo, depth: depth)
        }
        memo[control.id] = result
        return result
    }

    private func assess(_ control: Control, controls: [String: Control], inventory: Inventory, scan: ScanResult,
                        subjectFiles: [ResourceRef: [String]], memo: inout [String: ControlResult], depth: Int) -> ControlResult {
        var statuses: [ControlStatus] = []
        var reasons: [String] = []
        let descriptors = registry.descriptors.filter { $0.controls.contains(control.id) || control.evidenceChecks.contains($0.id) }
        var checks = descriptors.map(\.id)
        var findings: [Finding] = []
        var examined: [EvidenceResource] = []

        if !descriptors.isEmpty {
            let ids = Set(descriptors.map(\.id))
            let kinds = descriptors.reduce(into: Set<String>()) { $0.formUnion(registry.examines($1)) }
            examined = inventory.resources.filter { kinds.contains($0.kind) }
                .map { EvidenceResource(resource: $0.ref, file: $0.file, line: $0.node.mark.line) }
                + scan.subjects.filter { kinds.contains($0.resource.kind) }
                .map { EvidenceResource(resource: $0.resource, file: $0.location.file, line: $0.location.line) }
            findings = scan.findings.filter { ids.contains($0.checkID) }
            let unknown = scan.notAssessed.filter { ids.contains($0.checkID) }
            if examined.isEmpty {
                statuses.append(.notAssessed)
                let named = kinds.sorted { ($0.hasPrefix("AWS::") ? 1 : 0, $0) < ($1.hasPrefix("AWS::") ? 1 : 0, $1) }
                reasons.append(named.isEmpty ? "its checks examine nothing on their own"
                               : "no \(named.prefix(4).joined(separator: ", "))\(named.count > 4 ? "…" : "") in the input")
            } else {
                let examinedKeys = Set(examined.map { "\($0.file)\u{0}\($0.resource)" })
                // Informational findings are observations, not failures of the control.
                let failing = Set(findings.filter { $0.severity > .info }.map { finding -> String in
                    let file = subjectFiles[finding.resource]?.first { finding.location.file.hasPrefix($0) } ?? finding.location.file
                    return "\(file)\u{0}\(finding.resource)"
                }).intersection(examinedKeys)
                let status: ControlStatus
                if failing.isEmpty {
                    status = .pass
                } else if failing.count >= examined.count || findings.contains(where: { $0.severity == .critical }) {
                    status = .fail
                } else {
                    status = .partial
                }
                statuses.append(status)
                reasons.append(failing.isEmpty
                    ? "\(examined.count) resource\(examined.count == 1 ? "" : "s") examined by \(ids.count) check\(ids.count == 1 ? "" : "s"), no finding"
                    : "\(findings.count) finding\(findings.count == 1 ? "" : "s") on \(failing.count) of \(examined.count) examined resources")
                if !unknown.isEmpty {
                    // A check that could not judge leaves that part unassessed: a pass becomes partial.
                    statuses.append(.notAssessed)
                    reasons.append("\(unknown.count) judgement\(unknown.count == 1 ? "" : "s") not assessed (\(unknown[0].checkID): \(unknown[0].reason))")
                }
            }
        }
        if let probe = control.probe {
            let (status, reason) = Probes.evaluate(probe, inventory: inventory)
            statuses.append(status)
            reasons.append(reason)
        }
        if depth < 4 {
            for id in control.evidenceFrom {
                guard let source = controls[id] else { continue }
                let sourceResult = evaluate(source, controls: controls, inventory: inventory, scan: scan, subjectFiles: subjectFiles, memo: &memo, depth: depth + 1)
                statuses.append(sourceResult.status)
                if control.parent == nil && controls[id]?.parent == control.id {
                    reasons.append("\(source.title): \(sourceResult.status.label)")
                } else if sourceResult.status != .notAssessed {
                    reasons.append("from \(source.id): \(sourceResult.reason)")
                }
                for check in sourceResult.checks where !checks.contains(check) { checks.append(check) }
                for finding in sourceResult.findings where !findings.contains(finding) { findings.append(finding) }
                for resource in sourceResult.examined where !examined.contains(resource) { examined.append(resource) }
            }
        }
        var status = Self.combine(statuses)
        if statuses.isEmpty { status = .notAssessed }
        var reason = reasons.joined(separator: "; ")
        if status == .notAssessed {
            reason = Self.describe(control.assessment == .manifests ? .manifests : control.assessment, control)
                + (reasons.isEmpty ? "" : " (\(reasons.joined(separator: "; ")))")
        }
        return ControlResult(control: control, status: status, reason: reason, checks: checks, findings: findings, examined: examined)
    }
}

/// Evidence from the presence of objects rather than from findings.
enum Probes {
    static func evaluate(_ probe: ControlProbe, inventory: Inventory) -> (ControlStatus, String) {
        switch probe {
        case .podSecurityAdmissionRestricted:
            let namespaces = inventory.resources(ofKind: "Namespace").filter { !["kube-system", "kube-public", "kube-node-lease"].contains($0.name) }
            guard !namespaces.isEmpty else { return (.notAssessed, "no Namespace object in the input to read its pod-security labels from") }
            let restricted = namespaces.filter { $0.labels["pod-security.kubernetes.io/enforce"] == "restricted" }
            if restricted.count == namespaces.count { return (.pass, "all \(namespaces.count) namespaces enforce restricted") }
            let others = namespaces.filter { $0.labels["pod-security.kubernetes.io/enforce"] != "restricted" }.map(\.name)
            return (restricted.isEmpty ? .fail : .partial,
                    "\(restricted.count) of \(namespaces.count) namespaces enforce restricted (not: \(others.prefix(5).joined(separator: ", ")))")
        case .admissionController:
            let kinds = ["ValidatingWebhookConfiguration", "ValidatingAdmissionPolicy", "ClusterPolicy", "ConstraintTemplate"]
            let found = kinds.filter { !(inventory.byKind[$0] ?? []).isEmpty }
            let psa = inventory.resources(ofKind: "Namespace").contains { $0.labels["pod-security.kubernetes.io/enforce"] != nil }
            if !found.isEmpty || psa {
                return (.pass, "admission policy present: " + (found + (psa ? ["Pod Security Admission labels"] : [])).joined(separator: ", "))
            }
            return (.notAssessed, "no admission webhook, ValidatingAdmissionPolicy, Kyverno or Gatekeeper policy, or PSA label in the input")
        case .secretsStoreDriver:
            let driver = inventory.resources(ofKind: "CSIDriver").contains { $0.name == "secrets-store.csi.k8s.io" }
                || inventory.resources(ofKind: "DaemonSet").contains { $0.name.contains("secrets-store") }
            return driver ? (.pass, "Secrets Store CSI driver found in the input")
                : (.notAssessed, "the input does not include the cluster's CSIDriver objects or the driver's DaemonSet")
        case .networkPolicyEngine:
            let policies = NetworkPolicyModel.kinds.reduce(0) { $0 + (inventory.byKind[$1]?.count ?? 0) }
            return policies > 0 ? (.pass, "\(policies) network polic\(policies == 1 ? "y" : "ies") in the input")
                : (.notAssessed, "no NetworkPolicy or Cilium policy in the input")
        }
    }
}
