import BulkheadCore

/// A rule of a network policy: whom it lets in (ingress) or where it lets out (egress).
public struct NetworkRule: Sendable {
    public var mark: Mark
    public var path: String
    /// No peer restriction: every source (ingress) or destination (egress).
    public var allowsAnyPeer: Bool
    /// No port restriction.
    public var allowsAnyPort: Bool

    /// Whether the rule allows TCP port 80, where the instance metadata service listens.
    public var allowsPort80: Bool { allowsAnyPort || ports.contains(80) }
    /// CIDR peers with their `except` lists.
    public var cidrs: [(cidr: String, except: [String], mark: Mark, path: String)]
    /// Human-readable peers, for the isolation map.
    public var peers: [String]
    /// Numeric ports allowed (named ports are not resolved).
    public var ports: [Int] = []
}

/// A NetworkPolicy, CiliumNetworkPolicy or CiliumClusterwideNetworkPolicy, normalized.
public struct NetworkPolicyModel: Sendable {
    public var index: Int
    public var kind: String
    /// nil for cluster-wide Cilium policies.
    public var namespace: String?
    public var name: String
    public var selector: LabelSelector
    public var isolatesIngress: Bool
    public var isolatesEgress: Bool
    public var ingress: [NetworkRule]
    public var egress: [NetworkRule]

    public static let kinds: Set<String> = ["NetworkPolicy", "CiliumNetworkPolicy", "CiliumClusterwideNetworkPolicy"]

    /// A policy that selects every pod of its namespace and lets nothing in (out) on its own.
    public var deniesAllIngress: Bool { selector.isEmpty && isolatesIngress && !ingress.contains { $0.allowsAnyPeer && $0.allowsAnyPort } }
    public var deniesAllEgress: Bool { selector.isEmpty && isolatesEgress && !egress.contains { $0.allowsAnyPeer && $0.allowsAnyPort } }

    public func selects(_ workload: WorkloadView) -> Bool {
        if let namespace, namespace != workload.namespace { return false }
        return selector.matches(workload.podLabels)
    }

    init?(index: Int, resource: Resource) {
        guard Self.kinds.contains(resource.kind) else { return nil }
        self.index = index
        kind = resource.kind
        name = resource.name
        guard let spec = resource.node["spec"], spec.isMapping else { return nil }
        if kind == "NetworkPolicy" {
            guard resource.group == "networking.k8s.io" || resource.group == "extensions" else { return nil }
            namespace = resource.namespace ?? "default"
            selector = LabelSelector(spec["podSelector"]) ?? .everything
            let types = spec["policyTypes"]?.items?.compactMap(\.string)
            isolatesIngress = types?.contains("Ingress") ?? true
            isolatesEgress = types?.contains("Egress") ?? (spec["egress"] != nil)
            ingress = Self.kubernetesRules(spec["ingress"], peersKey: "from", path: "spec.ingress")
            egress = Self.kubernetesRules(spec["egress"], peersKey: "to", path: "spec.egress")
        } else {
            namespace = kind == "CiliumNetworkPolicy" ? (resource.namespace ?? "default") : nil
            selector = LabelSelector(spec["endpointSelector"]) ?? .everything
            isolatesIngress = spec["ingress"] != nil || spec["ingressDeny"] != nil
            isolatesEgress = spec["egress"] != nil || spec["egressDeny"] != nil
            ingress = Self.ciliumRules(spec["ingress"], path: "spec.ingress", prefix: "from")
            egress = Self.ciliumRules(spec["egress"], path: "spec.egress", prefix: "to")
        }
    }

    static func describe(_ selector: LabelSelector?) -> String {
        guard let selector, !selector.isEmpty else { return "all" }
        var parts = selector.matchLabels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
        parts += selector.expressions.map { "\($0.key) \($0.op) \($0.values.joined(separator: ","))" }
        return parts.joined(separator: ",")
    }

    static func kubernetesRules(_ node: YAMLNode?, peersKey: String, path: String) -> [NetworkRule] {
        (node?.items ?? []).enumerated().map { position, item in
            let rulePath = "\(path)[\(position)]"
            let peerNodes = item[peersKey]?.items ?? []
            let ports = item["ports"]?.items ?? []
            var cidrs: [(String, [String], Mark, String)] = []
            var peers: [String] = []
            var anyPeer = peerNodes.isEmpty
            for (peerIndex, peer) in peerNodes.enumerated() {
                let peerPath = "\(rulePath).\(peersKey)[\(peerIndex)]"
                if let block = peer["ipBlock"], let cidr = block["cidr"]?.string {
                    cidrs.append((cidr, block["except"]?.items?.compactMap(\.string) ?? [], block.mark, "\(peerPath).ipBlock"))
                    peers.append(cidr)
                    continue
                }
                let pods = LabelSelector(peer["podSelector"])
                let namespaces = LabelSelector(peer["namespaceSelector"])
                if pods == nil && namespaces == nil {
                    anyPeer = true
                    continue
                }
                if let namespaces {
                    peers.append("pods \(describe(pods)) in namespaces \(describe(namespaces))")
                } else {
                    peers.append("pods \(describe(pods))")
                }
            }
            if anyPeer { peers = ["anywhere"] }
            return NetworkRule(mark: item.mark, path: rulePath, allowsAnyPeer: anyPeer, allowsAnyPort: ports.isEmpty,
                               cidrs: cidrs, peers: peers, ports: ports.compactMap { $0["port"]?.int })
        }
    }

    static func ciliumRules(_ node: YAMLNode?, path: String, prefix: String) -> [NetworkRule] {
        (node?.items ?? []).enumerated().map { position, item in
            let rulePath = "\(path)[\(position)]"
            var peers: [String] = []
            var cidrs: [(String, [String], Mark, String)] = []
            var anyPeer = false
            let entities = item["\(prefix)Entities"]?.items?.compactMap(\.string) ?? []
            if entities.contains("all") || entities.contains("world") {
                anyPeer = true
            }
            peers += entities.map { "entity \($0)" }
            for cidr in item["\(prefix)CIDR"]?.items?.compactMap(\.string) ?? [] {
                cidrs.append((cidr, [], item.mark, "\(rulePath).\(prefix)CIDR"))
                peers.append(cidr)
            }
            for set in item["\(prefix)CIDRSet"]?.items ?? [] {
                if let cidr = set["cidr"]?.string {
                    cidrs.append((cidr, set["except"]?.items?.compactMap(\.string) ?? [], set.mark, "\(rulePath).\(prefix)CIDRSet"))
                    peers.append(cidr)
                }
            }
            for endpoints in item["\(prefix)Endpoints"]?.items ?? [] {
                peers.append("endpoints \(describe(LabelSelector(endpoints)))")
            }
            let hasPorts = item["toPorts"] != nil
            let ports = (item["toPorts"]?.items ?? []).flatMap { $0["ports"]?.items ?? [] }.compactMap { $0["port"]?.int ?? $0["port"]?.string.flatMap { Int($0) } }
            return NetworkRule(mark: item.mark, path: rulePath, allowsAnyPeer: anyPeer, allowsAnyPort: !hasPorts, cidrs: cidrs, peers: peers, ports: ports)
        }
    }
}

/// Which workloads are isolated by which policies, namespace by namespace.
public struct NetworkMap: Sendable {
    public var policies: [NetworkPolicyModel] = []
    private var positions: [Int: Int] = [:]
    /// Positions of namespaced policies by namespace, and of cluster-wide (Cilium) ones.
    private var byNamespace: [String: [Int]] = [:]
    private var clusterWide: [Int] = []

    /// The policy read from the inventory resource at `index`.
    public func policy(at index: Int) -> NetworkPolicyModel? {
        positions[index].map { policies[$0] }
    }

    public struct Isolation: Sendable {
        public var workload: Int
        public var ingressIsolated: Bool
        public var egressIsolated: Bool
        public var ingressFrom: [String]
        public var egressTo: [String]
        public var policies: [String]
    }

    public init(_ inventory: Inventory) {
        for kind in NetworkPolicyModel.kinds {
            for index in inventory.byKind[kind] ?? [] {
                if let policy = NetworkPolicyModel(index: index, resource: inventory.resources[index]) {
                    positions[index] = policies.count
                    if let namespace = policy.namespace {
                        byNamespace[namespace, default: []].append(policies.count)
                    } else {
                        clusterWide.append(policies.count)
                    }
                    policies.append(policy)
                }
            }
        }
    }

    /// The policies that can select pods of a namespace (its own and cluster-wide ones).
    public func policies(in namespace: String) -> [NetworkPolicyModel] {
        ((byNamespace[namespace] ?? []) + clusterWide).map { policies[$0] }
    }

    public func selects(_ workload: WorkloadView) -> Bool {
        ((byNamespace[workload.namespace] ?? []) + clusterWide).contains { policies[$0].selects(workload) }
    }

    public func isolation(of workload: WorkloadView) -> Isolation {
        let selecting = policies(in: workload.namespace).filter { $0.selects(workload) }
        var result = Isolation(workload: workload.index, ingressIsolated: false, egressIsolated: false, ingressFrom: [], egressTo: [],
                               policies: selecting.map { "\($0.kind)/\($0.name)" })
        for policy in selecting {
            if policy.isolatesIngress {
                result.ingressIsolated = true
                result.ingressFrom += policy.ingress.flatMap(\.peers)
            }
            if policy.isolatesEgress {
                result.egressIsolated = true
                result.egressTo += policy.egress.flatMap(\.peers)
            }
        }
        return result
    }

    /// True when `cidr` contains 169.254.169.254 (the instance metadata service) and `except` does not carve it out.
    public static func reachesInstanceMetadata(cidr: String, except: [String]) -> Bool {
        guard contains(cidr, address: metadataAddress) else { return false }
        return !except.contains { contains($0, address: metadataAddress) }
    }

    static let metadataAddress: UInt32 = (169 << 24) | (254 << 16) | (169 << 8) | 254

    static func contains(_ cidr: String, address: UInt32) -> Bool {
        let parts = cidr.split(separator: "/")
        guard parts.count == 2, let bits = Int(parts[1]), (0...32).contains(bits) else { return false }
        let octets = parts[0].split(separator: ".").compactMap { UInt32($0) }
        guard octets.count == 4, octets.allSatisfy({ $0 < 256 }) else { return false }
        let network = octets.reduce(0) { ($0 << 8) | $1 }
        let mask: UInt32 = bits == 0 ? 0 : ~UInt32(0) << UInt32(32 - bits)
        return (network & mask) == (address & mask)
    }
}
