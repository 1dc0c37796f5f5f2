import BulkheadCore

/// Network isolation: default-deny per namespace, workloads no policy selects, policies that
/// select nothing or allow everything, and egress to the instance metadata service.
enum NetworkChecks {
    static let uri = "https://kubernetes.io/docs/concepts/services-networking/network-policies/"

    static func deployment(_ name: String, namespace: String = "shop", labels: String? = nil) -> String {
        let podLabels = labels ?? "app: \(name)"
        return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: \(name)\n  namespace: \(namespace)\nspec:\n  selector:\n    matchLabels: {\(podLabels)}\n  template:\n    metadata:\n      labels: {\(podLabels)}\n    spec:\n      containers: [{name: app, image: \"registry.example/app:1.0\"}]\n"
    }

    static func policy(_ name: String, namespace: String = "shop", spec: String) -> String {
        "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata:\n  name: \(name)\n  namespace: \(namespace)\nspec:\n\(spec)\n"
    }

    static let denyAll = policy("default-deny", spec: "  podSelector: {}\n  policyTypes: [Ingress, Egress]")

    /// Where a namespace-level finding points: the Namespace object if the input has it, else
    /// the first workload of the namespace.
    static func anchor(for namespace: String, _ index: KubernetesIndex) -> (Int, Mark)? {
        if let resource = index.inventory.namespaces[namespace],
           let position = index.inventory.byKind["Namespace"]?.first(where: { index.inventory.resources[$0].name == namespace }) {
            return (position, resource.node["metadata"]?.mark ?? resource.node.mark)
        }
        guard let workload = index.workloads.first(where: { $0.namespace == namespace }) else { return nil }
        return (workload.index, workload.resource.node["metadata"]?.mark ?? workload.resource.node.mark)
    }

    static func defaultDeny(ingress: Bool) -> InventoryCheck {
        let direction = ingress ? "ingress" : "egress"
        return InventoryCheck(CheckDescriptor(
            id: ingress ? "netpolDefaultDenyIngress" : "netpolDefaultDenyEgress",
            title: "No default-deny \(direction) policy", severity: ingress ? .medium : .low, category: "network",
            description: "Without a policy that selects every pod of the namespace for \(direction), pods that no other policy selects accept (send) traffic from (to) anywhere, and new workloads start open.",
            remediation: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [\(ingress ? "Ingress" : "Egress")]` to the namespace, then allow the flows each workload needs.",
            controls: [ControlCatalog.networkPolicies], frameworks: [FrameworkReference(.cisEKS, "4.3.2")], helpURI: uri, scope: .cluster,
            examples: [
                CheckExample(.violation, deployment("web"), at: ["metadata"]),
                CheckExample(.compliant, deployment("web") + "---\n" + denyAll),
            ])) { index, _ in
            index.workloadNamespaces.subtracting(KubernetesIndex.systemNamespaces).sorted().compactMap { namespace in
                let policies = index.network.policies(in: namespace)
                let covered = policies.contains { ingress ? $0.deniesAllIngress : $0.deniesAllEgress }
                guard !covered, let (position, mark) = anchor(for: namespace, index) else { return nil }
                return ResourceViolation(resource: position, FieldViolation(
                    mark: mark, path: "metadata",
                    message: "namespace \(namespace) has no default-deny \(direction) NetworkPolicy"))
            }
        }
    }

    static let unselected = WorkloadCheck(CheckDescriptor(
        id: "netpolUnselectedWorkload", title: "Workload selected by no network policy", severity: .medium, category: "network",
        description: "Pods that no NetworkPolicy selects accept connections from every pod of the cluster and can reach anything.",
        remediation: "Add a NetworkPolicy selecting the workload's pods (or a namespace default-deny) that allows only the flows it needs.",
        controls: [ControlCatalog.networkPolicies], frameworks: [FrameworkReference(.cisEKS, "4.3.2")], helpURI: uri, scope: .cluster,
        examples: [
            CheckExample(.violation, deployment("web") + "---\n" + policy("db-only", spec: "  podSelector: {matchLabels: {app: db}}\n  policyTypes: [Ingress]"), at: ["metadata"]),
            CheckExample(.compliant, deployment("web") + "---\n" + policy("web", spec: "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]\n  ingress:\n  - from:\n    - podSelector: {matchLabels: {app: frontend}}")),
        ])) { view, index, _ in
        guard !KubernetesIndex.systemNamespaces.contains(view.namespace),
              !index.network.selects(view) else { return [] }
        return [FieldViolation(mark: view.resource.node["metadata"]?.mark ?? view.resource.node.mark, path: "metadata",
                               message: "\(view.resource.ref) runs pods that no NetworkPolicy selects")]
    }

    static let dangling = ObjectCheck(CheckDescriptor(
        id: "netpolSelectsNothing", title: "Network policy selects no workload", severity: .low, category: "network",
        description: "A policy whose selector matches no pod of the input protects nothing: often a label typo, leaving the intended pods open.",
        remediation: "Fix the podSelector to match the workload's pod template labels, or remove the policy.",
        controls: [ControlCatalog.networkPolicies], helpURI: uri, scope: .cluster,
        examples: [
            CheckExample(.violation, deployment("web") + "---\n" + policy("web", spec: "  podSelector: {matchLabels: {app: wbe}}\n  policyTypes: [Ingress]"), at: ["spec.podSelector"]),
            CheckExample(.compliant, deployment("web") + "---\n" + policy("web", spec: "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Ingress]")),
        ]), kinds: NetworkPolicyModel.kinds) { position, resource, index, _ in
        guard let policy = index.network.policy(at: position), let namespace = policy.namespace,
              index.workloadNamespaces.contains(namespace), !policy.selector.isEmpty,
              !index.workloads(in: namespace).contains(where: { policy.selects($0) }) else { return [] }
        let mark = resource.node["spec"]?[policy.kind == "NetworkPolicy" ? "podSelector" : "endpointSelector"]?.mark ?? resource.node.mark
        return [FieldViolation(mark: mark, path: policy.kind == "NetworkPolicy" ? "spec.podSelector" : "spec.endpointSelector",
                               message: "\(policy.kind) \(policy.name) selects no workload of namespace \(namespace) (\(NetworkPolicyModel.describe(policy.selector)))")]
    }

    static let allowAll = ObjectCheck(CheckDescriptor(
        id: "netpolAllowsAll", title: "Network policy allows all traffic", severity: .medium, category: "network",
        description: "A rule with no peers and no ports, an empty peer, or 0.0.0.0/0 allows every source or destination: the pods it selects are not isolated in that direction.",
        remediation: "Name the peers (podSelector/namespaceSelector) and ports each rule allows; for the internet, list the CIDRs needed.",
        controls: [ControlCatalog.networkPolicies], helpURI: uri,
        examples: [
            CheckExample(.violation, policy("open", spec: "  podSelector: {}\n  policyTypes: [Ingress]\n  ingress:\n  - {}"), at: ["spec.ingress[0]"]),
            CheckExample(.violation, policy("egress-anywhere", spec: "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock: {cidr: 0.0.0.0/0}"), at: ["spec.egress[0].to[0].ipBlock"]),
            CheckExample(.compliant, policy("dns", spec: "  podSelector: {}\n  policyTypes: [Egress]\n  egress:\n  - ports:\n    - {port: 53, protocol: UDP}")),
            CheckExample(.violation, "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {app: web}}\n  egress:\n  - toEntities: [world]\n",
                         note: "Cilium policies are read too", at: ["spec.egress[0]"]),
            CheckExample(.compliant, "apiVersion: cilium.io/v2\nkind: CiliumNetworkPolicy\nmetadata: {name: web, namespace: shop}\nspec:\n  endpointSelector: {matchLabels: {app: web}}\n  egress:\n  - toEndpoints: [{matchLabels: {app: db}}]\n    toPorts: [{ports: [{port: \"5432\", protocol: TCP}]}]\n"),
        ]), kinds: NetworkPolicyModel.kinds) { position, _, index, _ in
        guard let policy = index.network.policy(at: position) else { return [] }
        var violations: [FieldViolation] = []
        for (rules, direction, isolates) in [(policy.ingress, "ingress from", policy.isolatesIngress), (policy.egress, "egress to", policy.isolatesEgress)] where isolates {
            for rule in rules {
                if rule.allowsAnyPeer && rule.allowsAnyPort {
                    violations.append(FieldViolation(mark: rule.mark, path: rule.path, message: "\(policy.kind) \(policy.name) allows \(direction) anywhere on any port"))
                }
                for block in rule.cidrs where block.cidr == "0.0.0.0/0" || block.cidr == "::/0" {
                    violations.append(FieldViolation(mark: block.mark, path: block.path, message: "\(policy.kind) \(policy.name) allows \(direction) \(block.cidr)"))
                }
            }
        }
        return violations
    }

    static let metadataEgress = ObjectCheck(CheckDescriptor(
        id: "netpolMetadataEgress", title: "Egress to the instance metadata service", severity: .high, category: "network",
        description: "On EKS, pods that can reach 169.254.169.254 can read the node's IAM role credentials (unless IMDSv2's hop limit is 1): an egress rule to 0.0.0.0/0 should except it.",
        remediation: "Add `except: [169.254.169.254/32]` to the ipBlock (or narrow the CIDR), and require IMDSv2 with hop limit 1 on the nodes.",
        controls: [ControlCatalog.networkPolicies, ControlCatalog.identity], helpURI: "https://docs.aws.amazon.com/eks/latest/best-practices/identity-and-access-management.html",
        examples: [
            CheckExample(.violation, policy("internet", spec: "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock: {cidr: 0.0.0.0/0}"), at: ["spec.egress[0].to[0].ipBlock"]),
            CheckExample(.compliant, policy("internet", spec: "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock: {cidr: 0.0.0.0/0, except: [169.254.169.254/32]}")),
            CheckExample(.compliant, policy("https-out", spec: "  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to:\n    - ipBlock: {cidr: 0.0.0.0/0}\n    ports: [{port: 443}]"),
                         note: "IMDS listens on port 80"),
        ]), kinds: NetworkPolicyModel.kinds) { position, _, index, _ in
        guard let policy = index.network.policy(at: position), policy.isolatesEgress else { return [] }
        var violations: [FieldViolation] = []
        for rule in policy.egress where rule.allowsPort80 {
            if rule.allowsAnyPeer && rule.cidrs.isEmpty {
                violations.append(FieldViolation(mark: rule.mark, path: rule.path, message: "\(policy.kind) \(policy.name) lets pods reach 169.254.169.254 (egress to any destination)"))
            }
            for block in rule.cidrs where NetworkMap.reachesInstanceMetadata(cidr: block.cidr, except: block.except) {
                violations.append(FieldViolation(mark: block.mark, path: block.path, message: "\(policy.kind) \(policy.name) lets pods reach 169.254.169.254 through \(block.cidr)"))
            }
        }
        return violations
    }

    static let workload: [WorkloadCheck] = [unselected]
    static let object: [ObjectCheck] = [dangling, allowAll, metadataEgress]
    static let inventory: [InventoryCheck] = [defaultDeny(ingress: true), defaultDeny(ingress: false)]
}
