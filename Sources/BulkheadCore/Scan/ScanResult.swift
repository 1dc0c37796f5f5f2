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
    /// Checks that could not judge a resource, with the reason: never counted as a pass.
    public var notAssessed: [NotAssessed] = []
    /// What the suites examined inside inputs that hold many resources (templates, modules, accounts).
    public var subjects: [Subject] = []
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
    /// Documents that are not Kubernetes objects (no kind/apiVersion) nor CloudFormation templates.
    public var notObjects = 0
    /// Resources declared inside templates (each template counts once in `resources`).
    public var templateResources = 0

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

/// A check that could not judge a resource: the value it needs is unknown before deployment (a
/// parameter without a default, an imported value), or the API that would tell failed. It is
/// neither a pass nor a finding; reports list it with its reason.
public struct NotAssessed: Sendable, Codable, Hashable {
    public var checkID: String
    public var resource: ResourceRef
    public var location: SourceLocation
    public var fieldPath: String
    public var reason: String

    public init(checkID: String, resource: ResourceRef, location: SourceLocation, fieldPath: String, reason: String) {
        self.checkID = checkID
        self.resource = resource
        self.location = location
        self.fieldPath = fieldPath
        self.reason = reason
    }
}
