import BulkheadCore
import BulkheadKubernetes
import Foundation

/// Judges one `admission.k8s.io/v1` AdmissionReview with the same checks and `Scanner` as
/// `bulkhead scan`, so the webhook and the CLI give the same verdict on the same object.
public struct AdmissionReviewer: Sendable {
    public var policy: AdmissionPolicy

    public init(policy: AdmissionPolicy = AdmissionPolicy()) {
        self.policy = policy
    }

    /// A request the webhook refuses to judge: answered with HTTP 400 and this message.
    public struct BadRequest: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public struct Outcome: Sendable {
        public var uid: String
        public var allowed: Bool
        public var message: String?
        public var warnings: [String]
        public var auditAnnotations: [String: String]
        public var kind: String
        public var operation: String
        public var dryRun: Bool
        /// Findings at the enforce level (what denied the request).
        public var enforced: [Finding]

        /// The AdmissionReview response body.
        public var responseJSON: String {
            var out: [UInt8] = []
            out.reserveCapacity(256)
            func raw(_ text: String) { out.append(contentsOf: text.utf8) }
            func quoted(_ text: String) { JSONText.appendQuoted(text, to: &out) }
            raw("{\"apiVersion\":\"admission.k8s.io/v1\",\"kind\":\"AdmissionReview\",\"response\":{\"allowed\":\(allowed),\"uid\":")
            quoted(uid)
            if let message, !allowed {
                raw(",\"status\":{\"code\":403,\"message\":")
                quoted(message)
                raw(",\"reason\":\"Forbidden\"}")
            }
            if !warnings.isEmpty {
                raw(",\"warnings\":[")
                for (index, warning) in warnings.enumerated() {
                    if index > 0 { raw(",") }
                    quoted(warning)
                }
                raw("]")
            }
            if !auditAnnotations.isEmpty {
                raw(",\"auditAnnotations\":{")
                for (index, annotation) in auditAnnotations.sorted(by: { $0.key < $1.key }).enumerated() {
                    if index > 0 { raw(",") }
                    quoted(annotation.key)
                    raw(":")
                    quoted(annotation.value)
                }
                raw("}")
            }
            raw("}}")
            return String(decoding: out, as: UTF8.self)
        }
    }

    static let podSecurityRegistry = KubernetesChecks.registry(only: ["pod-security"])
    /// The checks beyond Pod Security that judge one object alone: those of `.cluster` scope need
    /// the rest of the cluster (bindings, policies, service accounts), which the webhook does not see.
    static let objectCheckIDs: [String] = KubernetesChecks.registry.descriptors
        .filter { !$0.category.hasPrefix("pod-security") && $0.scope == .object }
        .map(\.id)
    static let objectChecksRegistry = KubernetesChecks.registry(only: objectCheckIDs)
    /// Pod Security and the object checks in one pass (the pod spec is read once).
    static let combinedRegistry = KubernetesChecks.registry(only: ["pod-security"] + objectCheckIDs)

    public func review(_ body: [UInt8]) throws(BadRequest) -> Outcome {
        let loaded = body.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: "AdmissionReview") }
        if let problem = loaded.diagnostics.first(where: { $0.level == .error }) {
            throw BadRequest(message: "malformed JSON at line \(problem.line), column \(problem.column): \(problem.message)")
        }
        guard let root = loaded.documents.first?.root, root.isMapping else { throw BadRequest(message: "the body is not a JSON object") }
        guard root["apiVersion"]?.string == "admission.k8s.io/v1", root["kind"]?.string == "AdmissionReview" else {
            throw BadRequest(message: "expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got \(root["apiVersion"]?.string ?? "none") \(root["kind"]?.string ?? "none")")
        }
        guard let request = root["request"], request.isMapping else { throw BadRequest(message: "request: missing") }
        guard let uid = request["uid"]?.string, !uid.isEmpty else { throw BadRequest(message: "request.uid: missing") }
        guard request["uid"]?.scalar?.style == .quoted else { throw BadRequest(message: "request.uid: must be a string") }
        // An unknown or missing operation is refused, never allowed: the API server then applies the
        // webhook's failure policy.
        let operation = request["operation"]?.string ?? ""
        guard ["CREATE", "UPDATE", "DELETE", "CONNECT"].contains(operation) else {
            throw BadRequest(message: "request.operation: expected CREATE, UPDATE, DELETE or CONNECT, got \(operation.isEmpty ? "none" : operation)")
        }
        let kind = request["kind"]?["kind"]?.string ?? ""
        let namespace = request["namespace"]?.string ?? ""
        let dryRun = request["dryRun"]?.bool ?? false
        var outcome = Outcome(uid: uid, allowed: true, message: nil, warnings: [], auditAnnotations: [:], kind: kind,
                              operation: operation, dryRun: dryRun, enforced: [])

        // DELETE and CONNECT carry nothing to judge.
        guard operation == "CREATE" || operation == "UPDATE" else { return outcome }
        let username = request["userInfo"]?["username"]?.string ?? ""
        let groups = request["userInfo"]?["groups"]?.items?.compactMap(\.string) ?? []
        if policy.exemptNamespaces.contains(namespace) || policy.exemptUsernames.contains(username)
            || groups.contains(where: policy.exemptGroups.contains) {
            return outcome
        }
        guard let object = request["object"], object.isMapping else { throw BadRequest(message: "request.object: missing for \(operation)") }
        var extracted = ResourceExtractor.extract([YAMLDocument(root: object, index: 0)], file: "admission request \(uid)")
        guard var resource = extracted.resources.first else {
            throw BadRequest(message: "request.object: not a Kubernetes object (no apiVersion or kind)")
        }
        if resource.ref.namespace == nil && !namespace.isEmpty { resource.ref.namespace = namespace }
        if let runtimeClass = Self.runtimeClass(of: resource), policy.exemptRuntimeClasses.contains(runtimeClass) { return outcome }
        extracted.resources = [resource]

        // The namespace's labels: sent with the request when the API server is configured to, else the policy's defaults.
        var labels: [String: String] = [:]
        if let namespaceObject = request["namespaceObject"], namespaceObject.isMapping,
           let namespaceResource = ResourceExtractor.extract([YAMLDocument(root: namespaceObject, index: 0)], file: "namespace").resources.first {
            labels = namespaceResource.labels
        }
        let ref = "\(resource.kind) \(resource.namespace.map { "\($0)/" } ?? "")\(resource.name)"
        var byMode: [AdmissionPolicy.Mode: [Finding]] = [:]
        // The Pod Security level and version of each mode; modes usually share one, and each
        // distinct one is evaluated once. The first pass also runs the object checks.
        var levels: [(AdmissionPolicy.Mode, ScanOptions)] = []
        for mode in [AdmissionPolicy.Mode.enforce, .warn, .audit] {
            // The namespace's labels read as the scan reads them (PodSecurityPolicy.fromLabels).
            let defaults = policy.podSecurity[mode]
            let resolved = PodSecurityPolicy.fromLabels(
                labels, mode: mode.rawValue, defaultLevel: defaults.map { PodSecurityLevel(rawValue: $0.level) ?? .restricted },
                defaultVersion: defaults.map { PodSecurityVersion($0.version) ?? .latest } ?? .latest)
            guard let level = resolved.level, level != .privileged else { continue }
            levels.append((mode, ScanOptions(podSecurityLevel: level.rawValue, podSecurityVersion: (resolved.version ?? .latest).description)))
        }
        let checksMode = policy.checksMode(for: namespace)
        let allowedRegistries = policy.config?.allowedRegistries ?? []
        let digestSeverity = policy.config?.imageDigestSeverity
        var evaluated: [ScanOptions: [Finding]] = [:]
        var objectFindings: [Finding]?
        for (mode, options) in levels {
            if evaluated[options] == nil {
                if objectFindings == nil && checksMode != .off {
                    var combined = options
                    combined.allowedRegistries = allowedRegistries
                    combined.imageDigestSeverity = digestSeverity
                    let findings = Scanner(registry: Self.combinedRegistry, options: combined, config: policy.config, today: Self.today)
                        .scan(resources: extracted.resources).findings
                    evaluated[options] = findings.filter { $0.category.hasPrefix("pod-security") }
                    objectFindings = findings.filter { !$0.category.hasPrefix("pod-security") }
                } else {
                    evaluated[options] = Scanner(registry: Self.podSecurityRegistry, options: options, config: policy.config, today: Self.today)
                        .scan(resources: extracted.resources).findings
                }
            }
            byMode[mode, default: []] += evaluated[options] ?? []
        }
        if checksMode != .off {
            if objectFindings == nil {
                let options = ScanOptions(allowedRegistries: allowedRegistries, imageDigestSeverity: digestSeverity)
                objectFindings = Scanner(registry: Self.objectChecksRegistry, options: options, config: policy.config, today: Self.today)
                    .scan(resources: extracted.resources).findings
            }
            byMode[checksMode, default: []] += objectFindings ?? []
        }

        func line(_ finding: Finding) -> String {
            "\(finding.checkID): \(finding.message) (\(finding.fieldPath))"
        }
        let enforced = byMode[.enforce] ?? []
        if !enforced.isEmpty {
            outcome.allowed = false
            outcome.enforced = enforced
            outcome.message = "bulkhead denied \(ref): " + enforced.map(line).joined(separator: "; ")
        }
        outcome.warnings = (byMode[.warn] ?? []).map { "bulkhead " + line($0) }
        if let audit = byMode[.audit], !audit.isEmpty {
            outcome.auditAnnotations["bulkhead.io/audit-violations"] = audit.map(line).joined(separator: "; ")
        }
        return outcome
    }

    /// Today's date for exception expiry, worked out once a minute rather than per request.
    static var today: DateComponents { DayCache.shared.today }

    static func runtimeClass(of resource: Resource) -> String? {
        var node = resource.node
        for key in WorkloadKinds.template(for: resource)?.templatePath ?? [] { node = node[key] ?? node }
        return node["spec"]?["runtimeClassName"]?.string
    }
}

/// The UTC date, refreshed at most once a minute.
final class DayCache: Sendable {
    static let shared = DayCache()
    private let state = Locked((cached: DateComponents(), refreshed: Date.distantPast))

    var today: DateComponents {
        state.withLock { state in
            let now = Date()
            if now.timeIntervalSince(state.refreshed) > 60 {
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
                state.cached = calendar.dateComponents([.year, .month, .day], from: now)
                state.refreshed = now
            }
            return state.cached
        }
    }
}
