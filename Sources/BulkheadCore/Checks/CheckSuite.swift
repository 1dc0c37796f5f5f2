/// A set of checks that share one normalized view of a resource (for Pod Security: the pod
/// spec read once, with positions). Every front door (the scan, later the admission webhook)
/// runs suites through `Scanner`, so they give the same verdict on the same object.
public protocol CheckSuite: Sendable {
    var descriptors: [CheckDescriptor] { get }
    func evaluate(_ resource: Resource, in context: ScanContext) -> SuiteOutcome
}

public struct SuiteOutcome: Sendable {
    public var findings: [Finding]
    public var diagnostics: [Diagnostic]
    /// Whether the suite looked at the resource at all (used for "resources checked").
    public var applicable: Bool

    public init(findings: [Finding] = [], diagnostics: [Diagnostic] = [], applicable: Bool) {
        self.findings = findings
        self.diagnostics = diagnostics
        self.applicable = applicable
    }
}

/// What every check of a scan can see besides the resource it judges.
public struct ScanContext: Sendable {
    public var options: ScanOptions
    /// Namespace objects found anywhere in the input, by name: their labels set the Pod Security
    /// level a namespace is judged at, as the admission plugin does.
    public var namespaces: [String: Resource]

    public init(options: ScanOptions, namespaces: [String: Resource] = [:]) {
        self.options = options
        self.namespaces = namespaces
    }
}

/// Options that change what checks judge, as given on the command line.
public struct ScanOptions: Sendable, Hashable {
    /// `baseline` or `restricted`; nil means "the namespace's label, else restricted".
    public var podSecurityLevel: String?
    /// `v1.N` or `latest`; nil means "the namespace's label, else latest".
    public var podSecurityVersion: String?

    public init(podSecurityLevel: String? = nil, podSecurityVersion: String? = nil) {
        self.podSecurityLevel = podSecurityLevel
        self.podSecurityVersion = podSecurityVersion
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
