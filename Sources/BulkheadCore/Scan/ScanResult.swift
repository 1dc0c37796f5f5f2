/// Everything one scan produced; every report format is written from this one value.
public struct ScanResult: Sendable {
    /// Findings that count (not suppressed), in input order.
    public var findings: [Finding] = []
    /// Findings an annotation or an exception suppressed: counted and listable, never dropped.
    public var suppressed: [Finding] = []
    /// Problems with the input: they make the exit code 2.
    public var diagnostics: [Diagnostic] = []
    /// Exceptions of `.bulkhead.yaml` whose `expires` date has passed: they no longer suppress.
    public var expiredExceptions: [ExpiredException] = []
    public var stats = ScanStats()

    public init() {}

    public var errors: [Diagnostic] { diagnostics.filter { $0.level == .error } }

    public func findings(atOrAbove severity: Severity) -> [Finding] {
        findings.filter { $0.severity >= severity }
    }

    /// Whether a finding that counts is at or above `severity` (the exit-code question).
    public func hasFindings(atOrAbove severity: Severity) -> Bool {
        findings.contains { $0.severity >= severity }
    }
}

public struct ScanStats: Sendable, Codable, Hashable {
    public var files = 0
    public var bytes = 0
    public var documents = 0
    public var resources = 0
    /// Resources at least one check applied to.
    public var resourcesChecked = 0
    /// Resources of kinds no check looks at, by kind: skipped quietly, but counted.
    public var skippedKinds: [String: Int] = [:]
    /// Documents that are not Kubernetes objects (no kind/apiVersion).
    public var notObjects = 0

    public init() {}

    public var skipped: Int { skippedKinds.values.reduce(0, +) }
}

public struct ExpiredException: Sendable, Codable, Hashable {
    public var file: String
    public var line: Int
    public var checks: [String]
    public var reason: String
    public var expires: String
    /// Findings it would have suppressed had it not expired.
    public var findings: Int
}
