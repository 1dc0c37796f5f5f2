import BulkheadCore

/// What Kubernetes checks know about the whole input, computed once per scan.
public struct KubernetesIndex: Sendable {
    public let inventory: Inventory
    public let workloads: [WorkloadView]
    public let rbac: RBACGraph
    public let network: NetworkMap
    /// Workload positions (into `workloads`) by "namespace/serviceAccount".
    public let workloadsByServiceAccount: [String: [Int]]
    /// Namespaces that hold at least one workload of the input.
    public let workloadNamespaces: Set<String>
    /// Workload positions by namespace.
    private let workloadsByNamespace: [String: [Int]]
    /// "namespace/name" of every service account some binding names.
    private let boundServiceAccounts: Set<String>

    public init(inventory: Inventory, workloads: [WorkloadView]) {
        self.inventory = inventory
        self.workloads = workloads
        rbac = RBACGraph(inventory)
        network = NetworkMap(inventory)
        var bySA: [String: [Int]] = [:]
        for (position, workload) in workloads.enumerated() {
            bySA["\(workload.namespace)/\(workload.serviceAccount)", default: []].append(position)
        }
        workloadsByServiceAccount = bySA
        workloadNamespaces = Set(workloads.map(\.namespace))
        var byNamespace: [String: [Int]] = [:]
        for (position, workload) in workloads.enumerated() { byNamespace[workload.namespace, default: []].append(position) }
        workloadsByNamespace = byNamespace
        var bound = Set<String>()
        for binding in rbac.bindings {
            for entry in binding.subjects where entry.subject.kind == "ServiceAccount" {
                bound.insert("\(entry.subject.namespace ?? binding.namespace ?? "default")/\(entry.subject.name)")
            }
        }
        boundServiceAccounts = bound
    }

    /// The workloads of a namespace.
    public func workloads(in namespace: String) -> [WorkloadView] {
        (workloadsByNamespace[namespace] ?? []).map { workloads[$0] }
    }

    /// Workloads whose pods run as the service account.
    public func workloads(usingServiceAccount name: String, in namespace: String) -> [WorkloadView] {
        (workloadsByServiceAccount["\(namespace)/\(name)"] ?? []).map { workloads[$0] }
    }

    /// The ServiceAccount object, when it is part of the input.
    public func serviceAccount(_ name: String, in namespace: String) -> Resource? {
        inventory.find(kind: "ServiceAccount", namespace: namespace, name: name)
            ?? (namespace == "default" ? inventory.find(kind: "ServiceAccount", namespace: nil, name: name) : nil)
    }

    /// Workloads of the input that run with a role's powers (through a binding to their service account).
    public func workloadsHolding(_ role: RBACRole) -> [WorkloadView] {
        var found: [WorkloadView] = []
        for binding in rbac.bindings(of: role) {
            for entry in binding.subjects where entry.subject.kind == "ServiceAccount" {
                let namespace = entry.subject.namespace ?? binding.namespace ?? "default"
                found += workloads(usingServiceAccount: entry.subject.name, in: namespace)
            }
        }
        return found
    }

    /// Whether any binding of the input names the service account.
    public func hasBindings(serviceAccount name: String, in namespace: String) -> Bool {
        boundServiceAccounts.contains("\(namespace)/\(name)")
    }

    static let systemNamespaces: Set<String> = ["kube-system", "kube-public", "kube-node-lease"]
}
