import BulkheadCore
import Foundation

/// What a check says about one resource: a violation (a finding) or "cannot tell" (not assessed).
public struct AWSVerdict: Sendable {
    public enum Kind: Sendable { case violation, unknown }
    public var kind: Kind
    public var message: String
    /// Where to point: the offending value, or the resource when the problem is a missing property.
    public var mark: Mark?
    /// Property path (`ResourcesVpcConfig.EndpointPublicAccess`).
    public var path: String

    public static func fail(_ message: String, at mark: Mark?, _ path: String) -> AWSVerdict {
        AWSVerdict(kind: .violation, message: message, mark: mark, path: path)
    }

    public static func unknown(_ reason: String, at mark: Mark?, _ path: String) -> AWSVerdict {
        AWSVerdict(kind: .unknown, message: reason, mark: mark, path: path)
    }
}

/// One AWS check: its metadata and examples (CloudFormation templates), the resource types it
/// judges, and the rule. The rule sees the whole `AWSInventory`, so it can follow references
/// (a node group's role, a trail's key, a cluster's OIDC provider).
public struct AWSCheck: Sendable {
    public let descriptor: CheckDescriptor
    public let types: Set<String>
    let rule: @Sendable (AWSResource, AWSInventory) -> [AWSVerdict]

    public init(_ descriptor: CheckDescriptor, types: Set<String>, rule: @escaping @Sendable (AWSResource, AWSInventory) -> [AWSVerdict]) {
        var descriptor = descriptor
        descriptor.examines.formUnion(types)
        self.descriptor = descriptor
        self.types = types
        self.rule = rule
    }

    public func evaluate(_ resource: AWSResource, in inventory: AWSInventory) -> [AWSVerdict] {
        rule(resource, inventory)
    }
}

/// Every AWS resource of a scan, indexed by type and by ID within its scope.
public struct AWSInventory: Sendable {
    public let resources: [AWSResource]
    private let byType: [String: [Int]]
    private let byID: [String: Int]

    public init(_ resources: [AWSResource]) {
        self.resources = resources
        var byType: [String: [Int]] = [:]
        var byID: [String: Int] = [:]
        for (index, resource) in resources.enumerated() {
            byType[resource.type, default: []].append(index)
            byID["\(resource.scope)\u{0}\(resource.id)"] = index
        }
        self.byType = byType
        self.byID = byID
    }

    public func resources(ofType type: String) -> [AWSResource] {
        (byType[type] ?? []).map { resources[$0] }
    }

    /// Resources of a type in the same scope as `resource` (one template, one module, one account).
    public func resources(ofType type: String, near resource: AWSResource) -> [AWSResource] {
        resources(ofType: type).filter { $0.scope == resource.scope }
    }

    /// The resource a reference value points at (`Ref`, `Fn::GetAtt`), in the scope of `from`.
    public func target(of node: YAMLNode?, from: AWSResource) -> AWSResource? {
        guard let target = node?.referenceTarget else { return nil }
        // IDs may contain dots (Terraform addresses): the longest prefix that names a resource.
        var candidate = Substring(target)
        while true {
            if let index = byID["\(from.scope)\u{0}\(candidate)"] { return resources[index] }
            guard let dot = candidate.lastIndex(of: ".") else { return nil }
            candidate = candidate[..<dot]
        }
    }

    /// Whether `node` refers to `resource` (by `Ref` or `Fn::GetAtt`).
    public static func refers(_ node: YAMLNode?, to resource: AWSResource) -> Bool {
        guard let target = node?.referenceTarget else { return false }
        return target == resource.id || target.hasPrefix(resource.id + ".")
    }
}

/// Runs the AWS checks on every CloudFormation template of a scan (and, as they land, Terraform and
/// the live account).
public struct AWSSuite: CheckSuite {
    public let checks: [AWSCheck]
    /// Checks across Kubernetes and AWS inputs (the IRSA and secrets chains).
    public let chains: [ChainCheck]

    public init(checks: [AWSCheck], chains: [ChainCheck] = []) {
        self.checks = checks
        self.chains = chains
    }

    public var descriptors: [CheckDescriptor] { checks.map(\.descriptor) + chains.map(\.descriptor) }

    public func selecting(_ keep: (CheckDescriptor) -> Bool) -> any CheckSuite {
        AWSSuite(checks: checks.filter { keep($0.descriptor) }, chains: chains.filter { keep($0.descriptor) })
    }

    public func evaluate(_ context: ScanContext) -> SuiteOutcome {
        var outcome = SuiteOutcome()
        var resources: [AWSResource] = []
        for index in context.inventory.byKind[CloudFormation.templateKind] ?? [] {
            let template = context.inventory.resources[index]
            guard template.ref.apiVersion == CloudFormation.apiVersion else { continue }
            let read = CloudFormationReader.read(template.node, file: template.file)
            resources += read.resources
            outcome.diagnostics += read.diagnostics
            outcome.checked.insert(index)
        }
        // Terraform: the .tf files of each directory form one module; plans are read whole.
        var modules: [String: [(name: String, text: String)]] = [:]
        for index in context.inventory.byKind[Terraform.fileKind] ?? [] {
            let file = context.inventory.resources[index]
            modules[(file.file as NSString).deletingLastPathComponent, default: []].append((file.file, file.node.scalar?.value ?? ""))
            outcome.checked.insert(index)
        }
        for (directory, files) in modules.sorted(by: { $0.key < $1.key }) {
            let read = TerraformReader.readModule(directory: directory.isEmpty ? "." : directory, files: files)
            resources += read.resources
            outcome.diagnostics += read.diagnostics
        }
        for index in context.inventory.byKind[Terraform.planKind] ?? [] {
            let plan = context.inventory.resources[index]
            let read = TerraformReader.readPlan(plan.node, file: plan.file)
            resources += read.resources
            outcome.diagnostics += read.diagnostics
            outcome.checked.insert(index)
        }
        let aws = AWSInventory(resources)
        outcome.merge(evaluate(aws))
        outcome.findings += chainFindings(context.inventory, aws)
        return outcome
    }

    /// The chain checks: findings on the Kubernetes object that starts the chain.
    public func chainFindings(_ inventory: Inventory, _ aws: AWSInventory) -> [Finding] {
        guard !aws.resources.isEmpty else { return [] }
        return chains.flatMap { chain in
            chain.rule(inventory, aws).map { violation in
                Finding(chain.descriptor, resource: violation.resource, mark: violation.mark, fieldPath: violation.path, message: violation.message)
            }
        }
    }

    /// Judges an inventory read by any input reader.
    public func evaluate(_ inventory: AWSInventory) -> SuiteOutcome {
        var outcome = SuiteOutcome()
        outcome.subjects = inventory.resources.map { Subject(resource: $0.ref, location: $0.location(nil)) }
        for resource in inventory.resources {
            for check in checks where check.types.contains(resource.type) {
                for verdict in check.evaluate(resource, in: inventory) {
                    let location = resource.location(verdict.mark)
                    switch verdict.kind {
                    case .violation:
                        var finding = Finding(checkID: check.descriptor.id, title: check.descriptor.title, severity: check.descriptor.severity,
                                              message: verdict.message, location: location, fieldPath: verdict.path, resource: resource.ref,
                                              controls: check.descriptor.controls, remediation: check.descriptor.remediation)
                        finding.category = check.descriptor.category
                        if resource.conditionUnknown {
                            finding.message += " (the resource's Condition cannot be resolved statically: it may not be created)"
                        }
                        outcome.findings.append(finding)
                    case .unknown:
                        outcome.notAssessed.append(NotAssessed(checkID: check.descriptor.id, resource: resource.ref, location: location,
                                                               fieldPath: verdict.path, reason: verdict.message))
                    }
                }
            }
        }
        return outcome
    }
}
