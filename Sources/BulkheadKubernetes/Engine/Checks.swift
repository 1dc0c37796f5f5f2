import BulkheadCore

/// One field that breaks one check (or that the check cannot judge): Core's verdict, pointing at
/// a line, naming the container or subject. Upstream Pod Security's `CheckResult.ForbiddenDetail`,
/// but one per offending field.
public typealias FieldViolation = Verdict

extension Verdict {
    init<Value>(_ field: Located<Value>, _ message: String, severity: Severity? = nil) {
        self.init(mark: field.mark, path: field.path, message: message, severity: severity)
    }
}

public typealias PodSecurityViolation = FieldViolation

/// A violation found while looking at the whole input: it names the resource it belongs to.
public struct ResourceViolation: Sendable {
    /// Index of the resource in the inventory.
    public var resource: Int
    public var violation: FieldViolation

    public init(resource: Int, _ violation: FieldViolation) {
        self.resource = resource
        self.violation = violation
    }
}

/// An object that carries a pod, with its pod spec read once. A class: checks pass views around
/// constantly, and a struct holding a whole pod spec would be copied (and retained) each time.
public final class WorkloadView: Sendable {
    public let index: Int
    public let resource: Resource
    public let spec: PodSpec
    /// Labels of the pods it creates (the template's labels; a Pod's own).
    public let podLabels: [String: String]
    /// Every container that names an image, with the image parsed once for all the image checks.
    public let images: [(container: Container, image: Located<String>, reference: ImageReference)]
    public var namespace: String { resource.namespace ?? "default" }

    /// The view of a resource whose pod spec has been read; pod labels come from the template.
    convenience init(index: Int, resource: Resource, spec: PodSpec) {
        let templatePath = WorkloadKinds.template(for: resource)?.templatePath ?? []
        var template = resource.node
        for key in templatePath { template = template[key] ?? template }
        var labels = resource.labels
        if !templatePath.isEmpty {
            labels = [:]
            for pair in template["metadata"]?["labels"]?.pairs ?? [] {
                if let scalar = pair.value.scalar { labels[pair.key] = scalar.value }
            }
        }
        self.init(index: index, resource: resource, spec: spec, podLabels: labels)
    }

    public init(index: Int, resource: Resource, spec: PodSpec, podLabels: [String: String]) {
        self.index = index
        self.resource = resource
        self.spec = spec
        self.podLabels = podLabels
        images = spec.containers.compactMap { container in
            guard let image = container.image, !image.value.isEmpty else { return nil }
            return (container, image, ImageReference(image.value))
        }
    }

    public var serviceAccount: String {
        let name = spec.serviceAccountName?.value ?? ""
        return name.isEmpty ? "default" : name
    }
}

/// A check of one workload (its pod spec), which may consult the rest of the input.
public struct WorkloadCheck: Sendable {
    public var descriptor: CheckDescriptor
    public var evaluate: @Sendable (WorkloadView, KubernetesIndex, ScanOptions) -> [FieldViolation]

    public init(_ descriptor: CheckDescriptor, _ evaluate: @escaping @Sendable (WorkloadView, KubernetesIndex, ScanOptions) -> [FieldViolation]) {
        self.descriptor = descriptor
        self.evaluate = evaluate
    }
}

/// A check of one object of given kinds (a Role, a Secret, a Service...).
public struct ObjectCheck: Sendable {
    public var descriptor: CheckDescriptor
    public var kinds: Set<String>
    public var evaluate: @Sendable (Int, Resource, KubernetesIndex, ScanOptions) -> [FieldViolation]

    public init(_ descriptor: CheckDescriptor, kinds: Set<String>,
                _ evaluate: @escaping @Sendable (Int, Resource, KubernetesIndex, ScanOptions) -> [FieldViolation]) {
        self.descriptor = descriptor
        self.kinds = kinds
        self.evaluate = evaluate
    }
}

/// A judgement over the whole input (a namespace without default-deny, a role shared by
/// unrelated workloads).
public struct InventoryCheck: Sendable {
    public var descriptor: CheckDescriptor
    public var evaluate: @Sendable (KubernetesIndex, ScanOptions) -> [ResourceViolation]

    public init(_ descriptor: CheckDescriptor, _ evaluate: @escaping @Sendable (KubernetesIndex, ScanOptions) -> [ResourceViolation]) {
        self.descriptor = descriptor
        self.evaluate = evaluate
    }
}

extension Severity {
    /// One step more severe (a power held by a running workload).
    var raised: Severity {
        switch self {
        case .info: return .low
        case .low: return .medium
        case .medium: return .high
        case .high, .critical: return .critical
        }
    }
}
