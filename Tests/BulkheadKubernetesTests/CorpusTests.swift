import BulkheadCore
import BulkheadKubernetes
import Foundation
import Testing

enum Corpus {
    /// `../shared/corpus` beside the repository, as CI lays it out.
    static var root: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/corpus")
    }

    struct Label: Decodable {
        var file: String
        var check: String
        var expect: String
        var resource: String?
    }

    static func labels(_ folder: String) throws -> [Label] {
        let text = try String(contentsOf: root.appendingPathComponent("\(folder)/expected.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Label.self, from: Data($0.utf8)) }
    }
}

/// Our verdicts against the labelled fixtures of Checkov and Polaris, for the checks that mean
/// the same thing. A label maps to our check IDs (either twin where the restricted level
/// overrides a baseline check) and, for checks that cover several fields, the field or value.
@Suite("Labelled corpora")
struct CorpusTests {
    struct Mapping {
        var checks: Set<String>
        var mention: String?
    }

    static let checkov: [String: Mapping] = [
        "CKV_K8S_16": Mapping(checks: ["privileged"]),
        "CKV_K8S_17": Mapping(checks: ["hostNamespaces"], mention: "hostPID"),
        "CKV_K8S_18": Mapping(checks: ["hostNamespaces"], mention: "hostIPC"),
        "CKV_K8S_19": Mapping(checks: ["hostNamespaces"], mention: "hostNetwork"),
        "CKV_K8S_20": Mapping(checks: ["allowPrivilegeEscalation"]),
        "CKV_K8S_23": Mapping(checks: ["runAsNonRoot"]),
        "CKV_K8S_26": Mapping(checks: ["hostPorts"]),
        "CKV_K8S_31": Mapping(checks: ["seccompProfile_restricted"]),
        "CKV_K8S_39": Mapping(checks: ["capabilities_baseline", "capabilities_restricted"], mention: "SYS_ADMIN"),
    ]

    // Polaris' insecureCapabilities is not mapped: it accepts dropping a list of named
    // capabilities where the restricted standard requires drop: [ALL], so the two disagree by design.
    static let polaris: [String: Mapping] = [
        "hostIPCSet": Mapping(checks: ["hostNamespaces"], mention: "hostIPC"),
        "hostPIDSet": Mapping(checks: ["hostNamespaces"], mention: "hostPID"),
        "hostNetworkSet": Mapping(checks: ["hostNamespaces"], mention: "hostNetwork"),
        "hostPathSet": Mapping(checks: ["hostPathVolumes", "restrictedVolumes"], mention: "hostPath"),
        "hostPortSet": Mapping(checks: ["hostPorts"]),
        "hostProcess": Mapping(checks: ["windowsHostProcess"]),
        "privilegeEscalationAllowed": Mapping(checks: ["allowPrivilegeEscalation"]),
        "runAsPrivileged": Mapping(checks: ["privileged"]),
        "runAsRootAllowed": Mapping(checks: ["runAsNonRoot"]),
        "procMount": Mapping(checks: ["procMount", "procMount_restricted"]),
        "dangerousCapabilities": Mapping(checks: ["capabilities_baseline", "capabilities_restricted"], mention: "securityContext.capabilities.add"),
    ]

    /// Every case where our verdict differs from the label, and why (file, resource → reason).
    static let explainedDisagreements: [String: String] = [
        // Input error, not a verdict: `spec` is a list. We report the malformed field (exit 2) instead of judging it.
        "example_RootContainers/rootContainersFAILED-malformed-spec.yaml Pod.default.pod1":
            "input error reported instead of a verdict",
        // Upstream PSS flags a pod-level runAsNonRoot=false even when the container sets true; Checkov looks at the effective value.
        "example_RootContainers/rootContainersPASSED.yaml Pod.default.pod3": "ours follows upstream: pod-level false is itself forbidden",
        // runAsUser: 1000 without runAsNonRoot: true. The restricted standard requires runAsNonRoot=true; Checkov accepts a non-zero UID.
        "example_RootContainers/rootContainersPASSED.yaml Pod.default.pod4": "restricted requires runAsNonRoot=true",
        "example_RootContainers/rootContainersPASSED.yaml Pod.default.pod5": "restricted requires runAsNonRoot=true",
        // Seccomp set only through the alpha annotations: since v1.19 the standard checks the securityContext
        // field, and current Kubernetes no longer applies those annotations. Checkov still accepts them.
        "example_Seccomp/cronjob-seccomp-PASSED.yaml CronJob.default.cronjob-passed": "alpha seccomp annotation only",
        "example_Seccomp/pod-seccomp-PASSED.yaml Pod.default.seccomp-passed-metadata-annotations-docker": "alpha seccomp annotation only",
        "example_Seccomp/pod-seccomp-PASSED2.yaml Pod.default.seccomp-passed-metadata-annotations-runtime": "alpha seccomp annotation only",
        "example_Seccomp/pod-seccomp-PASSED6.yaml Deployment.default.seccomp-passed-metadata-annotations": "alpha seccomp annotation only",
        // `apiVersion: v1` with `kind: Deployment` is not a Kubernetes object (the API server answers "no matches for kind");
        // Polaris matches on kind alone.
        "checks/runAsRootAllowed/failure.yaml": "not a valid object: Deployment is not in apiVersion v1",
    ]

    func agreement(_ folder: String, _ mapping: [String: Mapping]) throws -> (agree: Int, total: Int, unexplained: [String]) {
        let labels = try Corpus.labels(folder).filter { mapping[$0.check] != nil }
        let scanner = Scanner(registry: KubernetesChecks.registry)
        var results: [String: ScanResult] = [:]
        var agree = 0
        var unexplained: [String] = []
        for label in labels {
            let path = Corpus.root.appendingPathComponent("\(folder)/\(label.file)").path
            let result = results[path] ?? scanner.scan([.file(path)])
            results[path] = result
            guard let map = mapping[label.check] else { continue }
            var hits = result.findings.filter { map.checks.contains($0.checkID) }
            if let mention = map.mention {
                hits = hits.filter { $0.fieldPath.contains(mention) || $0.message.contains(mention) }
            }
            if let resource = label.resource {
                let parts = resource.split(separator: ".", maxSplits: 2).map(String.init)
                hits = hits.filter { $0.resource.kind == parts[0] && $0.resource.name == parts[2] }
            }
            let ours = hits.isEmpty ? "pass" : "fail"
            let key = label.resource.map { "\(label.file) \($0)" } ?? label.file
            if ours == label.expect {
                agree += 1
                #expect(Self.explainedDisagreements[key] == nil, "\(key) now agrees: drop it from the explained list")
            } else if Self.explainedDisagreements[key] == nil {
                unexplained.append("\(label.check) \(key): label \(label.expect), ours \(ours)")
            }
        }
        return (agree, labels.count, unexplained)
    }

    @Test func agreesWithCheckovOnSharedChecks() throws {
        let (agree, total, unexplained) = try agreement("checkov-kubernetes", Self.checkov)
        print("checkov-kubernetes agreement: \(agree)/\(total)")
        #expect(total >= 60)
        #expect(unexplained.isEmpty, "unexplained disagreements: \(unexplained)")
    }

    @Test func agreesWithPolarisOnSharedChecks() throws {
        let (agree, total, unexplained) = try agreement("polaris-checks", Self.polaris)
        print("polaris-checks agreement: \(agree)/\(total)")
        #expect(total >= 30)
        #expect(unexplained.isEmpty, "unexplained disagreements: \(unexplained)")
    }

    /// Every file of the corpus is read without a crash; the only input errors are in files that
    /// really are not valid manifests (Helm templates, fixtures named malformed/UNKNOWN, JSON lines).
    @Test func readsTheWholeCorpusAndOnlyRejectsWhatIsMalformed() throws {
        let discovered = InputDiscovery.discover([Corpus.root.path])
        #expect(discovered.inputs.count > 900)
        let result = Scanner(registry: KubernetesChecks.registry).scan(discovered.inputs)
        #expect(result.stats.resources > 1000)
        #expect(result.stats.resourcesChecked > 400)
        for file in Set(result.errors.map(\.file)) {
            let text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
            let explained = text.contains("{{") || file.contains("malformed") || file.contains("UNKNOWN")
                || file.contains("falco-k8s-audit/trace_files") || file.contains("example_RootContainers")
            #expect(explained, "unexpected input error in \(file): \(result.errors.filter { $0.file == file })")
        }
    }

    /// The deliberately vulnerable app: its container-escape scenario is found.
    @Test func findsKubernetesGoatEscapeScenario() throws {
        let path = Corpus.root.appendingPathComponent("kubernetes-goat/files/scenarios/system-monitor").path
        let result = Scanner(registry: KubernetesChecks.registry).scan(InputDiscovery.discover([path]).inputs)
        let ids = Set(result.findings.map(\.checkID))
        #expect(ids.isSuperset(of: ["privileged", "hostNamespaces", "restrictedVolumes"]))
        #expect(result.findings.contains { $0.checkID == "hostNamespaces" && $0.fieldPath.hasSuffix("hostPID") })
    }

    /// The hardened app passes the baseline level entirely.
    @Test func microservicesDemoPassesBaseline() throws {
        let path = Corpus.root.appendingPathComponent("microservices-demo/files/kubernetes-manifests").path
        let result = Scanner(registry: KubernetesChecks.registry, options: ScanOptions(podSecurityLevel: "baseline"))
            .scan(InputDiscovery.discover([path]).inputs)
        #expect(result.stats.resourcesChecked >= 10)
        let podSecurity = result.findings.filter { $0.category.hasPrefix("pod-security") }
        #expect(podSecurity.isEmpty, "\(podSecurity.map { "\($0.resource) \($0.checkID)" })")
    }
}
