/// What a check says about one thing it judged, in every family: a **violation** (becomes a
/// finding), or **not assessed** (it cannot tell: a value unknown before deployment, an API that
/// failed; the reason is kept). Saying nothing is a pass. Findings and not-assessed entries are
/// made from verdicts in one place, `SuiteOutcome.record`.
public struct Verdict: Sendable {
    public enum Kind: Sendable, Hashable {
        case violation
        case notAssessed
    }

    public var kind: Kind
    /// What is wrong, or (not assessed) why the check cannot tell.
    public var message: String
    /// Where to point: the offending value; nil points at the judged thing itself (a missing property).
    public var mark: Mark?
    /// Field path inside the judged thing (`spec.containers[0].securityContext.privileged`,
    /// `ResourcesVpcConfig.EndpointPublicAccess`).
    public var path: String
    /// Overrides the check's severity for this verdict (a power held by a running workload).
    public var severity: Severity?

    public init(kind: Kind = .violation, mark: Mark?, path: String, message: String, severity: Severity? = nil) {
        self.kind = kind
        self.mark = mark
        self.path = path
        self.message = message
        self.severity = severity
    }

    public static func violation(_ message: String, at mark: Mark?, _ path: String, severity: Severity? = nil) -> Verdict {
        Verdict(kind: .violation, mark: mark, path: path, message: message, severity: severity)
    }

    public static func notAssessed(_ reason: String, at mark: Mark?, _ path: String) -> Verdict {
        Verdict(kind: .notAssessed, mark: mark, path: path, message: reason)
    }
}

/// Anything a check judges: a Kubernetes object, an AWS resource, later an image or an event.
public protocol Judged {
    var ref: ResourceRef { get }
    /// Where a verdict at `mark` points (nil: the judged thing itself).
    func location(_ mark: Mark?) -> SourceLocation
}

extension Resource: Judged {
    public func location(_ mark: Mark?) -> SourceLocation {
        SourceLocation(file: file, mark: mark ?? node.mark)
    }
}

extension SuiteOutcome {
    /// The one place a verdict becomes a finding or a not-assessed entry.
    public mutating func record(_ verdict: Verdict, of descriptor: CheckDescriptor, on subject: some Judged) {
        let location = subject.location(verdict.mark)
        switch verdict.kind {
        case .violation:
            var finding = Finding(checkID: descriptor.id, title: descriptor.title, severity: verdict.severity ?? descriptor.severity,
                                  message: verdict.message, location: location, fieldPath: verdict.path, resource: subject.ref,
                                  controls: descriptor.controls, remediation: descriptor.remediation)
            finding.category = descriptor.category
            findings.append(finding)
        case .notAssessed:
            notAssessed.append(NotAssessed(checkID: descriptor.id, resource: subject.ref, location: location,
                                           fieldPath: verdict.path, reason: verdict.message))
        }
    }
}
