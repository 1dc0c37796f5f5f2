import BulkheadCore

/// The read-only views behind `bulkhead rbac` and `bulkhead netpol`, computed from an inventory
/// with the same models the checks use.
public enum KubernetesQueries {
    /// The workloads of an inventory, each with its pod spec read once.
    public static func index(_ inventory: Inventory) -> KubernetesIndex {
        var workloads: [WorkloadView] = []
        for (position, resource) in inventory.resources.enumerated() {
            guard WorkloadKinds.template(for: resource) != nil, let spec = PodSpecReader.read(resource).0 else { continue }
            workloads.append(WorkloadView(index: position, resource: resource, spec: spec))
        }
        return KubernetesIndex(inventory: inventory, workloads: workloads)
    }

    /// `pods`, `pods/exec`, `deployments.apps`, `deployments.apps/scale` → (group, resource).
    public static func parseResource(_ text: String) -> (group: String, resource: String) {
        let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
        let head = parts[0]
        let sub = parts.count == 2 ? "/" + parts[1] : ""
        if let dot = head.firstIndex(of: ".") {
            return (String(head[head.index(after: dot)...]), String(head[..<dot]) + sub)
        }
        return (coreGroups[head] ?? "", head + sub)
    }

    /// Groups of the common resources, so `who-can create deployments` needs no `.apps`.
    static let coreGroups: [String: String] = [
        "deployments": "apps", "daemonsets": "apps", "statefulsets": "apps", "replicasets": "apps",
        "jobs": "batch", "cronjobs": "batch", "roles": "rbac.authorization.k8s.io", "clusterroles": "rbac.authorization.k8s.io",
        "rolebindings": "rbac.authorization.k8s.io", "clusterrolebindings": "rbac.authorization.k8s.io",
        "networkpolicies": "networking.k8s.io", "ingresses": "networking.k8s.io",
        "mutatingwebhookconfigurations": "admissionregistration.k8s.io", "validatingwebhookconfigurations": "admissionregistration.k8s.io",
        "certificatesigningrequests": "certificates.k8s.io",
    ]

    public struct NamespaceIsolation: Sendable {
        public var namespace: String
        public var defaultDenyIngress: Bool
        public var defaultDenyEgress: Bool
        public var workloads: [(workload: WorkloadView, isolation: NetworkMap.Isolation)]
    }

    /// Namespace → workloads → isolated or not, and from/to where.
    public static func isolationMap(_ index: KubernetesIndex) -> [NamespaceIsolation] {
        index.workloadNamespaces.sorted().map { namespace in
            let policies = index.network.policies(in: namespace)
            let workloads = index.workloads.filter { $0.namespace == namespace }.map { ($0, index.network.isolation(of: $0)) }
            return NamespaceIsolation(namespace: namespace, defaultDenyIngress: policies.contains(where: \.deniesAllIngress),
                                      defaultDenyEgress: policies.contains(where: \.deniesAllEgress), workloads: workloads)
        }
    }
}
