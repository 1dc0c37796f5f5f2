import BulkheadCore

/// Service accounts and IRSA: the identity chain pod → service account → IRSA annotation → IAM role.
enum ServiceAccountChecks {
    static let irsaURI = "https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts.html"
    static let roleAnnotation = "eks.amazonaws.com/role-arn"

    static func pod(_ spec: String, name: String = "app", namespace: String = "shop") -> String {
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: \(name)\n  namespace: \(namespace)\nspec:\n\(spec)\n"
    }

    static func serviceAccount(_ name: String, namespace: String = "shop", roleArn: String? = nil, automount: Bool? = nil) -> String {
        var text = "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: \(name)\n  namespace: \(namespace)"
        if let roleArn { text += "\n  annotations:\n    eks.amazonaws.com/role-arn: \"\(roleArn)\"" }
        if let automount { text += "\nautomountServiceAccountToken: \(automount)" }
        return text + "\n"
    }

    static let defaultServiceAccount = WorkloadCheck(CheckDescriptor(
        id: "defaultServiceAccount", title: "Pods run as the default service account", severity: .low, category: "identity",
        description: "The namespace's default service account is shared by every pod that names none: any permission granted to it is granted to all of them.",
        remediation: "Create a service account per workload and set spec.serviceAccountName.",
        controls: [ControlCatalog.rbac, ControlCatalog.identity], frameworks: [FrameworkReference(.cisEKS, "4.1.5")],
        helpURI: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/",
        examples: [
            CheckExample(.violation, pod("  containers: [{name: c, image: \"registry.example/app:1.0\"}]"), at: ["spec.serviceAccountName"]),
            CheckExample(.compliant, pod("  serviceAccountName: app\n  containers: [{name: c, image: \"registry.example/app:1.0\"}]")),
        ])) { view, _, _ in
        guard view.serviceAccount == "default" else { return [] }
        let field = view.spec.serviceAccountName
        return [FieldViolation(mark: field?.mark ?? view.spec.mark, path: field?.path ?? "\(view.spec.path).serviceAccountName",
                               message: "\(view.resource.ref) runs as the default service account of namespace \(view.namespace)")]
    }

    static let defaultAccountToken = ObjectCheck(CheckDescriptor(
        id: "defaultServiceAccountToken", title: "Default service account mounts its token", severity: .low, category: "identity",
        description: "Every pod that names no service account runs as `default`; unless the default service account disables token automounting, all of them carry an API token.",
        remediation: "Set automountServiceAccountToken: false on each namespace's default ServiceAccount.",
        controls: [ControlCatalog.rbac, ControlCatalog.identity], frameworks: [FrameworkReference(.cisEKS, "4.1.5")],
        helpURI: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/",
        examples: [
            CheckExample(.violation, serviceAccount("default"), at: ["automountServiceAccountToken"]),
            CheckExample(.compliant, serviceAccount("default", automount: false)),
        ]), kinds: ["ServiceAccount"]) { _, resource, _, _ in
        guard resource.group.isEmpty, resource.name == "default", resource.node["automountServiceAccountToken"]?.bool != false else { return [] }
        return [FieldViolation(mark: resource.node.mark, path: "automountServiceAccountToken",
                               message: "default ServiceAccount of namespace \(resource.namespace ?? "default") does not set automountServiceAccountToken: false")]
    }

    static let automountToken = WorkloadCheck(CheckDescriptor(
        id: "automountServiceAccountToken", title: "API token mounted without need", severity: .low, category: "identity",
        description: "Unless disabled, every pod gets a token for its service account: a compromised container can call the API server with it. Workloads without RBAC of their own do not need it.",
        remediation: "Set automountServiceAccountToken: false on the pod spec (or the ServiceAccount) when the workload does not call the Kubernetes API.",
        controls: [ControlCatalog.rbac, ControlCatalog.identity], frameworks: [FrameworkReference(.cisEKS, "4.1.6")],
        helpURI: "https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/", scope: .cluster,
        examples: [
            CheckExample(.violation, pod("  serviceAccountName: app\n  containers: [{name: c, image: \"registry.example/app:1.0\"}]"), at: ["spec.automountServiceAccountToken"]),
            CheckExample(.compliant, pod("  serviceAccountName: app\n  automountServiceAccountToken: false\n  containers: [{name: c, image: \"registry.example/app:1.0\"}]")),
            CheckExample(.compliant, serviceAccount("app", automount: false) + "---\n" + pod("  serviceAccountName: app\n  containers: [{name: c, image: \"registry.example/app:1.0\"}]")),
            CheckExample(.compliant, pod("  serviceAccountName: operator\n  containers: [{name: c, image: \"registry.example/op:1.0\"}]") + "---\n"
                + RBACChecks.binding("operator", role: "view", kind: "RoleBinding", namespace: "shop", subject: "{kind: ServiceAccount, name: operator}"),
                         note: "a workload with RBAC of its own calls the API"),
        ])) { view, index, _ in
        if view.spec.automountServiceAccountToken?.value == false { return [] }
        if view.spec.automountServiceAccountToken == nil, let account = index.serviceAccount(view.serviceAccount, in: view.namespace), account.node["automountServiceAccountToken"]?.bool == false {
            return []
        }
        guard !index.hasBindings(serviceAccount: view.serviceAccount, in: view.namespace) else { return [] }
        return [FieldViolation(mark: view.spec.mark, path: "\(view.spec.path).automountServiceAccountToken",
                               message: "\(view.resource.ref) mounts a token for service account \(view.serviceAccount), which has no RBAC binding in the input")]
    }

    static let undefinedServiceAccount = WorkloadCheck(CheckDescriptor(
        id: "serviceAccountNotInInput", title: "Service account not defined in the input", severity: .info, category: "identity",
        description: "The pod names a service account that the scanned manifests do not define: it must exist in the cluster, and its IRSA annotation and RBAC cannot be checked here.",
        remediation: "Include the ServiceAccount manifest in the scan (or ignore this note when scanning a partial set).",
        controls: [ControlCatalog.identity], scope: .cluster,
        examples: [
            CheckExample(.violation, pod("  serviceAccountName: ghost\n  containers: [{name: c, image: \"registry.example/app:1.0\"}]"), at: ["spec.serviceAccountName"]),
            CheckExample(.compliant, serviceAccount("app") + "---\n" + pod("  serviceAccountName: app\n  containers: [{name: c, image: \"registry.example/app:1.0\"}]")),
        ])) { view, index, _ in
        guard view.serviceAccount != "default", index.serviceAccount(view.serviceAccount, in: view.namespace) == nil,
              let field = view.spec.serviceAccountName else { return [] }
        return [FieldViolation(field, "service account \(view.namespace)/\(view.serviceAccount) is not defined in the scanned input (partial input?)")]
    }

    static let partitions: Set<Substring> = ["aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b"]
    static let roleNameCharacters = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_/-")

    /// `arn:<partition>:iam::<12 digits>:role/<path and name>`.
    static func isRoleARN(_ text: String) -> Bool {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", partitions.contains(parts[1]), parts[2] == "iam", parts[3].isEmpty,
              parts[4].count == 12, parts[4].allSatisfy(\.isNumber), parts[5].hasPrefix("role/") else { return false }
        let name = parts[5].dropFirst(5)
        return (1...512).contains(name.count) && name.allSatisfy { roleNameCharacters.contains($0) }
    }

    static let roleArn = ObjectCheck(CheckDescriptor(
        id: "irsaRoleArn", title: "Malformed IRSA role ARN", severity: .medium, category: "identity",
        description: "The eks.amazonaws.com/role-arn annotation must be an IAM role ARN (arn:aws:iam::<12-digit account>:role/<name>); otherwise the pod silently gets no AWS credentials, or the node's.",
        remediation: "Fix the annotation to the role's ARN, as `aws iam get-role` prints it.",
        controls: [ControlCatalog.identity], helpURI: irsaURI,
        examples: [
            CheckExample(.violation, serviceAccount("app", roleArn: "arn:aws:iam::12345:role/app"), at: ["metadata.annotations[eks.amazonaws.com/role-arn]"]),
            CheckExample(.violation, serviceAccount("app", roleArn: "app-role"), at: ["metadata.annotations[eks.amazonaws.com/role-arn]"]),
            CheckExample(.compliant, serviceAccount("app", roleArn: "arn:aws:iam::123456789012:role/shop/app")),
        ]), kinds: ["ServiceAccount"]) { _, resource, _, _ in
        guard let value = resource.annotations[roleAnnotation] else { return [] }
        guard !isRoleARN(value) else { return [] }
        let mark = resource.node["metadata"]?["annotations"]?[roleAnnotation]?.mark ?? resource.node.mark
        return [FieldViolation(mark: mark, path: "metadata.annotations[\(roleAnnotation)]",
                               message: "\"\(value)\" is not an IAM role ARN (arn:aws:iam::<12 digits>:role/<name>)")]
    }

    static let sharedRole = InventoryCheck(CheckDescriptor(
        id: "irsaSharedRole", title: "One IAM role shared by unrelated workloads", severity: .medium, category: "identity",
        description: "When unrelated workloads assume the same IAM role, each gets the union of what all of them need: least privilege is lost and a compromise spreads.",
        remediation: "Give each workload its own service account and IAM role, with a trust policy pinned to that service account.",
        controls: [ControlCatalog.identity], helpURI: irsaURI, scope: .cluster,
        examples: [
            CheckExample(.violation, serviceAccount("api", roleArn: "arn:aws:iam::123456789012:role/shared")
                + "---\n" + serviceAccount("worker", namespace: "batch", roleArn: "arn:aws:iam::123456789012:role/shared")
                + "---\n" + pod("  serviceAccountName: api\n  containers: [{name: c, image: \"registry.example/api:1.0\"}]", name: "api")
                + "---\n" + pod("  serviceAccountName: worker\n  containers: [{name: c, image: \"registry.example/worker:1.0\"}]", name: "worker", namespace: "batch"), at: ["metadata.annotations[eks.amazonaws.com/role-arn]"]),
            CheckExample(.compliant, serviceAccount("api", roleArn: "arn:aws:iam::123456789012:role/api")
                + "---\n" + serviceAccount("worker", namespace: "batch", roleArn: "arn:aws:iam::123456789012:role/worker")),
        ])) { index, _ in
        var byRole: [String: [Int]] = [:]
        for position in index.inventory.byKind["ServiceAccount"] ?? [] {
            if let arn = index.inventory.resources[position].annotations[roleAnnotation] { byRole[arn, default: []].append(position) }
        }
        var violations: [ResourceViolation] = []
        for (arn, accounts) in byRole.sorted(by: { $0.key < $1.key }) where accounts.count > 1 {
            // Unrelated: different namespaces, or pods with different app names.
            func appName(_ position: Int) -> String {
                let account = index.inventory.resources[position]
                let workloads = index.workloads(usingServiceAccount: account.name, in: account.namespace ?? "default")
                return workloads.first.map { $0.podLabels["app.kubernetes.io/name"] ?? $0.podLabels["app"] ?? $0.resource.name } ?? account.name
            }
            let groups = Set(accounts.map { "\(index.inventory.resources[$0].namespace ?? "default")/\(appName($0))" })
            guard groups.count > 1 else { continue }
            let names = accounts.map { "\(index.inventory.resources[$0].namespace ?? "default")/\(index.inventory.resources[$0].name)" }
            for position in accounts {
                let resource = index.inventory.resources[position]
                let mark = resource.node["metadata"]?["annotations"]?[roleAnnotation]?.mark ?? resource.node.mark
                violations.append(ResourceViolation(resource: position, FieldViolation(
                    mark: mark, path: "metadata.annotations[\(roleAnnotation)]",
                    message: "IAM role \(arn) is shared by service accounts \(names.joined(separator: ", "))")))
            }
        }
        return violations
    }

    static let awsEnvironment: Set<String> = ["AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ROLE_ARN", "AWS_PROFILE", "AWS_SDK_LOAD_CONFIG"]

    static let missingIRSA = WorkloadCheck(CheckDescriptor(
        id: "irsaMissing", title: "Workload needs AWS access but has no IRSA", severity: .medium, category: "identity",
        description: "A pod that calls AWS (it mounts an AWS SecretProviderClass or configures an AWS SDK) without IRSA or Pod Identity falls back to the node's instance role, shared by every pod of the node.",
        remediation: "Annotate the workload's service account with eks.amazonaws.com/role-arn (IRSA), or create an EKS Pod Identity association for it.",
        controls: [ControlCatalog.identity], helpURI: irsaURI, scope: .cluster,
        examples: [
            CheckExample(.violation, serviceAccount("app") + "---\n" + pod("  serviceAccountName: app\n  containers:\n  - name: c\n    image: \"registry.example/app:1.0\"\n    env: [{name: AWS_REGION, value: eu-west-1}]"), at: ["spec.serviceAccountName"]),
            CheckExample(.compliant, serviceAccount("app", roleArn: "arn:aws:iam::123456789012:role/app") + "---\n"
                + pod("  serviceAccountName: app\n  containers:\n  - name: c\n    image: \"registry.example/app:1.0\"\n    env: [{name: AWS_REGION, value: eu-west-1}]")),
        ])) { view, index, _ in
        var reasons: [String] = []
        for container in view.spec.containers {
            for variable in container.env where awsEnvironment.contains(variable.name.value) { reasons.append("sets \(variable.name.value)") }
        }
        for volume in view.spec.volumes {
            if let name = volume.secretProviderClass?.value,
               let spc = index.inventory.find(kind: "SecretProviderClass", namespace: view.namespace, name: name),
               spc.node["spec"]?["provider"]?.string == "aws" {
                reasons.append("mounts AWS SecretProviderClass \(name)")
            }
        }
        guard let reason = reasons.first else { return [] }
        let mark = view.spec.serviceAccountName?.mark ?? view.spec.mark
        let path = "\(view.spec.path).serviceAccountName"
        if view.serviceAccount == "default" {
            return [FieldViolation(mark: mark, path: path,
                                   message: "\(view.resource.ref) \(reason) but runs as the default service account, without IRSA")]
        }
        // A service account outside the input may well be annotated: not judged.
        guard let account = index.serviceAccount(view.serviceAccount, in: view.namespace),
              account.annotations[roleAnnotation] == nil else { return [] }
        return [FieldViolation(mark: mark, path: path,
                               message: "\(view.resource.ref) \(reason) but service account \(view.serviceAccount) has no eks.amazonaws.com/role-arn")]
    }

    static let workload: [WorkloadCheck] = [defaultServiceAccount, automountToken, undefinedServiceAccount, missingIRSA]
    static let object: [ObjectCheck] = [roleArn, defaultAccountToken]
    static let inventory: [InventoryCheck] = [sharedRole]
}
