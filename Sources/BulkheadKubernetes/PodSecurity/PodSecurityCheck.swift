import BulkheadCore

/// One check of the Pod Security Standards, with upstream's version history: each
/// implementation applies from its minimum version until the next one.
public struct PodSecurityCheck: Sendable {
    public struct Implementation: Sendable {
        /// The `N` of `v1.N` from which this implementation applies.
        public var minimumMinor: Int
        /// Checks IDs this one replaces at this version (a restricted check overriding its baseline twin).
        public var overrides: [String]
        public var evaluate: @Sendable (PodSpec) -> [PodSecurityViolation]

        public init(since minimumMinor: Int, overrides: [String] = [], _ evaluate: @escaping @Sendable (PodSpec) -> [PodSecurityViolation]) {
            self.minimumMinor = minimumMinor
            self.overrides = overrides
            self.evaluate = evaluate
        }
    }

    public var descriptor: CheckDescriptor
    public var level: PodSecurityLevel
    public var implementations: [Implementation]

    public var id: String { descriptor.id }

    /// The implementation in force at a version, if the check exists at that version.
    public func implementation(at version: PodSecurityVersion) -> Implementation? {
        implementations.last { version.includes($0.minimumMinor) }
    }

    /// "since v1.0; changed in v1.25" for listings.
    public var versionHistory: String {
        let minors = implementations.map { "v1.\($0.minimumMinor)" }
        guard let first = minors.first else { return "" }
        if minors.count == 1 { return "since \(first)" }
        return "since \(first); revised in " + minors.dropFirst().joined(separator: ", ")
    }
}

/// Runs the Pod Security Standards on every object that carries a pod spec, at the level and
/// version its namespace (or the command line) sets, exactly as the admission plugin selects them.
public struct PodSecuritySuite: Sendable {
    public let checks: [PodSecurityCheck]
    /// The checks in force for each level and version, computed once: `active` is looked up for
    /// every resource. Index: minor version (versions past the newest implementation share "latest").
    private let baselineByMinor: [[ActiveCheck]]
    private let restrictedByMinor: [[ActiveCheck]]

    public typealias ActiveCheck = (PodSecurityCheck, PodSecurityCheck.Implementation)

    public init(checks: [PodSecurityCheck] = PodSecurityStandards.all) {
        self.checks = checks
        let newest = checks.flatMap { $0.implementations.map(\.minimumMinor) }.max() ?? 0
        baselineByMinor = (0...newest).map { Self.select(checks, level: .baseline, version: .minor($0)) }
        restrictedByMinor = (0...newest).map { Self.select(checks, level: .restricted, version: .minor($0)) }
    }

    public var descriptors: [CheckDescriptor] { checks.map(\.descriptor) }

    /// The checks and implementations in force for a level and version, after overrides.
    public func active(level: PodSecurityLevel, version: PodSecurityVersion) -> [ActiveCheck] {
        let table: [[ActiveCheck]]
        switch level {
        case .privileged: return []
        case .baseline: table = baselineByMinor
        case .restricted: table = restrictedByMinor
        }
        guard let last = table.indices.last else { return [] }
        switch version {
        case .latest: return table[last]
        case .minor(let minor): return table[min(minor, last)]
        }
    }

    private static func select(_ checks: [PodSecurityCheck], level: PodSecurityLevel, version: PodSecurityVersion) -> [ActiveCheck] {
        let candidates = checks.compactMap { check -> (PodSecurityCheck, PodSecurityCheck.Implementation)? in
            guard check.level <= level, let implementation = check.implementation(at: version) else { return nil }
            return (check, implementation)
        }
        let overridden = Set(candidates.flatMap { $0.1.overrides })
        return candidates.filter { !overridden.contains($0.0.id) }
    }

    /// The Pod Security findings of one workload, and any warning about its namespace's labels.
    public func evaluate(_ view: WorkloadView, in context: ScanContext) -> SuiteOutcome {
        let (policy, diagnostics) = PodSecurityPolicy.resolve(for: view.resource, context: context)
        var outcome = SuiteOutcome(diagnostics: diagnostics)
        for (check, implementation) in active(level: policy.level, version: policy.version) {
            for violation in implementation.evaluate(view.spec) {
                outcome.record(violation, of: check.descriptor, on: view.resource)
            }
        }
        return outcome
    }
}

/// Helpers shared by the checks, in upstream's wording.
enum PodSecurityText {
    static func container(_ container: Container) -> String {
        let noun: String
        switch container.kind {
        case .container: noun = "container"
        case .initContainer: noun = "init container"
        case .ephemeralContainer: noun = "ephemeral container"
        }
        return "\(noun) \"\(container.name)\""
    }
}

enum PodSecurityReferences {
    static let standard = "https://kubernetes.io/docs/concepts/security/pod-security-standards/"
    static let baseline = FrameworkReference(.pssStandard, "Baseline")
    static let restricted = FrameworkReference(.pssStandard, "Restricted")
    /// NIST SP 800-190 §5.4.3, countermeasures for insecure container runtime configurations.
    static let nistRuntimeConfig = FrameworkReference(.nist800190, "5.4.3")
    /// NIST SP 800-190 §5.5.5, countermeasures for host OS file system tampering.
    static let nistHostFilesystem = FrameworkReference(.nist800190, "5.5.5")
}
