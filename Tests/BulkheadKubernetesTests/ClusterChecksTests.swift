import BulkheadCore
import BulkheadKubernetes
import BulkheadTestSupport
import Foundation
import Testing

@Suite("Cluster-wide checks")
struct ClusterChecksTests {
    func scan(_ yaml: String, _ options: ScanOptions = ScanOptions()) -> ScanResult {
        Scanner(registry: KubernetesChecks.registry, options: options).scan(text: yaml, file: "t.yaml")
    }

    func index(_ path: String) -> KubernetesIndex {
        let (inventory, _) = Scanner(registry: KubernetesChecks.registry).inventory(InputDiscovery.discover([path]).inputs)
        return KubernetesQueries.index(inventory)
    }

    static let aggregated = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: monitoring}
        aggregationRule:
          clusterRoleSelectors:
          - matchLabels: {rbac.example.com/aggregate-to-monitoring: "true"}
        rules: []
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata:
          name: monitoring-secrets
          labels: {rbac.example.com/aggregate-to-monitoring: "true"}
        rules:
        - apiGroups: [""]
          resources: [secrets]
          verbs: [get, list]
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRoleBinding
        metadata: {name: monitoring}
        subjects:
        - {kind: ServiceAccount, name: prometheus, namespace: monitoring}
        roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: monitoring}
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: prometheus, namespace: monitoring}
        spec:
          template:
            spec:
              serviceAccountName: prometheus
              containers: [{name: p, image: "quay.io/prometheus/prometheus:v2.53.0"}]
        """

    @Test func whoCanHonoursAggregationAndScopes() throws {
        let result = Scanner(registry: KubernetesChecks.registry).scan(text: Self.aggregated, file: "rbac.yaml")
        #expect(result.errors.isEmpty)
        let (inventory, _) = Scanner(registry: KubernetesChecks.registry).inventory([])
        #expect(inventory.resources.isEmpty)
        let graph = RBACGraph(Inventory(ResourceExtractor.extract(YAMLLoader().load(Self.aggregated, file: "rbac.yaml").documents, file: "rbac.yaml").resources))
        let grants = graph.whoCan(verb: "list", group: "", resource: "secrets", namespace: "payments")
        #expect(grants.map(\.subject.description) == ["ServiceAccount monitoring/prometheus"])
        #expect(grants.first?.role.name == "monitoring", "granted through the aggregated role")
        #expect(graph.whoCan(verb: "delete", group: "", resource: "secrets", namespace: nil).isEmpty)
        #expect(KubernetesQueries.parseResource("deployments.apps/scale") == ("apps", "deployments/scale"))
        #expect(KubernetesQueries.parseResource("deployments") == ("apps", "deployments"))
    }

    @Test func powerHeldByARunningWorkloadIsMoreSevere() throws {
        let result = scan(Self.aggregated)
        let finding = try #require(result.findings.first { $0.checkID == "rbacReadSecrets" })
        #expect(finding.resource.name == "monitoring-secrets")
        #expect(finding.severity == .critical, "high, raised one step: a running workload holds it")
        #expect(finding.message.contains("Deployment monitoring/prometheus"))
        #expect(finding.location.line == 15)
    }

    @Test func rolesCannotGrantClusterScopedPowers() {
        let yaml = """
            apiVersion: rbac.authorization.k8s.io/v1
            kind: Role
            metadata: {name: r, namespace: apps}
            rules:
            - apiGroups: [""]
              resources: [nodes/proxy]
              verbs: [get]
            """
        #expect(!scan(yaml).findings.contains { $0.checkID == "rbacNodesProxy" })
        #expect(scan(yaml.replacingOccurrences(of: "kind: Role", with: "kind: ClusterRole")).findings.contains { $0.checkID == "rbacNodesProxy" })
    }

    @Test(.enabled(if: Shared.hasCorpus, Shared.noCorpus)) func kubernetesGoatScenariosAreFound() throws {
        let goat = Corpus.root.appendingPathComponent("kubernetes-goat/files/scenarios").path
        let result = Scanner(registry: KubernetesChecks.registry).scan(InputDiscovery.discover([goat]).inputs)
        func found(_ check: String, _ resource: String, _ detail: String = "") -> Bool {
            result.findings.contains { $0.checkID == check && $0.resource.name == resource && (detail.isEmpty || $0.message.contains(detail) || $0.fieldPath.contains(detail)) }
        }
        // insecure-rbac: cluster-admin bound to a service account.
        #expect(found("rbacClusterAdminBinding", "superadmin", "kube-system/superadmin"))
        // hunger-check: a Role with `*` on everything, held by a running workload.
        #expect(found("rbacWildcard", "secret-reader"))
        // system-monitor: container escape (privileged, host namespaces, hostPath /).
        #expect(found("privileged", "system-monitor-deployment"))
        #expect(found("hostNamespaces", "system-monitor-deployment", "hostPID"))
        #expect(found("restrictedVolumes", "system-monitor-deployment", "hostPath"))
        // health-check: the Docker socket mounted from the host.
        #expect(result.findings.contains { $0.checkID == "restrictedVolumes" && $0.resource.name.hasPrefix("health-check") })
    }

    @Test(.enabled(if: Shared.hasCorpus, Shared.noCorpus)) func microservicesDemoIsIsolatedEverywhere() throws {
        let files = Corpus.root.appendingPathComponent("microservices-demo/files")
        let (inventory, diagnostics) = Scanner(registry: KubernetesChecks.registry).inventory(InputDiscovery.discover([
            files.appendingPathComponent("kubernetes-manifests").path,
            files.appendingPathComponent("kustomize/components/network-policies").path,
        ]).inputs)
        #expect(diagnostics.isEmpty)
        let map = KubernetesQueries.isolationMap(KubernetesQueries.index(inventory))
        let workloads = map.flatMap(\.workloads)
        #expect(workloads.count >= 12)
        for namespace in map {
            #expect(namespace.defaultDenyIngress && namespace.defaultDenyEgress, "\(namespace.namespace)")
        }
        for entry in workloads {
            #expect(entry.isolation.ingressIsolated && entry.isolation.egressIsolated, "\(entry.workload.resource.ref) is isolated")
        }
        // Isolated, but each service's own policy re-opens egress to anywhere (`egress: [{}]`): reported.
        #expect(workloads.allSatisfy { $0.isolation.egressTo.contains("anywhere") })
    }

    @Test func placeholdersAndExampleKeysAreRecognisedButValuesNeverPrinted() throws {
        let yaml = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: app}
            data:
              AWS_SECRET_ACCESS_KEY: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
              DB_PASSWORD: hunter2-but-longer
              API_TOKEN: xxxx
              TOKEN_TTL: 3600s
            """
        let findings = scan(yaml).findings.filter { $0.checkID == "credentialInConfigMap" }
        #expect(findings.count == 3)
        let example = try #require(findings.first { $0.fieldPath == "data.AWS_SECRET_ACCESS_KEY" })
        #expect(example.severity == .low && example.message.contains("documentation example"))
        #expect(findings.first { $0.fieldPath == "data.DB_PASSWORD" }?.severity == .high)
        #expect(findings.first { $0.fieldPath == "data.API_TOKEN" }?.severity == .low)
        for finding in findings {
            #expect(!finding.message.contains("hunter2") && !finding.message.contains("EXAMPLEKEY"))
        }
    }

    @Test func imageSettingsComeFromTheConfig() throws {
        let (config, problems) = BulkheadConfig.parse("""
            images:
              allowedRegistries: ["*.dkr.ecr.*.amazonaws.com", public.ecr.aws]
              digestSeverity: high
            """, file: ".bulkhead.yaml")
        #expect(problems.isEmpty)
        let parsed = try #require(config)
        let options = ScanOptions(allowedRegistries: parsed.allowedRegistries, imageDigestSeverity: parsed.imageDigestSeverity)
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, image: \"docker.io/library/nginx:1.27\"}\n  - {name: b, image: \"public.ecr.aws/nginx/nginx:1.27\"}\n"
        let findings = scan(yaml, options).findings
        #expect(findings.filter { $0.checkID == "imageRegistryNotAllowed" }.map(\.fieldPath) == ["spec.containers[0].image"])
        #expect(findings.filter { $0.checkID == "imageNotPinnedByDigest" }.allSatisfy { $0.severity == .high })
    }
}
