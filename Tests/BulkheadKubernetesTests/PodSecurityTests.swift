import BulkheadCore
import BulkheadKubernetes
import Testing

@Suite("Pod Security Standards")
struct PodSecurityTests {
    static let podSecurityIDs = Set(KubernetesChecks.podSecurity.checks.map(\.id))

    /// Scans and keeps only Pod Security findings (the other Kubernetes checks have tests of their own).
    func scan(_ yaml: String, _ options: ScanOptions = ScanOptions()) -> ScanResult {
        var result = Scanner(registry: KubernetesChecks.registry, options: options).scan(text: yaml, file: "t.yaml")
        result.findings = result.findings.filter { Self.podSecurityIDs.contains($0.checkID) }
        result.suppressed = result.suppressed.filter { Self.podSecurityIDs.contains($0.checkID) }
        return result
    }

    /// restrictedVolumes overrides hostPathVolumes at the restricted level; the same hostPath field
    /// is as severe at both levels.
    @Test func aHostPathIsAsSevereAtBothLevels() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: c, image: nginx}]\n  volumes:\n  - name: host\n    hostPath: {path: /etc}\n"
        let baseline = scan(pod, ScanOptions(podSecurityLevel: "baseline")).findings.filter { $0.fieldPath.hasSuffix("hostPath") }
        let restricted = scan(pod, ScanOptions(podSecurityLevel: "restricted")).findings.filter { $0.fieldPath.hasSuffix("hostPath") }
        #expect(baseline.map(\.checkID) == ["hostPathVolumes"])
        #expect(restricted.map(\.checkID) == ["restrictedVolumes"])
        #expect(baseline.map(\.severity) == restricted.map(\.severity), "\(baseline.map(\.severity)) vs \(restricted.map(\.severity))")
    }

    @Test func everyUpstreamCheckIDIsPresentWithItsLevel() {
        let suite = KubernetesChecks.podSecurity
        let levels = Dictionary(uniqueKeysWithValues: suite.checks.map { ($0.id, $0.level) })
        let baseline = ["privileged", "hostNamespaces", "hostPathVolumes", "hostPorts", "capabilities_baseline", "appArmorProfile",
                        "seLinuxOptions", "procMount", "seccompProfile_baseline", "sysctls", "windowsHostProcess",
                        "hostProbesAndHostLifecycle", "baselineVolumes", "ulimits"]
        let restricted = ["restrictedVolumes", "allowPrivilegeEscalation", "runAsNonRoot", "runAsUser", "seccompProfile_restricted",
                          "capabilities_restricted", "procMount_restricted", "cgroupOptions_restricted"]
        for id in baseline { #expect(levels[id] == .baseline, "\(id)") }
        for id in restricted { #expect(levels[id] == .restricted, "\(id)") }
    }

    @Test func restrictedChecksOverrideTheirBaselineTwinsOnlyWhereTheyApply() {
        let suite = KubernetesChecks.podSecurity
        let atLatest = Set(suite.active(level: .restricted, version: .latest).map(\.0.id))
        #expect(!atLatest.contains("capabilities_baseline"))
        #expect(!atLatest.contains("hostPathVolumes"))
        #expect(!atLatest.contains("seccompProfile_baseline"))
        #expect(atLatest.contains("capabilities_restricted"))
        let at121 = Set(suite.active(level: .restricted, version: .minor(21)).map(\.0.id))
        #expect(at121.contains("capabilities_baseline"), "capabilities_restricted starts at v1.22")
        let baseline = Set(suite.active(level: .baseline, version: .latest).map(\.0.id))
        #expect(!baseline.contains("runAsNonRoot"))
        #expect(suite.active(level: .privileged, version: .latest).isEmpty)
    }

    @Test func findsThePodSpecOfEveryWorkloadKindAndPointsAtTheField() throws {
        let yaml = """
            apiVersion: batch/v1
            kind: CronJob
            metadata: {name: nightly, namespace: jobs}
            spec:
              schedule: "@daily"
              jobTemplate:
                spec:
                  template:
                    spec:
                      restartPolicy: Never
                      containers:
                      - name: a
                        image: busybox:1.36
                      - name: b
                        image: busybox:1.36
                        securityContext:
                          privileged: true
            """
        let result = scan(yaml)
        let finding = try #require(result.findings.first { $0.checkID == "privileged" })
        #expect(finding.fieldPath == "spec.jobTemplate.spec.template.spec.containers[1].securityContext.privileged")
        #expect(finding.location.line == 17)
        #expect(finding.location.column == 27)
        #expect(finding.resource == ResourceRef(apiVersion: "batch/v1", kind: "CronJob", namespace: "jobs", name: "nightly"))
        #expect(finding.message.contains("\"b\""))
        #expect(finding.controls == [ControlCatalog.podSecurity])
        for kind in ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"] {
            let workload = "apiVersion: apps/v1\nkind: \(kind)\nmetadata: {name: w}\nspec:\n  template:\n    spec:\n      hostPID: true\n      containers: [{name: c, image: x}]\n"
            #expect(scan(workload).findings.contains { $0.checkID == "hostNamespaces" }, "\(kind)")
        }
    }

    @Test func unwrapsListsAndSkipsUnknownKindsQuietly() {
        let yaml = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: v1
              kind: Pod
              metadata: {name: p}
              spec:
                hostNetwork: true
                containers: [{name: c, image: x}]
            - apiVersion: example.com/v1
              kind: Gadget
              metadata: {name: g}
            - apiVersion: example.com/v1
              kind: Widget
              metadata: {name: w}
            """
        let result = scan(yaml)
        #expect(result.findings.contains { $0.checkID == "hostNamespaces" && $0.resource.name == "p" })
        #expect(result.stats.resourcesChecked == 1)
        #expect(result.stats.skippedKinds == ["Gadget": 1, "Widget": 1])
        #expect(result.diagnostics.isEmpty)
    }

    @Test func judgesPodsAtTheirNamespaceLevelUnlessTheCommandLineSaysOtherwise() {
        let yaml = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: legacy
              labels:
                pod-security.kubernetes.io/enforce: baseline
                pod-security.kubernetes.io/enforce-version: v1.28
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: p, namespace: legacy}
            spec:
              securityContext:
                sysctls: [{name: net.ipv4.tcp_keepalive_time, value: "60"}]
              containers: [{name: c, image: x}]
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: q, namespace: other}
            spec:
              containers: [{name: c, image: x}]
            """
        let byNamespace = scan(yaml)
        let legacy = byNamespace.findings.filter { $0.resource.name == "p" }.map(\.checkID)
        #expect(legacy == ["sysctls"], "baseline at v1.28: only the sysctl (safe from v1.29) fails")
        #expect(byNamespace.findings.contains { $0.resource.name == "q" && $0.checkID == "runAsNonRoot" }, "unlabelled namespace: restricted")
        let overridden = scan(yaml, ScanOptions(podSecurityLevel: "restricted", podSecurityVersion: "latest"))
        #expect(overridden.findings.contains { $0.resource.name == "p" && $0.checkID == "runAsNonRoot" })
        #expect(!overridden.findings.contains { $0.resource.name == "p" && $0.checkID == "sysctls" })
    }

    @Test func privilegedNamespacesAreNotJudgedAndBadLabelsFailClosed() {
        let yaml = """
            apiVersion: v1
            kind: Namespace
            metadata: {name: system, labels: {pod-security.kubernetes.io/enforce: privileged}}
            ---
            apiVersion: v1
            kind: Namespace
            metadata: {name: typo, labels: {pod-security.kubernetes.io/enforce: baselin}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: agent, namespace: system}
            spec: {hostPID: true, containers: [{name: c, image: x}]}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: app, namespace: typo}
            spec: {containers: [{name: c, image: x}]}
            """
        let result = scan(yaml)
        #expect(!result.findings.contains { $0.resource.name == "agent" })
        #expect(result.findings.contains { $0.resource.name == "app" && $0.checkID == "runAsNonRoot" })
        #expect(result.diagnostics.contains { $0.level == .warning && $0.message.contains("\"baselin\"") })
    }

    @Test func wrongTypesAreInputErrorsNamingTheField() throws {
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: p}
            spec:
              containers:
              - name: c
                image: x
                securityContext:
                  privileged: "true"
                  runAsUser: root
            """
        let result = scan(yaml)
        let fields = result.errors.map { $0.field ?? "" }
        #expect(fields.contains("spec.containers[0].securityContext.privileged"))
        #expect(fields.contains("spec.containers[0].securityContext.runAsUser"))
        let error = try #require(result.errors.first)
        #expect(error.line == 9 && error.file == "t.yaml")
        #expect(error.message.contains("expected a boolean"))
    }

    @Test func annotationsSuppressNamedChecksAndKeepTheFindingListed() {
        let yaml = """
            apiVersion: apps/v1
            kind: DaemonSet
            metadata:
              name: node-agent
              annotations:
                bulkhead.io/ignore: "hostNamespaces,hostPathVolumes needs the host's process table"
            spec:
              template:
                spec:
                  hostPID: true
                  containers: [{name: c, image: x}]
            """
        let result = scan(yaml, ScanOptions(podSecurityLevel: "baseline"))
        #expect(result.findings.isEmpty)
        #expect(result.suppressed.map(\.checkID) == ["hostNamespaces"])
        #expect(result.suppressed.first?.suppression?.reason == "needs the host's process table")
    }

    @Test func configExceptionsSuppressUntilTheyExpire() throws {
        let yaml = """
            apiVersion: v1
            kind: Pod
            metadata: {name: debug, namespace: tools}
            spec: {hostNetwork: true, containers: [{name: c, image: x}]}
            """
        let (config, problems) = BulkheadConfig.parse("""
            exceptions:
              - checks: [hostNamespaces]
                namespaces: [tools]
                reason: debugging pod
                expires: 2026-01-31
            """, file: ".bulkhead.yaml")
        #expect(problems.isEmpty)
        let options = ScanOptions(podSecurityLevel: "baseline")
        let before = Scanner(registry: KubernetesChecks.registry, options: options, config: config,
                             today: DateComponents(year: 2026, month: 1, day: 31)).scan(text: yaml, file: "pod.yaml")
        #expect(!before.findings.contains { $0.checkID == "hostNamespaces" })
        #expect(before.suppressed.first?.suppression?.source == .config)
        #expect(before.expiredExceptions.isEmpty)
        let after = Scanner(registry: KubernetesChecks.registry, options: options, config: config,
                            today: DateComponents(year: 2026, month: 2, day: 1)).scan(text: yaml, file: "pod.yaml")
        #expect(after.findings.filter { $0.checkID == "hostNamespaces" }.count == 1)
        let expired = try #require(after.expiredExceptions.first)
        #expect(expired.findings == 1 && expired.line == 2 && expired.expires == "2026-01-31")
    }
}

import Foundation
