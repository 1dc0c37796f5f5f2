import BulkheadAdmission
import BulkheadCore
import BulkheadKubernetes
import BulkheadTestSupport
import Foundation
import Testing

enum Reviews {
    /// An AdmissionReview for `object` (YAML or JSON text), as the API server sends it.
    static func review(_ object: String, operation: String = "CREATE", namespace: String = "shop", username: String = "alice",
                       groups: [String] = ["developers"], dryRun: Bool = false, subResource: String? = nil,
                       namespaceLabels: [String: String]? = nil, uid: String = "0b9c2f1e-7a55-4c3e-9d0b-5f2a3c1d4e6f") -> [UInt8] {
        let node = YAMLLoader().load(object, file: "object").documents.first?.root
        var request: [String: Any] = [
            "uid": uid, "operation": operation, "namespace": namespace, "dryRun": dryRun,
            "userInfo": ["username": username, "groups": groups],
            "kind": ["group": "", "version": "v1", "kind": node?["kind"]?.string ?? "Pod"],
        ]
        if let node { request["object"] = node.jsonObject }
        if let subResource { request["subResource"] = subResource }
        if let namespaceLabels { request["namespaceObject"] = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": namespace, "labels": namespaceLabels]] }
        let review: [String: Any] = ["apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request]
        return Array((try? JSONSerialization.data(withJSONObject: review)) ?? Data())
    }

    static let restrictedPod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: ok}
        spec:
          securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
          containers:
          - name: app
            image: registry.example/app@sha256:4c3f2a6d1b0e9f8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a
            securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}
        """

    static let baselinePod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: plain}
        spec:
          containers: [{name: app, image: "registry.example/app:1.0"}]
        """

    static let privilegedPod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: root}
        spec:
          containers: [{name: app, image: "registry.example/app:1.0", securityContext: {privileged: true}}]
        """
}

@Suite("Admission reviews")
struct ReviewerTests {
    /// A policy enforcing restricted where namespaces have no labels.
    let reviewer = AdmissionReviewer(policy: .enforcing("restricted"))

    func policy(_ yaml: String) -> AdmissionPolicy {
        let (config, _) = BulkheadConfig.parse(yaml, file: "policy.yaml")
        return AdmissionPolicy.load(config, text: yaml).0
    }

    /// The default policy judges as Pod Security Admission does: a namespace without labels has
    /// nothing enforced (Bulkhead's other checks warn), one with labels gets what they say.
    @Test func theDefaultPolicyEnforcesNothingWithoutLabels() throws {
        let defaults = AdmissionReviewer()
        let unlabelled = try defaults.review(Reviews.review(Reviews.privilegedPod))
        #expect(unlabelled.allowed, "\(unlabelled.message ?? "")")
        let labelled = try defaults.review(Reviews.review(Reviews.privilegedPod, namespaceLabels: ["pod-security.kubernetes.io/enforce": "baseline"]))
        #expect(!labelled.allowed && labelled.message?.contains("privileged") == true)
    }

    @Test func decidesAtThePolicysLevelWithoutLabels() throws {
        let allowed = try reviewer.review(Reviews.review(Reviews.restrictedPod))
        #expect(allowed.allowed && allowed.uid == "0b9c2f1e-7a55-4c3e-9d0b-5f2a3c1d4e6f")
        let denied = try reviewer.review(Reviews.review(Reviews.baselinePod))
        #expect(!denied.allowed)
        #expect(denied.message?.contains("runAsNonRoot") == true)
        #expect(denied.message?.contains("spec.containers[0].securityContext") == true, "names the field")
        let json = denied.responseJSON
        #expect(json.contains("\"code\":403") && json.contains("\"uid\":\"0b9c2f1e-7a55-4c3e-9d0b-5f2a3c1d4e6f\""))
    }

    @Test func namespaceLabelsSetLevelAndModes() throws {
        let baseline = try reviewer.review(Reviews.review(Reviews.baselinePod, namespaceLabels: [
            "pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/audit": "restricted",
        ]))
        #expect(baseline.allowed, "baseline allows a plain pod")
        #expect(baseline.warnings.contains { $0.contains("runAsNonRoot") }, "warn at restricted")
        #expect(baseline.auditAnnotations["bulkhead.io/audit-violations"]?.contains("seccompProfile_restricted") == true)
        let privileged = try reviewer.review(Reviews.review(Reviews.privilegedPod, namespaceLabels: ["pod-security.kubernetes.io/enforce": "baseline"]))
        #expect(!privileged.allowed && privileged.message?.contains("privileged") == true)
        let open = try reviewer.review(Reviews.review(Reviews.privilegedPod, namespaceLabels: ["pod-security.kubernetes.io/enforce": "privileged"]))
        #expect(open.allowed)
    }

    @Test func bulkheadChecksFollowTheirConfiguredMode() throws {
        let enforcing = AdmissionReviewer(policy: policy("admission:\n  podSecurity: {enforce: baseline}\n  checks: {mode: warn, namespaces: {payments: enforce}}\n"))
        let shop = try enforcing.review(Reviews.review(Reviews.baselinePod))
        #expect(shop.allowed && shop.warnings.contains { $0.contains("readOnlyRootFilesystem") })
        let payments = try enforcing.review(Reviews.review(Reviews.baselinePod, namespace: "payments"))
        #expect(!payments.allowed && payments.message?.contains("readOnlyRootFilesystem") == true)
    }

    @Test func objectScopedChecksRunOnOneObjectAndClusterScopedOnesDoNot() throws {
        let enforcing = AdmissionReviewer(policy: policy("admission:\n  checks: {mode: enforce}\n"))
        let openPolicy = """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: open}
            spec:
              podSelector: {}
              policyTypes: [Ingress]
              ingress:
              - {}
            """
        let denied = try enforcing.review(Reviews.review(openPolicy))
        #expect(!denied.allowed && denied.message?.contains("netpolAllowsAll") == true, "a policy that allows all is judged on its own")
        #expect(denied.message?.contains("netpolSelectsNothing") == false, "whether it selects a pod needs the cluster")
        let pod = try enforcing.review(Reviews.review(Reviews.restrictedPod.replacingOccurrences(of: "spec:\n", with: "spec:\n  serviceAccountName: ghost\n")))
        #expect(!pod.enforced.contains { $0.checkID == "serviceAccountNotInInput" || $0.checkID == "netpolUnselectedWorkload" })
    }

    @Test func exemptionsAsPodSecurityAdmissionHasThem() throws {
        let exempting = AdmissionReviewer(policy: policy("""
            admission:
              podSecurity: {enforce: restricted}
              exemptions:
                namespaces: [tools]
                usernames: ["system:serviceaccount:kube-system:replicaset-controller"]
                groups: [break-glass]
                runtimeClasses: [kata]
            """))
        #expect(try exempting.review(Reviews.review(Reviews.privilegedPod, namespace: "tools")).allowed)
        #expect(try exempting.review(Reviews.review(Reviews.privilegedPod, username: "system:serviceaccount:kube-system:replicaset-controller")).allowed)
        #expect(try exempting.review(Reviews.review(Reviews.privilegedPod, groups: ["break-glass"])).allowed)
        let kata = Reviews.privilegedPod.replacingOccurrences(of: "spec:\n", with: "spec:\n  runtimeClassName: kata\n")
        #expect(try exempting.review(Reviews.review(kata)).allowed)
        #expect(try !exempting.review(Reviews.review(Reviews.privilegedPod)).allowed)
    }

    @Test func workloadTemplatesEphemeralContainersDryRunAndDeletes() throws {
        let deployment = """
            apiVersion: apps/v1
            kind: Deployment
            metadata: {name: web}
            spec:
              template:
                spec:
                  hostPID: true
                  containers: [{name: app, image: "x:1"}]
            """
        let denied = try reviewer.review(Reviews.review(deployment))
        #expect(!denied.allowed && denied.message?.contains("spec.template.spec.hostPID") == true)
        let debug = """
            apiVersion: v1
            kind: Pod
            metadata: {name: ok}
            spec:
              securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
              containers: [{name: app, image: "x:1", securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL]}}}]
              ephemeralContainers: [{name: debugger, image: "busybox:1.36", securityContext: {privileged: true}}]
            """
        let ephemeral = try reviewer.review(Reviews.review(debug, operation: "UPDATE", subResource: "ephemeralcontainers"))
        #expect(!ephemeral.allowed && ephemeral.message?.contains("ephemeral container \"debugger\"") == true)
        let dry = try reviewer.review(Reviews.review(Reviews.privilegedPod, dryRun: true))
        #expect(!dry.allowed && dry.dryRun, "a dry run gets the same verdict")
        #expect(try reviewer.review(Reviews.review(Reviews.privilegedPod, operation: "DELETE")).allowed)
        #expect(try reviewer.review(Reviews.review(Reviews.privilegedPod, operation: "CONNECT")).allowed)
    }

    @Test func refusesWhatIsNotAnAdmissionReview() {
        for (body, expected) in [
            ("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {", "malformed JSON"),
            ("{\"apiVersion\": \"admission.k8s.io/v1beta1\", \"kind\": \"AdmissionReview\", \"request\": {\"uid\": \"1\"}}", "expected apiVersion admission.k8s.io/v1"),
            ("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\"}", "request: missing"),
            ("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {\"uid\": \"1\", \"operation\": \"CREATE\"}}", "request.object"),
            ("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {\"uid\": 7, \"operation\": \"DELETE\"}}", "request.uid: must be a string"),
            ("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {\"uid\": \"1\"}}", "request.operation: expected CREATE, UPDATE, DELETE or CONNECT, got none"),
            ("{\"apiVersion\": \"admission.k8s.io/v1\", \"kind\": \"AdmissionReview\", \"request\": {\"uid\": \"1\", \"operation\": \"PATCH\"}}", "got PATCH"),
            ("[1, 2]", "not a JSON object"),
            ("\u{0}\u{1}garbage", "malformed JSON"),
        ] {
            do {
                _ = try reviewer.review(Array(body.utf8))
                Issue.record("\(body) was judged")
            } catch {
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
    }
}

/// The webhook's verdict on an object equals `bulkhead scan`'s on the same object: every object
/// that carries a pod, in the scan test fixtures and in ../shared/corpus.
@Suite("CLI and webhook parity")
struct ParityTests {
    @Test(.enabled(if: Shared.hasCorpus, Shared.noCorpus)) func webhookAndScanAgreeOnEveryCorpusObject() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let paths = [root.appendingPathComponent("examples").path, Shared.corpus.path]
        let scanner = Scanner(registry: KubernetesChecks.registry(only: ["pod-security"]), options: ScanOptions(podSecurityLevel: "restricted", podSecurityVersion: "latest"))
        let (inventory, _) = scanner.inventory(InputDiscovery.discover(paths).inputs)
        // The scan's default level (restricted) is what this policy enforces without labels.
        let reviewer = AdmissionReviewer(policy: .enforcing("restricted"))
        var compared = 0
        var mismatches: [String] = []
        for resource in inventory.resources where WorkloadKinds.template(for: resource) != nil {
            var judged = resource
            judged.ref.namespace = resource.namespace ?? "default"
            let scanVerdict = scanner.scan(resources: [judged])
            // The scan reports input errors for malformed fields; the webhook cannot see those either way.
            guard scanVerdict.errors.isEmpty else { continue }
            let body = Reviews.review(String(decoding: try JSONSerialization.data(withJSONObject: resource.node.jsonObject), as: UTF8.self),
                                      namespace: judged.namespace ?? "default")
            let outcome = try reviewer.review(body)
            compared += 1
            if outcome.allowed != scanVerdict.findings.isEmpty {
                mismatches.append("\(resource.file) \(resource.ref): webhook \(outcome.allowed ? "allowed" : "denied"), scan \(scanVerdict.findings.count) findings")
            }
            let enforced = Set(outcome.enforced.map(\.checkID))
            let scanned = Set(scanVerdict.findings.map(\.checkID))
            if enforced != scanned { mismatches.append("\(resource.ref): checks \(enforced.sorted()) vs \(scanned.sorted())") }
        }
        print("parity: \(compared) objects compared")
        #expect(compared > 400)
        #expect(mismatches.isEmpty, "\(mismatches.prefix(10))")
    }

    /// The namespace's Pod Security labels, valid or malformed, are read the same way by the
    /// webhook (from the request's namespaceObject) and by the scan (from the Namespace object).
    @Test(arguments: [
        ["pod-security.kubernetes.io/enforce": "baseline"],
        ["pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "v1.x"],
        ["pod-security.kubernetes.io/enforce": "baselin", "pod-security.kubernetes.io/enforce-version": "v1.20"],
        ["pod-security.kubernetes.io/enforce": "baseline", "pod-security.kubernetes.io/enforce-version": "v1.18"],
        ["pod-security.kubernetes.io/enforce": "privileged"],
        ["pod-security.kubernetes.io/enforce-version": "v1.22"],
    ])
    func webhookAndScanReadNamespaceLabelsAlike(_ labels: [String: String]) throws {
        // Baseline-clean, restricted-failing (runs as root, no seccomp): only the level decides.
        let pod = """
            apiVersion: v1
            kind: Pod
            metadata: {name: web, namespace: shop}
            spec:
              containers:
              - name: app
                image: nginx:1.27
            """
        let namespace = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n  labels:\n"
            + labels.sorted { $0.key < $1.key }.map { "    \($0.key): \"\($0.value)\"\n" }.joined()
        let scan = Scanner(registry: KubernetesChecks.registry(only: ["pod-security"])).scan(text: namespace + "---\n" + pod, file: "t.yaml")
        let outcome = try AdmissionReviewer(policy: .enforcing("restricted")).review(Reviews.review(pod, namespace: "shop", namespaceLabels: labels))
        #expect(Set(outcome.enforced.map(\.checkID)) == Set(scan.findings.map(\.checkID)), "\(labels)")
    }
}

@Suite("Install manifests")
struct InstallManifestTests {
    @Test func theWebhookDeploymentPassesBulkheadsOwnScan() throws {
        let certificates = try WebhookCertificates.generate(dnsNames: WebhookCertificates.serviceNames(namespace: "bulkhead-system"))
        let manifests = InstallManifests(namespace: "bulkhead-system", caBundle: certificates.caBundle,
                                         image: "registry.example/bulkhead@sha256:" + String(repeating: "ab", count: 32)).yaml
        let result = Scanner(registry: KubernetesChecks.registry).scan(text: manifests, file: "install.yaml")
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.findings.isEmpty, "\(result.findings.map { "\($0.checkID) \($0.resource): \($0.message)" })")
        #expect(result.stats.resourcesChecked >= 6)
        #expect(manifests.contains("caBundle: \(certificates.caBundle)"))
        #expect(manifests.contains("values: [kube-system, bulkhead-system]"), "never locks itself out")
        #expect(manifests.contains("sideEffects: None") && manifests.contains("admissionReviewVersions: [v1]") && manifests.contains("failurePolicy: Fail"))
        #expect(manifests.contains("replicas: 2") && manifests.contains("kind: PodDisruptionBudget") && manifests.contains("podAntiAffinity"))
    }

    @Test func certificatesCarryTheServiceNames() throws {
        let certificates = try WebhookCertificates.generate(dnsNames: WebhookCertificates.serviceNames(namespace: "sec"), ipAddresses: ["127.0.0.1"])
        #expect(certificates.caPEM.hasPrefix("-----BEGIN CERTIFICATE-----"))
        #expect(certificates.privateKeyPEM.contains("PRIVATE KEY"))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-certs-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try certificates.write(to: directory)
        let (status, text) = try Command.run(["openssl", "x509", "-in", "\(directory)/tls.crt", "-noout", "-text"])
        #expect(status == 0)
        #expect(text.contains("DNS:bulkhead.sec.svc") && text.contains("DNS:bulkhead.sec.svc.cluster.local") && text.contains("IP Address:127.0.0.1"))
        #expect(text.contains("prime256v1") || text.contains("P-256"))
        let (verify, output) = try Command.run(["openssl", "verify", "-CAfile", "\(directory)/ca.crt", "\(directory)/tls.crt"])
        #expect(verify == 0, "\(output)")
    }

}

/// What the printed registration does when the webhook is down: the API server's matching
/// (rules, scope, namespaceSelector) applied to the printed ValidatingWebhookConfiguration, then
/// its failurePolicy. With Fail, workloads in ordinary namespaces are refused until the webhook is
/// back; nothing the control plane needs to recover is ever refused.
@Suite("Install manifests: the webhook down")
struct WebhookOutageTests {
    struct Operation: CustomStringConvertible {
        var what: String
        var group: String
        var resource: String
        var operation: String
        var namespace: String?
        var description: String { what }
    }

    /// Whether one webhook entry of the configuration is called for the operation.
    static func matches(_ webhook: YAMLNode, _ op: Operation) -> Bool {
        let ruleMatches = (webhook["rules"]?.items ?? []).contains { rule in
            let scope = rule["scope"]?.string ?? "*"
            let scoped = scope == "*" || (scope == "Namespaced") == (op.namespace != nil)
            return scoped
                && (rule["apiGroups"]?.items ?? []).contains { $0.string == op.group || $0.string == "*" }
                && (rule["resources"]?.items ?? []).contains { $0.string == op.resource || $0.string == "*" }
                && (rule["operations"]?.items ?? []).contains { $0.string == op.operation || $0.string == "*" }
        }
        guard ruleMatches else { return false }
        // A namespaceSelector applies to namespaced objects only.
        if let namespace = op.namespace {
            for expression in webhook["namespaceSelector"]?["matchExpressions"]?.items ?? []
            where expression["key"]?.string == "kubernetes.io/metadata.name" {
                let values = (expression["values"]?.items ?? []).compactMap(\.string)
                if expression["operator"]?.string == "NotIn" && values.contains(namespace) { return false }
                if expression["operator"]?.string == "In" && !values.contains(namespace) { return false }
            }
        }
        return true
    }

    /// "refused" or "admitted" with the webhook unreachable.
    static func outcome(_ manifests: String, _ op: Operation) -> String {
        let documents = YAMLLoader().load(manifests, file: "install.yaml").documents.map(\.root)
        let webhooks = documents.filter { $0["kind"]?.string == "ValidatingWebhookConfiguration" }.flatMap { $0["webhooks"]?.items ?? [] }
        let called = webhooks.filter { matches($0, op) }
        return called.contains { $0["failurePolicy"]?.string == "Fail" } ? "refused" : "admitted"
    }

    static let operations: [(Operation, fail: String, ignore: String)] = [
        (Operation(what: "create a Deployment in shop", group: "apps", resource: "deployments", operation: "CREATE", namespace: "shop"), "refused", "admitted"),
        (Operation(what: "create a Pod in shop (a ReplicaSet scaling up)", group: "", resource: "pods", operation: "CREATE", namespace: "shop"), "refused", "admitted"),
        (Operation(what: "delete a Pod in shop", group: "", resource: "pods", operation: "DELETE", namespace: "shop"), "admitted", "admitted"),
        (Operation(what: "create a Pod in kube-system (CoreDNS, CNI)", group: "", resource: "pods", operation: "CREATE", namespace: "kube-system"), "admitted", "admitted"),
        (Operation(what: "create a Pod in bulkhead-system (the webhook itself recovering)", group: "", resource: "pods", operation: "CREATE", namespace: "bulkhead-system"), "admitted", "admitted"),
        (Operation(what: "update a ClusterRole (the aggregation controller)", group: "rbac.authorization.k8s.io", resource: "clusterroles", operation: "UPDATE", namespace: nil), "admitted", "admitted"),
        (Operation(what: "create a ClusterRoleBinding", group: "rbac.authorization.k8s.io", resource: "clusterrolebindings", operation: "CREATE", namespace: nil), "admitted", "admitted"),
        (Operation(what: "create a RoleBinding in shop", group: "rbac.authorization.k8s.io", resource: "rolebindings", operation: "CREATE", namespace: "shop"), "refused", "admitted"),
        (Operation(what: "create a Namespace", group: "", resource: "namespaces", operation: "CREATE", namespace: nil), "admitted", "admitted"),
        (Operation(what: "update a Lease in kube-system (leader election)", group: "coordination.k8s.io", resource: "leases", operation: "UPDATE", namespace: "kube-system"), "admitted", "admitted"),
        (Operation(what: "update a Node's status", group: "", resource: "nodes", operation: "UPDATE", namespace: nil), "admitted", "admitted"),
    ]

    @Test func whatFailsWhileTheWebhookIsDown() throws {
        let image = "registry.example/bulkhead@sha256:" + String(repeating: "ab", count: 32)
        let fail = InstallManifests(namespace: "bulkhead-system", caBundle: "Q0E=", failurePolicy: .fail, image: image).yaml
        let ignore = InstallManifests(namespace: "bulkhead-system", caBundle: "Q0E=", failurePolicy: .ignore, image: image).yaml
        var table = ["webhook down: operation | failurePolicy Fail | Ignore"]
        for (operation, expectedFail, expectedIgnore) in Self.operations {
            let (withFail, withIgnore) = (Self.outcome(fail, operation), Self.outcome(ignore, operation))
            table.append("\(operation) | \(withFail) | \(withIgnore)")
            #expect(withFail == expectedFail, "\(operation) with Fail")
            #expect(withIgnore == expectedIgnore, "\(operation) with Ignore")
        }
        // The API server down: nothing reaches it, the webhook is never consulted; recovery needs
        // no webhook either (kube-system and bulkhead-system are never sent).
        print(table.joined(separator: "\n"))
    }
}
