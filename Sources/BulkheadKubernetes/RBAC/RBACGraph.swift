import BulkheadCore

/// One rule of a Role or ClusterRole, with where it is written.
public struct PolicyRule: Sendable {
    public var apiGroups: [String]
    public var resources: [String]
    public var verbs: [String]
    public var resourceNames: [String]
    public var nonResourceURLs: [String]
    public var mark: Mark
    public var path: String

    /// Whether the rule grants `verb` on `resource` (`pods`, `pods/exec`) of `group` ("" = core).
    /// Honours `*` in each list, `pods/*` for every subresource of pods and `*/scale` for one
    /// subresource of every resource, as the RBAC authorizer does.
    public func allows(verb: String, group: String, resource: String) -> Bool {
        guard verbs.contains("*") || verbs.contains(verb) else { return false }
        guard apiGroups.contains("*") || apiGroups.contains(group) else { return false }
        return resources.contains { Self.resource($0, covers: resource) }
    }

    static func resource(_ pattern: String, covers resource: String) -> Bool {
        if pattern == "*" || pattern == resource { return true }
        let parts = resource.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            if pattern == "\(parts[0])/*" { return true }
            if pattern == "*/\(parts[1])" { return true }
        }
        return false
    }

    /// Grants on every object of the resource, not only on named ones.
    public var unrestrictedByName: Bool { resourceNames.isEmpty }
}

public struct RBACSubject: Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var name: String
    public var namespace: String?

    public init(kind: String, name: String, namespace: String?) {
        self.kind = kind
        self.name = name
        self.namespace = namespace
    }

    public var description: String {
        if kind == "ServiceAccount" { return "ServiceAccount \(namespace ?? "default")/\(name)" }
        return "\(kind) \(name)"
    }

    /// Identities Kubernetes itself uses: `system:*` (and EKS' `eks:*`) users and groups, but not
    /// the three groups every caller is in. A service account is never one by itself, wherever it
    /// lives: the platform's own bindings are recognised by their names instead.
    public var isSystemIdentity: Bool {
        if kind == "ServiceAccount" { return false }
        if RBACGraph.everyoneGroups.contains(name) { return false }
        return name.hasPrefix("system:") || name.hasPrefix("eks:")
    }
}

public struct RBACRole: Sendable {
    /// Inventory index; nil for built-in roles not in the input (cluster-admin).
    public var index: Int?
    public var kind: String
    public var namespace: String?
    public var name: String
    public var labels: [String: String]
    /// Rules written in the object.
    public var ownRules: [PolicyRule]
    /// Rules including those aggregated from other ClusterRoles.
    public var rules: [PolicyRule]
    public var aggregationSelectors: [LabelSelector]

    public var key: String { RBACGraph.roleKey(kind: kind, namespace: namespace, name: name) }
}

public struct RBACBinding: Sendable {
    public var index: Int
    public var kind: String
    public var namespace: String?
    public var name: String
    public var roleKind: String
    public var roleName: String
    public var roleRefMark: Mark
    public var subjects: [(subject: RBACSubject, mark: Mark, path: String)]

    /// The namespace the binding grants in; nil for cluster-wide (ClusterRoleBinding).
    public var scope: String? { kind == "ClusterRoleBinding" ? nil : (namespace ?? "default") }
}

/// Roles, bindings and who holds what, from the manifests of one scan.
public struct RBACGraph: Sendable {
    public static let everyoneGroups: Set<String> = ["system:anonymous", "system:unauthenticated", "system:authenticated"]

    public private(set) var roles: [String: RBACRole] = [:]
    public private(set) var bindings: [RBACBinding] = []
    /// Position in `bindings` by inventory index.
    private var bindingPositions: [Int: Int] = [:]
    /// Positions in `bindings` by the role they refer to (`ClusterRole/name`, `Role/name`).
    private var bindingsByRoleRef: [String: [Int]] = [:]
    /// ClusterRoles with an `aggregationRule`.
    private var aggregators: [RBACRole] = []

    /// The binding read from the inventory resource at `index`.
    public func binding(at index: Int) -> RBACBinding? {
        bindingPositions[index].map { bindings[$0] }
    }

    static func roleKey(kind: String, namespace: String?, name: String) -> String {
        kind == "ClusterRole" ? "ClusterRole/\(name)" : "Role/\(namespace ?? "default")/\(name)"
    }

    /// `cluster-admin` is built in and rarely in manifests: it can do everything.
    static let clusterAdmin = RBACRole(
        index: nil, kind: "ClusterRole", namespace: nil, name: "cluster-admin", labels: [:], ownRules: [],
        rules: [PolicyRule(apiGroups: ["*"], resources: ["*"], verbs: ["*"], resourceNames: [], nonResourceURLs: ["*"],
                           mark: Mark(line: 0, column: 0), path: "rules[0]")],
        aggregationSelectors: [])

    public init(_ inventory: Inventory) {
        for kind in ["Role", "ClusterRole"] {
            for index in inventory.byKind[kind] ?? [] {
                let resource = inventory.resources[index]
                guard resource.group == "rbac.authorization.k8s.io" else { continue }
                let rules = Self.rules(resource.node["rules"], path: "rules")
                let selectors = (resource.node["aggregationRule"]?["clusterRoleSelectors"]?.items ?? []).compactMap { LabelSelector($0) }
                let role = RBACRole(index: index, kind: kind, namespace: kind == "Role" ? (resource.namespace ?? "default") : nil,
                                    name: resource.name, labels: resource.labels, ownRules: rules, rules: rules,
                                    aggregationSelectors: selectors)
                roles[role.key] = role
            }
        }
        aggregate()
        aggregators = roles.values.filter { !$0.aggregationSelectors.isEmpty }
        for kind in ["RoleBinding", "ClusterRoleBinding"] {
            for index in inventory.byKind[kind] ?? [] {
                let resource = inventory.resources[index]
                guard resource.group == "rbac.authorization.k8s.io", let roleRef = resource.node["roleRef"],
                      let roleName = roleRef["name"]?.string else { continue }
                var subjects: [(RBACSubject, Mark, String)] = []
                for (position, item) in (resource.node["subjects"]?.items ?? []).enumerated() {
                    guard let kind = item["kind"]?.string, let name = item["name"]?.string else { continue }
                    var namespace = item["namespace"]?.string
                    if kind == "ServiceAccount" && namespace == nil { namespace = resource.namespace ?? "default" }
                    subjects.append((RBACSubject(kind: kind, name: name, namespace: namespace), item.mark, "subjects[\(position)]"))
                }
                let roleKind = roleRef["kind"]?.string ?? "ClusterRole"
                bindingPositions[index] = bindings.count
                bindingsByRoleRef["\(roleKind)/\(roleName)", default: []].append(bindings.count)
                bindings.append(RBACBinding(
                    index: index, kind: kind, namespace: kind == "RoleBinding" ? (resource.namespace ?? "default") : nil,
                    name: resource.name, roleKind: roleKind, roleName: roleName,
                    roleRefMark: roleRef.mark, subjects: subjects))
            }
        }
    }

    static func rules(_ node: YAMLNode?, path: String) -> [PolicyRule] {
        (node?.items ?? []).enumerated().map { position, item in
            func list(_ key: String) -> [String] {
                if let single = item[key]?.string { return [single] }
                return item[key]?.items?.compactMap { $0.scalar?.value } ?? []
            }
            return PolicyRule(apiGroups: list("apiGroups"), resources: list("resources"), verbs: list("verbs"),
                              resourceNames: list("resourceNames"), nonResourceURLs: list("nonResourceURLs"),
                              mark: item.mark, path: "\(path)[\(position)]")
        }
    }

    /// ClusterRole aggregation: a ClusterRole with `aggregationRule` holds the rules of every
    /// ClusterRole whose labels match one of its selectors (repeated until nothing changes, as the
    /// controller converges).
    private mutating func aggregate() {
        let aggregators = roles.values.filter { !$0.aggregationSelectors.isEmpty }.map(\.key)
        guard !aggregators.isEmpty else { return }
        for _ in 0..<8 {
            var changed = false
            for key in aggregators {
                guard let aggregator = roles[key] else { continue }
                var rules = aggregator.ownRules
                for role in roles.values where role.kind == "ClusterRole" && role.key != key {
                    if aggregator.aggregationSelectors.contains(where: { $0.matches(role.labels) }) { rules += role.rules }
                }
                if rules.count != aggregator.rules.count {
                    roles[key]?.rules = rules
                    changed = true
                }
            }
            if !changed { break }
        }
    }

    /// The role a binding refers to, or nil when it is not in the input (and not cluster-admin).
    /// `cluster-admin` is always the built-in one: the API server reconciles its rules at start-up,
    /// whatever a manifest says.
    public func role(of binding: RBACBinding) -> RBACRole? {
        if binding.roleKind == "ClusterRole" {
            if binding.roleName == "cluster-admin" { return Self.clusterAdmin }
            return roles[Self.roleKey(kind: "ClusterRole", namespace: nil, name: binding.roleName)]
        }
        return roles[Self.roleKey(kind: "Role", namespace: binding.namespace, name: binding.roleName)]
    }

    /// Every verb, or every write verb, on every resource of every API group.
    public static func isAdminEquivalent(_ role: RBACRole) -> Bool {
        let writes: Set<String> = ["create", "update", "patch", "delete"]
        return role.rules.contains { rule in
            rule.apiGroups.contains("*") && rule.resources.contains("*")
                && (rule.verbs.contains("*") || writes.isSubset(of: Set(rule.verbs)))
        }
    }

    /// Kubernetes' own default roles and bindings: labelled by the RBAC bootstrapper, the
    /// user-facing defaults the API server reconciles at start-up, and the reserved `system:`,
    /// `eks:` and `gce:` names. Their powers are the platform's, not the manifest author's.
    public static func isBootstrapDefault(_ resource: Resource) -> Bool {
        if resource.labels["kubernetes.io/bootstrapping"] == "rbac-defaults" { return true }
        if resource.kind == "ClusterRole", ["cluster-admin", "admin", "edit", "view"].contains(resource.name) { return true }
        // A namespaced Role named system:... in an application namespace is the user's own.
        if resource.kind == "Role", !KubernetesIndex.systemNamespaces.contains(resource.namespace ?? "default") { return false }
        return platformPrefixes.contains { resource.name.hasPrefix($0) }
    }

    /// Names Kubernetes and the managed platforms reserve for their own objects.
    static let platformPrefixes = ["system:", "eks:", "gce:"]

    /// Bindings the platform manages: Kubernetes' defaults and the reserved `system:` / `eks:` names.
    public static func isPlatformBinding(_ binding: RBACBinding, _ resource: Resource) -> Bool {
        isBootstrapDefault(resource) || platformPrefixes.contains { binding.name.hasPrefix($0) }
    }

    /// Bindings through which a role's rules are held: its own, and those of every ClusterRole
    /// that aggregates it.
    public func bindings(of role: RBACRole) -> [RBACBinding] {
        var names: Set<String> = [role.name]
        if role.kind == "ClusterRole" {
            for aggregator in aggregators where aggregator.aggregationSelectors.contains(where: { $0.matches(role.labels) }) {
                names.insert(aggregator.name)
            }
        }
        // Looked up by the role they refer to, then in input order.
        let positions = names.flatMap { bindingsByRoleRef["\(role.kind)/\($0)"] ?? [] }.sorted()
        return positions.map { bindings[$0] }.filter { binding in
            role.kind == "ClusterRole" || binding.namespace == role.namespace
        }
    }

    public struct Grant: Sendable {
        public var subject: RBACSubject
        public var binding: RBACBinding
        public var role: RBACRole
        public var rule: PolicyRule
        /// Namespace the grant applies in; nil = cluster-wide.
        public var scope: String?
    }

    /// Who can `verb` `resource` (in `namespace`, or anywhere when nil), through which binding and role.
    public func whoCan(verb: String, group: String, resource: String, namespace: String?) -> [Grant] {
        var grants: [Grant] = []
        for binding in bindings {
            if let namespace, let scope = binding.scope, scope != namespace { continue }
            guard let role = role(of: binding),
                  let rule = role.rules.first(where: { $0.allows(verb: verb, group: group, resource: resource) }) else { continue }
            for entry in binding.subjects {
                grants.append(Grant(subject: entry.subject, binding: binding, role: role, rule: rule, scope: binding.scope))
            }
        }
        return grants
    }

    /// Every grant to one subject (groups a user is in are not known from manifests).
    public func grants(to subject: RBACSubject) -> [Grant] {
        var grants: [Grant] = []
        for binding in bindings {
            guard binding.subjects.contains(where: { $0.subject.kind == subject.kind && $0.subject.name == subject.name
                    && (subject.kind != "ServiceAccount" || $0.subject.namespace == subject.namespace) }),
                  let role = role(of: binding) else { continue }
            for rule in role.rules {
                grants.append(Grant(subject: subject, binding: binding, role: role, rule: rule, scope: binding.scope))
            }
        }
        return grants
    }
}
