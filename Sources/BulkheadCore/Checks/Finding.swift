/// One violation of one check by one resource, pointing at the field a person must change.
public struct Finding: Sendable, Hashable, Codable {
    public var checkID: String
    public var title: String
    public var severity: Severity
    /// The check's category: `pod-security/baseline`, `rbac`, `network`, `secrets`...
    public var category: String = ""
    public var message: String
    public var location: SourceLocation
    /// Field path within the object, e.g. `spec.template.spec.containers[1].securityContext.privileged`.
    public var fieldPath: String
    public var resource: ResourceRef
    public var controls: [String]
    public var remediation: String
    /// Set when an annotation or a `.bulkhead.yaml` exception suppresses this finding.
    public var suppression: Suppression?

    public init(checkID: String, title: String, severity: Severity, message: String, location: SourceLocation,
                fieldPath: String, resource: ResourceRef, controls: [String], remediation: String) {
        self.checkID = checkID
        self.title = title
        self.severity = severity
        self.message = message
        self.location = location
        self.fieldPath = fieldPath
        self.resource = resource
        self.controls = controls
        self.remediation = remediation
    }
}

public struct Suppression: Sendable, Hashable, Codable {
    public enum Source: String, Sendable, Codable {
        /// `bulkhead.io/ignore` on the resource.
        case annotation
        /// An exception in `.bulkhead.yaml`.
        case config
    }

    public var source: Source
    public var reason: String
    public var expires: String?

    public init(source: Source, reason: String, expires: String? = nil) {
        self.source = source
        self.reason = reason
        self.expires = expires
    }
}
