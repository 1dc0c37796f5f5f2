/// A set of checks that share normalized views of the input (for Kubernetes: each pod spec read
/// once, the RBAC graph, the network-policy map). A suite sees every resource of a scan together,
/// so checks can judge one object or relations between objects (a binding and the pods that use
/// its service account). Every front door (the scan, later the admission webhook) runs suites
/// through `Scanner`, so they give the same verdict on the same object.
public protocol CheckSuite: Sendable {
    var descriptors: [CheckDescriptor] { get }
    func evaluate(_ context: ScanContext) -> SuiteOutcome
    /// The same suite with only the checks `keep` picks (`--only`, the webhook's object checks).
    func selecting(_ keep: (CheckDescriptor) -> Bool) -> any CheckSuite
    /// The kinds (Kubernetes kinds, AWS resource types) a check judges: when the input holds one,
    /// the check has examined it, so the matrix may count a missing finding as evidence.
    func examines(_ descriptor: CheckDescriptor) -> Set<String>
    /// The input formats whose models the suite judges (CloudFormation, Terraform): a domain
    /// brings its readers with its checks.
    var formats: [any InputFormat] { get }
}

extension CheckSuite {
    public func examines(_ descriptor: CheckDescriptor) -> Set<String> { descriptor.examines }
    public var formats: [any InputFormat] { [] }
}

public struct SuiteOutcome: Sendable {
    public var findings: [Finding]
    public var diagnostics: [Diagnostic]
    /// Indices (into the inventory) of the resources at least one check looked at.
    public var checked: Set<Int>
    /// Checks that could not judge a resource (a value unknown before deployment, an API that failed).
    public var notAssessed: [NotAssessed]
    /// Resources read from inside inputs that hold many (the resources of a CloudFormation template,
    /// a Terraform module, a live account): what the matrix counts as examined besides the inventory.
    public var subjects: [Subject] = []
    public var templateResources: Int { subjects.count }

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
        subjects += other.subjects
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
    /// The domain models formats and sources read (see `InputFormat`).
    public var models: InputModels
    /// Views derived from the input once per scan and shared by the suites that need them (the
    /// Kubernetes index with every pod spec read: the Kubernetes checks and the chains).
    public let views = SharedViews()

    public init(options: ScanOptions, inventory: Inventory, models: InputModels = InputModels([])) {
        self.options = options
        self.inventory = inventory
        self.models = models
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
    /// Every format the suites' domains read. Kept when checks are selected away: a `.tf` file is
    /// still Terraform (and not broken YAML) when only the Kubernetes checks run.
    public var formats: [any InputFormat]

    public init(suites: [any CheckSuite], formats: [any InputFormat]? = nil) {
        self.suites = suites
        self.formats = formats ?? suites.flatMap(\.formats)
    }

    /// The file extensions a directory walk picks up: YAML, JSON and every format's own.
    public var fileExtensions: Set<String> {
        formats.reduce(InputDiscovery.manifestExtensions) { $0.union($1.fileExtensions) }
    }

    /// Whether some format wants a file of this name (`Dockerfile`) whatever its extension.
    public func picks(fileName: String) -> Bool {
        formats.contains { $0.picks(fileName: fileName) }
    }

    public var descriptors: [CheckDescriptor] { suites.flatMap(\.descriptors) }

    public func descriptor(_ id: String) -> CheckDescriptor? {
        descriptors.first { $0.id.lowercased() == id.lowercased() }
    }

    /// The kinds a check judges, as its suite says.
    public func examines(_ descriptor: CheckDescriptor) -> Set<String> {
        for suite in suites where suite.descriptors.contains(where: { $0.id == descriptor.id }) {
            return suite.examines(descriptor)
        }
        return descriptor.examines
    }

    /// The checks `keep` picks, suite by suite; suites left with no check are dropped.
    public func selecting(_ keep: (CheckDescriptor) -> Bool) -> CheckRegistry {
        CheckRegistry(suites: suites.map { $0.selecting(keep) }.filter { !$0.descriptors.isEmpty }, formats: formats)
    }

    /// `--only`: check IDs or categories (a category selects by prefix: `pod-security` picks
    /// baseline and restricted, `aws` every AWS check). A selector that names nothing is an error,
    /// with the nearest known names.
    public func only(_ selectors: [String]) throws(SelectionError) -> CheckRegistry {
        guard !selectors.isEmpty else { return self }
        let all = descriptors
        let unknown = selectors.filter { selector in !all.contains { $0.matches([selector]) } }
        if !unknown.isEmpty {
            throw SelectionError(unknown: unknown, suggestions: unknown.map { Self.suggestions(for: $0, among: selectorNames) })
        }
        return selecting { $0.matches(selectors) }
    }

    /// Every name `--only` takes: check IDs, categories and their leading parts.
    public var selectorNames: [String] {
        var names: [String] = []
        var seen = Set<String>()
        for descriptor in descriptors {
            var parts: [String] = []
            for part in descriptor.category.split(separator: "/") {
                parts.append(String(part))
                let category = parts.joined(separator: "/")
                if seen.insert(category).inserted { names.append(category) }
            }
        }
        for descriptor in descriptors where seen.insert(descriptor.id.lowercased()).inserted { names.append(descriptor.id) }
        return names
    }

    /// Up to three known names nearest to `name` (edit distance, case-insensitive; a name that
    /// starts with it counts as near).
    public static func suggestions(for name: String, among names: [String]) -> [String] {
        let wanted = name.lowercased()
        let scored = names.map { candidate -> (String, Int) in
            let lowered = candidate.lowercased()
            if lowered.hasPrefix(wanted) || wanted.hasPrefix(lowered) && lowered.count > 3 { return (candidate, 0) }
            return (candidate, editDistance(Array(wanted.utf8), Array(lowered.utf8)))
        }
        let limit = max(2, wanted.count / 3)
        return scored.filter { $0.1 <= limit }.sorted { $0.1 < $1.1 || ($0.1 == $1.1 && $0.0 < $1.0) }.prefix(3).map(\.0)
    }

    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = previous
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}

/// `--only` or `explain` named a check or category this build does not have.
public struct SelectionError: Error, Sendable, CustomStringConvertible {
    public var unknown: [String]
    public var suggestions: [[String]]

    public var description: String {
        zip(unknown, suggestions).map { name, near in
            "no check or category \"\(name)\"" + (near.isEmpty ? "" : "; did you mean \(near.map { "\"\($0)\"" }.joined(separator: ", "))?")
        }.joined(separator: "\n") + " (see `bulkhead checks`)"
    }
}

/// Something a check examined that is not a resource of the inventory: an AWS resource declared in
/// a template or module, or read from an account. The matrix counts it as evidence.
public struct Subject: Sendable, Hashable {
    public var resource: ResourceRef
    public var location: SourceLocation
    /// Its `bulkhead.io/ignore`, where the format has a place for one (CloudFormation `Metadata`).
    public var suppression: SuppressionMarker?

    public init(resource: ResourceRef, location: SourceLocation, suppression: SuppressionMarker? = nil) {
        self.resource = resource
        self.location = location
        self.suppression = suppression
    }
}

/// A `bulkhead.io/ignore` value found in an input, with where it was written.
public struct SuppressionMarker: Sendable, Hashable {
    public var value: String
    public var mark: Mark
    /// The field that holds it (`metadata.annotations.bulkhead.io/ignore`).
    public var field: String

    public init(value: String, mark: Mark, field: String) {
        self.value = value
        self.mark = mark
        self.field = field
    }
}

public enum Suppressions {
    /// The annotation (Kubernetes) or metadata key (CloudFormation) that suppresses named checks.
    public static let key = "bulkhead.io/ignore"
}

/// One scan's derived views, built by the first suite that asks and reused by the others.
public final class SharedViews: Sendable {
    private let built = Locked<[ObjectIdentifier: any Sendable]>([:])

    public init() {}

    public func view<View: Sendable>(_ type: View.Type, build: () -> View) -> View {
        if let view = built.withLock({ $0[ObjectIdentifier(type)] }) as? View { return view }
        let view = build()
        built.withLock { $0[ObjectIdentifier(type)] = view }
        return view
    }
}
