import BulkheadCore

/// RBAC checks. Powers are reported on the Role or ClusterRole rule that grants them (where the
/// fix goes), with the subjects that hold them; a power held by a workload of the input (through
/// a binding to its service account) is one step more severe. Bindings of cluster-admin and to
/// "everyone" groups are reported on the binding.
enum RBACChecks {
    static let roleKinds: Set<String> = ["Role", "ClusterRole"]
    static let bindingKinds: Set<String> = ["RoleBinding", "ClusterRoleBinding"]
    static let uri = "https://kubernetes.io/docs/concepts/security/rbac-good-practices/"

    static func role(_ name: String, kind: String = "ClusterRole", namespace: String? = nil, rules: String) -> String {
        let ns = namespace.map { "\n  namespace: \($0)" } ?? ""
        return "apiVersion: rbac.authorization.k8s.io/v1\nkind: \(kind)\nmetadata:\n  name: \(name)\(ns)\nrules:\n\(rules)\n"
    }

    static func binding(_ name: String, role: String, roleKind: String = "ClusterRole", kind: String = "ClusterRoleBinding",
                        namespace: String? = nil, subject: String) -> String {
        let ns = namespace.map { "\n  namespace: \($0)" } ?? ""
        return "apiVersion: rbac.authorization.k8s.io/v1\nkind: \(kind)\nmetadata:\n  name: \(name)\(ns)\nsubjects:\n- \(subject)\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: \(roleKind)\n  name: \(role)\n"
    }

    /// A dangerous power: which rules grant it, and in which roles it matters.
    struct Power: Sendable {
        /// Powers that only matter cluster-wide or in kube-system (secrets, aws-auth).
        var clusterWideOnly = false
        /// Powers over cluster-scoped resources (nodes/proxy, CSRs, webhook configurations): a
        /// namespaced Role or RoleBinding cannot grant them.
        var clusterScopedResource = false
        var grants: @Sendable (PolicyRule) -> String?

        /// On a role: a ClusterRole may be bound cluster-wide; a Role only where it lives.
        func applies(to role: RBACRole) -> Bool {
            if clusterScopedResource && role.kind != "ClusterRole" { return false }
            return !clusterWideOnly || role.kind == "ClusterRole" || role.namespace == "kube-system"
        }

        /// Through a binding: where the binding grants.
        func applies(to binding: RBACBinding) -> Bool {
            if clusterScopedResource && binding.kind != "ClusterRoleBinding" { return false }
            return !clusterWideOnly || binding.scope == nil || binding.scope == "kube-system"
        }
    }

    /// A role-level check: `grants` says which rules carry the power and how to describe it.
    static func powerCheck(_ descriptor: CheckDescriptor, _ power: Power) -> ObjectCheck {
        powerCheck(descriptor, appliesTo: { power.applies(to: $0) }, grants: power.grants)
    }

    static func powerCheck(_ descriptor: CheckDescriptor, appliesTo: @escaping @Sendable (RBACRole) -> Bool = { _ in true },
                           grants: @escaping @Sendable (PolicyRule) -> String?) -> ObjectCheck {
        ObjectCheck(descriptor, kinds: roleKinds) { position, resource, index, _ in
            guard resource.group == "rbac.authorization.k8s.io", !RBACGraph.isBootstrapDefault(resource),
                  let role = index.rbac.roles[RBACGraph.roleKey(kind: resource.kind, namespace: resource.kind == "Role" ? (resource.namespace ?? "default") : nil, name: resource.name)],
                  role.index == position, appliesTo(role) else { return [] }
            let granting = role.ownRules.compactMap { rule in grants(rule).map { (rule, $0) } }
            guard !granting.isEmpty else { return [] }
            // Who holds it, only worked out for roles that grant the power.
            let holders = index.workloadsHolding(role)
            let subjects = index.rbac.bindings(of: role).flatMap { $0.subjects.map(\.subject.description) }
            return granting.map { rule, power in
                var message = "\(resource.kind) \(resource.name) \(power)"
                if !subjects.isEmpty { message += "; held by \(Set(subjects).sorted().joined(separator: ", "))" }
                var severity: Severity?
                if let workload = holders.first {
                    message += "; used by running workload \(workload.resource.ref.description)"
                    severity = descriptor.severity.raised
                }
                return FieldViolation(mark: rule.mark, path: rule.path, message: message, severity: severity)
            }
        }
    }

    /// The first of `verbs` on `resources` the rule grants, wildcards included (a `*` verb on
    /// roles does grant escalate); described with the wildcard when that is how it is granted.
    static func anyVerb(_ rule: PolicyRule, _ verbs: [String], group: String, resources: [String]) -> String? {
        for resource in resources {
            let granted = verbs.filter { rule.allows(verb: $0, group: group, resource: resource) }
            guard !granted.isEmpty else { continue }
            let wildcard = rule.verbs.contains("*") || rule.resources.contains("*") || rule.apiGroups.contains("*")
            return "\(granted.joined(separator: ", ")) \(resource)" + (wildcard ? " (through a wildcard)" : "")
        }
        return nil
    }

    static let wildcard = powerCheck(CheckDescriptor(
        id: "rbacWildcard", title: "Wildcard in RBAC rule", severity: .high, category: "rbac",
        description: "A `*` in verbs, resources or apiGroups grants today's and tomorrow's permissions alike, including new resources and subresources such as pods/exec.",
        remediation: "List the verbs, resources and API groups the subject needs; never `*`.",
        controls: [ControlCatalog.rbac], frameworks: [FrameworkReference(.cisEKS, "4.1.3")], helpURI: uri,
        examples: [
            CheckExample(.violation, role("ops", rules: "- apiGroups: [\"\"]\n  resources: [\"*\"]\n  verbs: [get, list]"), at: ["rules[0]"]),
            CheckExample(.compliant, role("ops", rules: "- apiGroups: [\"\"]\n  resources: [pods, services]\n  verbs: [get, list]")),
        ])) { rule in
        var wild: [String] = []
        if rule.verbs.contains("*") { wild.append("verbs") }
        if rule.resources.contains("*") { wild.append("resources") }
        if rule.apiGroups.contains("*") && !rule.resources.isEmpty { wild.append("apiGroups") }
        return wild.isEmpty ? nil : "grants `*` in \(wild.joined(separator: ", "))"
    }

    static let escalationPower = Power { rule in
        anyVerb(rule, ["escalate", "bind"], group: "rbac.authorization.k8s.io", resources: ["roles", "clusterroles"])
            ?? anyVerb(rule, ["impersonate"], group: "", resources: ["users", "groups", "serviceaccounts"])
            ?? anyVerb(rule, ["impersonate"], group: "authentication.k8s.io", resources: ["userextras/scopes", "uids"])
    }

    static let escalation = powerCheck(CheckDescriptor(
        id: "rbacEscalationVerbs", title: "escalate, bind or impersonate", severity: .high, category: "rbac",
        description: "`escalate` and `bind` on roles let a subject grant itself any permission; `impersonate` lets it act as any user, group or service account.",
        remediation: "Remove escalate, bind and impersonate from the rule; grant specific roles through bindings instead.",
        controls: [ControlCatalog.rbac], frameworks: [FrameworkReference(.cisEKS, "4.1.8")], helpURI: uri,
        examples: [
            CheckExample(.violation, role("binder", rules: "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind, escalate]"), at: ["rules[0]"]),
            CheckExample(.violation, role("sudo", rules: "- apiGroups: [\"\"]\n  resources: [users, groups, serviceaccounts]\n  verbs: [impersonate]"), at: ["rules[0]"]),
            CheckExample(.compliant, role("reader", rules: "- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [get, list]")),
        ]), escalationPower)

    static let readSecretsPower = Power(clusterWideOnly: true) { rule in
        guard rule.unrestrictedByName else { return nil }
        return anyVerb(rule, ["get", "list", "watch"], group: "", resources: ["secrets"]).map { "can \($0)" }
    }

    static let readSecrets = powerCheck(CheckDescriptor(
        id: "rbacReadSecrets", title: "Read access to secrets", severity: .high, category: "rbac",
        description: "get, list or watch on secrets cluster-wide (a ClusterRole) or in kube-system reads every credential, including service-account tokens of privileged controllers.",
        remediation: "Grant secret reads in the application's own namespace only, limited with resourceNames to the secrets it needs.",
        controls: [ControlCatalog.rbac, ControlCatalog.secrets], frameworks: [FrameworkReference(.cisEKS, "4.1.2")], helpURI: uri,
        examples: [
            CheckExample(.violation, role("secret-reader", rules: "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get, list, watch]"), at: ["rules[0]"]),
            CheckExample(.violation, role("peek", kind: "Role", namespace: "kube-system", rules: "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [list]"), at: ["rules[0]"]),
            CheckExample(.compliant, role("app", kind: "Role", namespace: "shop", rules: "- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get]")),
            CheckExample(.compliant, role("one", rules: "- apiGroups: [\"\"]\n  resources: [secrets]\n  resourceNames: [tls-cert]\n  verbs: [get]")),
        ]), readSecretsPower)

    static let workloadKindsByGroup: [(String, String)] = [
        ("", "pods"), ("apps", "deployments"), ("apps", "daemonsets"), ("apps", "statefulsets"), ("apps", "replicasets"),
        ("batch", "jobs"), ("batch", "cronjobs"), ("", "replicationcontrollers"),
    ]

    static let createPods = powerCheck(CheckDescriptor(
        id: "rbacCreateWorkloads", title: "Create pods or workloads", severity: .medium, category: "rbac",
        description: "Whoever can create a pod (directly or through a workload) can run it as any service account of the namespace and mount its token: every permission of the namespace.",
        remediation: "Keep workload creation to deployment pipelines and controllers; people get read access and `kubectl` through CI.",
        controls: [ControlCatalog.rbac], frameworks: [FrameworkReference(.cisEKS, "4.1.4")], helpURI: uri,
        examples: [
            CheckExample(.violation, role("deployer", rules: "- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [create, update]"), at: ["rules[0]"]),
            CheckExample(.compliant, role("viewer", rules: "- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get, list]")),
        ])) { rule in
        for (group, resource) in workloadKindsByGroup {
            if let power = anyVerb(rule, ["create"], group: group, resources: [resource]) { return "can \(power)" }
        }
        return nil
    }

    static let podExecPower = Power { rule in
        anyVerb(rule, ["create", "get"], group: "", resources: ["pods/exec", "pods/attach", "pods/portforward"]).map { "can \($0)" }
    }

    static let podExec = powerCheck(CheckDescriptor(
        id: "rbacPodExec", title: "exec, attach or port-forward into pods", severity: .high, category: "rbac",
        description: "pods/exec, pods/attach and pods/portforward give a shell or a tunnel into running containers, with their secrets and network position.",
        remediation: "Remove pods/exec, pods/attach and pods/portforward; use ephemeral debug containers under break-glass access.",
        controls: [ControlCatalog.rbac], helpURI: uri,
        examples: [
            CheckExample(.violation, role("debug", rules: "- apiGroups: [\"\"]\n  resources: [pods/exec, pods/attach]\n  verbs: [create, get]"), at: ["rules[0]"]),
            CheckExample(.compliant, role("logs", rules: "- apiGroups: [\"\"]\n  resources: [pods/log]\n  verbs: [get]")),
        ]), podExecPower)

    static let nodesProxyPower = Power(clusterScopedResource: true) { rule in
        anyVerb(rule, ["get", "create", "update", "patch", "delete"], group: "", resources: ["nodes/proxy"]).map { "can \($0)" }
    }

    static let nodesProxy = powerCheck(CheckDescriptor(
        id: "rbacNodesProxy", title: "nodes/proxy", severity: .high, category: "rbac",
        description: "nodes/proxy reaches the kubelet API of every node, which runs commands in any pod of the node without admission or audit of the pod exec.",
        remediation: "Remove nodes/proxy; monitoring agents need nodes/metrics or nodes/stats only.",
        controls: [ControlCatalog.rbac], helpURI: uri,
        examples: [
            CheckExample(.violation, role("kubelet-api", rules: "- apiGroups: [\"\"]\n  resources: [nodes/proxy]\n  verbs: [get, create]"), at: ["rules[0]"]),
            CheckExample(.compliant, role("metrics", rules: "- apiGroups: [\"\"]\n  resources: [nodes/metrics, nodes/stats]\n  verbs: [get]")),
        ]), nodesProxyPower)

    static let approveCSRPower = Power(clusterScopedResource: true) { rule in
        anyVerb(rule, ["update", "patch"], group: "certificates.k8s.io", resources: ["certificatesigningrequests/approval"]).map { "can \($0)" }
            ?? anyVerb(rule, ["approve"], group: "certificates.k8s.io", resources: ["signers"]).map { "can \($0)" }
    }

    static let approveCSR = powerCheck(CheckDescriptor(
        id: "rbacApproveCSR", title: "Approve certificate signing requests", severity: .high, category: "rbac",
        description: "Approving CSRs lets a subject mint client certificates, for example as a node or as system:masters.",
        remediation: "Leave CSR approval to the controller manager; remove update on certificatesigningrequests/approval and approve on signers.",
        controls: [ControlCatalog.rbac], helpURI: uri,
        examples: [
            CheckExample(.violation, role("approver", rules: "- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests/approval]\n  verbs: [update]\n- apiGroups: [certificates.k8s.io]\n  resources: [signers]\n  verbs: [approve]"), at: ["rules[0]", "rules[1]"]),
            CheckExample(.compliant, role("csr-reader", rules: "- apiGroups: [certificates.k8s.io]\n  resources: [certificatesigningrequests]\n  verbs: [get, list]")),
        ]), approveCSRPower)

    static let webhookPower = Power(clusterScopedResource: true) { rule in
        anyVerb(rule, ["create", "update", "patch", "delete"], group: "admissionregistration.k8s.io",
                resources: ["mutatingwebhookconfigurations", "validatingwebhookconfigurations"]).map { "can \($0)" }
    }

    static let webhookConfigurations = powerCheck(CheckDescriptor(
        id: "rbacWebhookConfigurations", title: "Write admission webhook configurations", severity: .high, category: "rbac",
        description: "Whoever writes Mutating or ValidatingWebhookConfigurations can switch off admission policy, or receive and rewrite every object sent to the API server.",
        remediation: "Keep webhook configuration writes to the installer of each webhook (cluster administrators, GitOps controller).",
        controls: [ControlCatalog.rbac], helpURI: uri,
        examples: [
            CheckExample(.violation, role("hooks", rules: "- apiGroups: [admissionregistration.k8s.io]\n  resources: [validatingwebhookconfigurations]\n  verbs: [patch, delete]"), at: ["rules[0]"]),
            CheckExample(.compliant, role("hooks-view", rules: "- apiGroups: [admissionregistration.k8s.io]\n  resources: [validatingwebhookconfigurations]\n  verbs: [get, list]")),
        ]), webhookPower)

    static let awsAuthPower = Power(clusterWideOnly: true) { rule in
        guard rule.resourceNames.isEmpty || rule.resourceNames.contains("aws-auth") else { return nil }
        return anyVerb(rule, ["create", "update", "patch", "delete"], group: "", resources: ["configmaps"]).map { "can \($0) (including aws-auth in kube-system)" }
    }

    static let awsAuth = powerCheck(CheckDescriptor(
        id: "rbacAwsAuthConfigMap", title: "Write the aws-auth ConfigMap", severity: .critical, category: "rbac",
        description: "On EKS the aws-auth ConfigMap in kube-system maps IAM roles to Kubernetes groups: writing it grants any IAM principal system:masters.",
        remediation: "Remove write access to ConfigMaps in kube-system; manage cluster access with EKS access entries.",
        controls: [ControlCatalog.rbac, ControlCatalog.identity], helpURI: "https://docs.aws.amazon.com/eks/latest/userguide/auth-configmap.html",
        examples: [
            CheckExample(.violation, role("auth-editor", kind: "Role", namespace: "kube-system", rules: "- apiGroups: [\"\"]\n  resources: [configmaps]\n  resourceNames: [aws-auth]\n  verbs: [update, patch]"), at: ["rules[0]"]),
            CheckExample(.compliant, role("cm-editor", kind: "Role", namespace: "shop", rules: "- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [update, patch]")),
        ]), awsAuthPower)

    static let clusterAdminBinding = ObjectCheck(CheckDescriptor(
        id: "rbacClusterAdminBinding", title: "cluster-admin bound to a non-system subject", severity: .critical, category: "rbac",
        description: "cluster-admin (or a role with `*` on `*`) can do anything in the cluster; outside Kubernetes' own identities it should be break-glass only.",
        remediation: "Bind a namespaced role with the permissions actually needed; keep cluster-admin for break-glass identities.",
        controls: [ControlCatalog.rbac], frameworks: [FrameworkReference(.cisEKS, "4.1.1")], helpURI: uri,
        examples: [
            CheckExample(.violation, binding("ops-admin", role: "cluster-admin", subject: "{kind: Group, name: ops, apiGroup: rbac.authorization.k8s.io}"), at: ["subjects[0]"]),
            CheckExample(.violation, binding("ci", role: "cluster-admin", kind: "RoleBinding", namespace: "ci", subject: "{kind: ServiceAccount, name: runner, namespace: ci}"), at: ["subjects[0]"]),
            CheckExample(.compliant, binding("masters", role: "cluster-admin", subject: "{kind: Group, name: \"system:masters\", apiGroup: rbac.authorization.k8s.io}")),
        ]), kinds: bindingKinds) { position, resource, index, _ in
        guard let binding = index.rbac.binding(at: position), !RBACGraph.isPlatformBinding(binding, index.inventory.resources[position]),
              let role = index.rbac.role(of: binding), RBACGraph.isAdminEquivalent(role) else { return [] }
        return binding.subjects.filter { !$0.subject.isSystemIdentity }.map { entry in
            FieldViolation(mark: entry.mark, path: entry.path,
                           message: "\(binding.kind) \(binding.name) gives \(entry.subject) \(role.kind) \(role.name)'s full control"
                               + (binding.scope.map { " of namespace \($0)" } ?? " of the cluster"))
        }
    }

    /// Default bindings of the discovery roles to everyone are harmless and present in every cluster.
    static let discoveryRoles: Set<String> = ["system:public-info-viewer", "system:discovery", "system:basic-user"]

    static let everyoneBinding = ObjectCheck(CheckDescriptor(
        id: "rbacEveryoneBinding", title: "Binding to anonymous or every user", severity: .critical, category: "rbac",
        description: "system:anonymous and system:unauthenticated are callers without credentials; system:authenticated is every identity, including any AWS principal that can call the EKS endpoint.",
        remediation: "Bind to named users, groups or service accounts instead.",
        controls: [ControlCatalog.rbac], helpURI: uri,
        examples: [
            CheckExample(.violation, binding("open", role: "view", subject: "{kind: Group, name: \"system:authenticated\", apiGroup: rbac.authorization.k8s.io}"), at: ["subjects[0]"]),
            CheckExample(.compliant, binding("discovery", role: "system:public-info-viewer", subject: "{kind: Group, name: \"system:unauthenticated\", apiGroup: rbac.authorization.k8s.io}")),
            CheckExample(.compliant, binding("view", role: "view", subject: "{kind: Group, name: developers, apiGroup: rbac.authorization.k8s.io}")),
        ]), kinds: bindingKinds) { position, _, index, _ in
        guard let binding = index.rbac.binding(at: position), !discoveryRoles.contains(binding.roleName) else { return [] }
        return binding.subjects.filter { RBACGraph.everyoneGroups.contains($0.subject.name) }.map { entry in
            FieldViolation(mark: entry.mark, path: entry.path, message: "\(binding.kind) \(binding.name) grants \(binding.roleName) to \(entry.subject.name)")
        }
    }

    /// The powers a binding must not hand to non-system subjects (the role-level checks, less
    /// wildcards and workload creation, which are judged on the role).
    static let dangerousPowers: [Power] = [escalationPower, readSecretsPower, podExecPower, nodesProxyPower, approveCSRPower, webhookPower, awsAuthPower]

    static let dangerousBinding = ObjectCheck(CheckDescriptor(
        id: "rbacDangerousBinding", title: "Binding gives a dangerous power to a non-system subject", severity: .high, category: "rbac",
        description: "The binding is where a power reaches a person or a workload: exec into pods, read secrets, escalate, impersonate, approve certificates, rewrite admission webhooks or aws-auth. Roles that can do everything are reported by rbacClusterAdminBinding.",
        remediation: "Bind a role without the power, or narrow the subjects to those who need it (break-glass groups, specific service accounts).",
        controls: [ControlCatalog.rbac], helpURI: uri, scope: .cluster,
        examples: [
            CheckExample(.violation, role("debug", rules: "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [create]") + "---\n"
                + binding("debug", role: "debug", subject: "{kind: Group, name: developers, apiGroup: rbac.authorization.k8s.io}"), at: ["subjects[0]"]),
            CheckExample(.compliant, role("logs", rules: "- apiGroups: [\"\"]\n  resources: [pods/log]\n  verbs: [get]") + "---\n"
                + binding("logs", role: "logs", subject: "{kind: Group, name: developers, apiGroup: rbac.authorization.k8s.io}")),
            CheckExample(.compliant, role("debug", rules: "- apiGroups: [\"\"]\n  resources: [pods/exec]\n  verbs: [create]") + "---\n"
                + binding("system:debug", role: "debug", subject: "{kind: Group, name: \"system:masters\", apiGroup: rbac.authorization.k8s.io}"),
                         note: "platform-managed bindings and system identities are not judged"),
        ]), kinds: bindingKinds) { position, resource, index, _ in
        guard let binding = index.rbac.binding(at: position), !RBACGraph.isPlatformBinding(binding, resource),
              let role = index.rbac.role(of: binding), !RBACGraph.isAdminEquivalent(role) else { return [] }
        var granted: [String] = []
        for power in dangerousPowers where power.applies(to: binding) {
            for rule in role.rules {
                if let description = power.grants(rule), !granted.contains(description) { granted.append(description) }
            }
        }
        guard !granted.isEmpty else { return [] }
        return binding.subjects.filter { !$0.subject.isSystemIdentity }.map { entry in
            FieldViolation(mark: entry.mark, path: entry.path,
                           message: "\(binding.kind) \(binding.name) gives \(entry.subject) \(role.kind) \(role.name), which \(granted.joined(separator: "; "))"
                               + (binding.scope.map { " in namespace \($0)" } ?? " cluster-wide"))
        }
    }

    static let object: [ObjectCheck] = [
        wildcard, escalation, readSecrets, createPods, podExec, nodesProxy, approveCSR, webhookConfigurations, awsAuth,
        clusterAdminBinding, everyoneBinding, dangerousBinding,
    ]
}

