import BulkheadCore
import Foundation

/// What an AWS check says about one resource: Core's verdict (the path is a property path,
/// `ResourcesVpcConfig.EndpointPublicAccess`; no mark points at the resource).
public typealias AWSVerdict = Verdict

extension Verdict {
    public static func fail(_ message: String, at mark: Mark?, _ path: String) -> Verdict {
        .violation(message, at: mark, path)
    }

    public static func unknown(_ reason: String, at mark: Mark?, _ path: String) -> Verdict {
        .notAssessed(reason, at: mark, path)
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

extension AWSInventory {
    /// Every AWS resource the formats and sources of a scan read, indexed once per scan (the AWS
    /// checks and the chains share it).
    public static func of(_ context: ScanContext) -> AWSInventory {
        context.views.view(AWSInventory.self) { AWSInventory(context.models.of(AWSResourceSet.self).flatMap(\.resources)) }
    }
}

/// Runs the AWS checks on every AWS resource a format or a source read (templates, Terraform
/// modules and plans, the live account).
public struct AWSSuite: CheckSuite {
    public let checks: [AWSCheck]

    public init(checks: [AWSCheck]) {
        self.checks = checks
    }

    public var descriptors: [CheckDescriptor] { checks.map(\.descriptor) }

    public var formats: [any InputFormat] { AWSChecks.formats }

    public func selecting(_ keep: (CheckDescriptor) -> Bool) -> any CheckSuite {
        AWSSuite(checks: checks.filter { keep($0.descriptor) })
    }

    public func evaluate(_ context: ScanContext) -> SuiteOutcome {
        let sets = context.models.of(AWSResourceSet.self)
        let aws = AWSInventory.of(context)
        var outcome = evaluate(aws)
        for gap in sets.flatMap(\.gaps) {
            for check in checks where !check.types.isDisjoint(with: gap.types) {
                outcome.notAssessed.append(NotAssessed(checkID: check.descriptor.id, resource: gap.ref, location: gap.location,
                                                       fieldPath: "", reason: gap.reason))
            }
        }
        return outcome
    }

    /// Judges an inventory read by any input reader.
    public func evaluate(_ inventory: AWSInventory) -> SuiteOutcome {
        var outcome = SuiteOutcome()
        outcome.subjects = inventory.resources.map { Subject(resource: $0.ref, location: $0.location(nil), suppression: $0.suppression) }
        for resource in inventory.resources {
            for check in checks where check.types.contains(resource.type) {
                for var verdict in check.evaluate(resource, in: inventory) {
                    if verdict.kind == .violation, resource.conditionUnknown {
                        verdict.message += " (the resource's Condition cannot be resolved statically: it may not be created)"
                    }
                    outcome.record(verdict, of: check.descriptor, on: resource)
                }
            }
        }
        return outcome
    }
}
