/// A set of checks that share normalized views of the input (for Kubernetes: each pod spec read
/// once, the RBAC graph, the network-policy map). A suite sees every resource of a scan together,
/// so checks can judge one object or relations between objects (a binding and the pods that use
/// its service account). Every front door (the scan, later the admission webhook) runs suites
/// through `Scanner`, so they give the same verdict on the same object.
public protocol CheckSuite: Sendable {
    var descriptors: [CheckDescriptor] { get }
    func evaluate(_ context: ScanContext) -> SuiteOutcome
}

public struct SuiteOutcome: Sendable {
    public var findings: [Finding]
    public var diagnostics: [Diagnostic]
    /// Indices (into the inventory) of the resources at least one check looked at.
    public var checked: Set<Int>
    /// Checks that could not judge a resource (a value unknown before deployment, an API that failed).
    public var notAssessed: [NotAssessed]
    /// Resources read from inside inputs that hold many (the resources of a CloudFormation template).
    public var templateResources = 0

    public init(findings: [Finding] = [], diagnostics: [Diagnostic] = [], checked: Set<Int> = [], notAssessed: [NotAssessed] = []) {
        self.findings = findings
        self.diagnostics = diagnostics
        self.checked = checked
        self.notAssessed = notAssessed
    }

    public mutating func merge(_ other: SuiteOutcome) {
        // The first outcome's findings are taken whole rather than copied one by one.
        if findings.isEmpty { findings = other.findings } else { findings += other.findings }
        diagnostics += other.diagnostics
        checked.formUnion(other.checked)
        notAssessed += other.notAssessed
        templateResources += other.templateResources
    }
}

/// Every resource of a scan, indexed the ways checks look things up.
public struct Inventory: Sendable {
    public let resources: [Resource]
    /// Resource indices by kind.
    public let byKind: [String: [Int]]
    /// Namespace objects by name: their labels set the Pod Security level, as the admission plugin does.
    public let namespaces: [String: Resource]
    private let byKey: [String: Int]

    public init(_ resources: [Resource]) {
        self.resources = resources
        var byKind: [String: [Int]] = [:]
        var namespaces: [String: Resource] = [:]
        var byKey: [String: Int] = [:]
        for (index, resource) in resources.enumerated() {
            byKind[resource.kind, default: []].append(index)
            if resource.kind == "Namespace" && resource.group.isEmpty { namespaces[resource.name] = resource }
            byKey[Self.key(resource.kind, resource.namespace, resource.name)] = byKey[Self.key(resource.kind, resource.namespace, resource.name)] ?? index
        }
        self.byKind = byKind
        self.namespaces = namespaces
        self.byKey = byKey
    }

    private static func key(_ kind: String, _ namespace: String?, _ name: String) -> String {
        "\(kind)\u{0}\(namespace ?? "")\u{0}\(name)"
    }

    /// The first resource of a kind with that namespace and name.
    public func find(kind: String, namespace: String?, name: String) -> Resource? {
        byKey[Self.key(kind, namespace, name)].map { resources[$0] }
    }

    public func resources(ofKind kind: String) -> [Resource] {
        (byKind[kind] ?? []).map { resources[$0] }
    }
}

/// What every check of a scan can see besides the resource it judges.
public struct ScanContext: Sendable {
    public var options: ScanOptions
    public var inventory: Inventory

    public init(options: ScanOptions, inventory: Inventory) {
        self.options = options
        self.inventory = inventory
    }

    public var namespaces: [String: Resource] { inventory.namespaces }
}

/// Options that change what checks judge, as given on the command line or in `.bulkhead.yaml`.
public struct ScanOptions: Sendable, Hashable {
    /// `baseline` or `restricted`; nil means "the namespace's label, else restricted".
    public var podSecurityLevel: String?
    /// `v1.N` or `latest`; nil means "the namespace's label, else latest".
    public var podSecurityVersion: String?
    /// Registries images may come from (globs such as `*.dkr.ecr.*.amazonaws.com`); empty = not checked.
    public var allowedRegistries: [String]
    /// Severity of "image not pinned by digest"; nil = the check's default.
    public var imageDigestSeverity: Severity?

    public init(podSecurityLevel: String? = nil, podSecurityVersion: String? = nil, allowedRegistries: [String] = [],
                imageDigestSeverity: Severity? = nil) {
        self.podSecurityLevel = podSecurityLevel
        self.podSecurityVersion = podSecurityVersion
        self.allowedRegistries = allowedRegistries
        self.imageDigestSeverity = imageDigestSeverity
    }
}

/// All checks of a build, for listing, explaining and running.
public struct CheckRegistry: Sendable {
    public var suites: [any CheckSuite]

    public init(suites: [any CheckSuite]) {
        self.suites = suites
    }

    public var descriptors: [CheckDescriptor] { suites.flatMap(\.descriptors) }

    public func descriptor(_ id: String) -> CheckDescriptor? {
        descriptors.first { $0.id.lowercased() == id.lowercased() }
    }
}
