import BulkheadAWS
import BulkheadCore
import BulkheadKubernetes

/// The integration chains of the seed, verified link by link when Kubernetes and AWS inputs come
/// in one run. IRSA: service-account annotation → IAM role → its trust (the cluster's OIDC provider,
/// `sub` = that service account). Secrets: pod → SecretProviderClass → the pod's IRSA role →
/// `secretsmanager:GetSecretValue` on that secret. Each broken link is a finding on the
/// Kubernetes object that starts the chain.
public struct ChainCheck: Sendable {
    public struct Violation: Sendable {
        var resource: Resource
        var mark: Mark
        var path: String
        var message: String
    }

    public let descriptor: CheckDescriptor
    /// Sees the Kubernetes side through the shared index (typed pod specs, service accounts) and
    /// the AWS side through the AWS inventory; never a raw YAML walk.
    let rule: @Sendable (KubernetesIndex, AWSInventory) -> [Violation]
}

/// The chains as a check family: they run when the input holds AWS resources (templates,
/// Terraform, the account) besides Kubernetes objects.
public struct ChainSuite: CheckSuite {
    public let chains: [ChainCheck]

    public init(chains: [ChainCheck] = ChainChecks.all) {
        self.chains = chains
    }

    public var descriptors: [CheckDescriptor] { chains.map(\.descriptor) }

    public func selecting(_ keep: (CheckDescriptor) -> Bool) -> any CheckSuite {
        ChainSuite(chains: chains.filter { keep($0.descriptor) })
    }

    public func evaluate(_ context: ScanContext) -> SuiteOutcome {
        var outcome = SuiteOutcome()
        let aws = AWSInventory.of(context)
        guard !aws.resources.isEmpty, !context.inventory.resources.isEmpty else { return outcome }
        let index = KubernetesViews.of(context).index
        for chain in chains {
            for violation in chain.rule(index, aws) {
                outcome.record(.violation(violation.message, at: violation.mark, violation.path), of: chain.descriptor, on: violation.resource)
            }
        }
        return outcome
    }
}

public enum ChainChecks {
    static let roleAnnotation = "eks.amazonaws.com/role-arn"

    /// The role a service-account annotation names, among the input's roles (by name). `.unknown`
    /// when some role of the input has no known name (a CloudFormation role without RoleName).
    enum RoleLookup { case found(AWSResource), absent, unknown }

    static func role(named arn: String, in aws: AWSInventory) -> RoleLookup {
        let name = arn.components(separatedBy: ":role/").last.map { String($0.split(separator: "/").last ?? Substring($0)) } ?? arn
        let roles = aws.resources(ofType: "AWS::IAM::Role")
        if let role = roles.first(where: { $0.id == arn || $0.string("RoleName").value == name }) { return .found(role) }
        return roles.contains { $0.string("RoleName").value == nil } ? .unknown : .absent
    }

    /// Glob match as IAM's StringLike does it (`*` and `?`).
    static func like(_ pattern: String, _ text: String) -> Bool {
        let p = Array(pattern), t = Array(text)
        var memo: [Int: Bool] = [:]
        func match(_ i: Int, _ j: Int) -> Bool {
            let key = i * (t.count + 1) + j
            if let known = memo[key] { return known }
            let result: Bool
            if i == p.count { result = j == t.count }
            else if p[i] == "*" { result = match(i + 1, j) || (j < t.count && match(i, j + 1)) }
            else { result = j < t.count && (p[i] == "?" || p[i] == t[j]) && match(i + 1, j + 1) }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }

    /// Whether the role's trust lets this service account in through an OIDC provider; nil = yes,
    /// else what is wrong.
    static func trustProblem(_ role: AWSResource, serviceAccount subject: String, _ aws: AWSInventory) -> String? {
        let statements = PolicyStatement.statements(of: role.node("AssumeRolePolicyDocument")).filter { statement in
            statement.allows && (statement.principal?["Federated"]?.oneOrMany ?? []).contains { IAMChecks.isOIDCProvider($0, from: role, aws) }
        }
        guard !statements.isEmpty else { return "role \(role.id) does not trust an OIDC provider (no sts:AssumeRoleWithWebIdentity for the cluster)" }
        for statement in statements {
            var subs: [(String, Bool)] = []
            for operatorPair in statement.condition?.pairs ?? [] {
                let exact = operatorPair.key.hasSuffix("StringEquals")
                for key in operatorPair.value.pairs ?? [] where key.key.hasSuffix(":sub") {
                    subs += key.value.oneOrMany.compactMap(\.awsString).map { ($0, exact) }
                }
            }
            if subs.isEmpty || subs.contains(where: { $0.1 ? $0.0 == subject : like($0.0, subject) }) { return nil }
        }
        return "role \(role.id) trusts other service accounts, not \(subject)"
    }

    static func serviceAccount(_ namespace: String, _ name: String, role: String) -> String {
        "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: \(name)\n  namespace: \(namespace)\n  annotations:\n    eks.amazonaws.com/role-arn: \(role)\n"
    }

    static func roleTemplate(_ name: String, sub: String, policy: String = "") -> String {
        CFN.template(IAMChecks.role, "RoleName: \(name)\n" + CFN.irsaTrust(condition: CFN.pinned(sub)) + policy).replacingOccurrences(of: "  Subject:\n", with: "  Role:\n")
    }

    /// Service accounts with an IRSA annotation, the role ARN, and that role among the AWS input's.
    static func annotatedServiceAccounts(_ index: KubernetesIndex, _ aws: AWSInventory) -> [(Resource, String, RoleLookup)] {
        index.inventory.resources(ofKind: "ServiceAccount").compactMap { account in
            account.annotations[roleAnnotation].map { (account, $0, role(named: $0, in: aws)) }
        }
    }

    /// A broken link, pointing at the service account's role annotation.
    static func violation(_ account: Resource, _ message: String) -> ChainCheck.Violation {
        let mark = account.node["metadata"]?["annotations"]?.pair(roleAnnotation)?.value.mark ?? account.node.mark
        return ChainCheck.Violation(resource: account, mark: mark, path: "metadata.annotations[\(roleAnnotation)]", message: message)
    }

    static let irsaRoleNotInInput = ChainCheck(descriptor: CheckDescriptor(
        id: "irsaChainRoleNotFound", title: "IRSA: the service account's role is not in the AWS input", severity: .medium, category: "chain/irsa",
        description: "The service account's eks.amazonaws.com/role-arn names a role the AWS input (templates, Terraform, the account) does not define: a typo or a role of another account, and the pods get no AWS permissions (or someone else's).",
        remediation: "Point the annotation at the role created for this workload (check the account ID and name).",
        controls: ["CHAIN-IDENTITY", "CUST-IAM-IRSA"], frameworks: cis("4.1.4"), scope: .cluster,
        examples: [
            CheckExample(.violation, roleTemplate("checkout", sub: "system:serviceaccount:shop:checkout") + "---\n" + serviceAccount("shop", "checkout", role: "arn:aws:iam::111111111111:role/checkot"), at: ["metadata.annotations[eks.amazonaws.com/role-arn]"]),
            CheckExample(.compliant, roleTemplate("checkout", sub: "system:serviceaccount:shop:checkout") + "---\n" + serviceAccount("shop", "checkout", role: "arn:aws:iam::111111111111:role/checkout")),
        ])) { index, aws in
        guard !aws.resources(ofType: "AWS::IAM::Role").isEmpty else { return [] }
        return annotatedServiceAccounts(index, aws).compactMap { account, arn, lookup in
            guard case .absent = lookup else { return nil }
            return violation(account, "role \(arn) is not defined in the AWS input")
        }
    }

    static let irsaTrustMismatch = ChainCheck(descriptor: CheckDescriptor(
        id: "irsaChainTrustMismatch", title: "IRSA: the role does not trust this service account", severity: .high, category: "chain/irsa",
        description: "The service account names a role whose trust policy does not let it in: no OIDC provider principal, or a `:sub` condition for another service account. Pods fail to get credentials (and fall back to the node role), or the role is shared wider than intended.",
        remediation: "Trust the cluster's OIDC provider with `StringEquals` on `<issuer>:sub` = `system:serviceaccount:NAMESPACE:NAME` (and `:aud` = sts.amazonaws.com).",
        controls: ["CHAIN-IDENTITY", "CUST-IAM-IRSA"], frameworks: cis("4.1.4"), scope: .cluster,
        examples: [
            CheckExample(.violation, roleTemplate("checkout", sub: "system:serviceaccount:shop:payments") + "---\n" + serviceAccount("shop", "checkout", role: "arn:aws:iam::111111111111:role/checkout"), at: ["metadata.annotations[eks.amazonaws.com/role-arn]"]),
            CheckExample(.compliant, roleTemplate("checkout", sub: "system:serviceaccount:shop:checkout") + "---\n" + serviceAccount("shop", "checkout", role: "arn:aws:iam::111111111111:role/checkout")),
        ])) { index, aws in
        annotatedServiceAccounts(index, aws).compactMap { account, _, lookup in
            guard case .found(let role) = lookup,
                  let problem = trustProblem(role, serviceAccount: "system:serviceaccount:\(account.namespace ?? "default"):\(account.name)", aws) else { return nil }
            return violation(account, problem)
        }
    }

    /// `objectName`s of a SecretProviderClass for Secrets Manager (provider aws).
    static func secretNames(_ spc: Resource) -> [String] {
        guard spc.node["spec"]?["provider"]?.string == "aws", let text = spc.node["spec"]?["parameters"]?["objects"]?.string else { return [] }
        let objects = YAMLLoader().load(text, file: spc.file).documents.first?.root.items ?? []
        return objects.compactMap { object in
            let type = object["objectType"]?.string ?? (object["objectName"]?.string?.hasPrefix("arn:aws:secretsmanager") == true ? "secretsmanager" : nil)
            return type == "secretsmanager" ? object["objectName"]?.string : nil
        }
    }

    /// Whether a statement's resource pattern covers the secret (given by name or ARN; Secrets
    /// Manager appends `-` and six characters to the name in the ARN).
    static func covers(_ pattern: YAMLNode, secret: String, _ aws: AWSInventory, from role: AWSResource) -> Bool {
        if let target = aws.target(of: pattern, from: role) {
            return target.id == secret || target.string("Name").value == secret
        }
        guard let text = pattern.awsString else { return false }
        if text == "*" { return true }
        let name = secret.components(separatedBy: ":secret:").last ?? secret
        let arnPattern = text.components(separatedBy: ":secret:")
        guard arnPattern.count == 2 else { return false }
        return like(arnPattern[1], name) || like(arnPattern[1], name + "-AbCdEf")
    }

    static func allowsRead(_ role: AWSResource, secret: String, _ aws: AWSInventory) -> Bool {
        var documents = PolicyStatement.documents(of: role).map(\.node)
        for arn in role.node("ManagedPolicyArns")?.oneOrMany ?? [] {
            if let policy = aws.target(of: arn, from: role) { documents += PolicyStatement.documents(of: policy).map(\.node) }
        }
        for policy in aws.resources(ofType: "AWS::IAM::Policy", near: role) + aws.resources(ofType: "AWS::IAM::ManagedPolicy", near: role)
        where (policy.node("Roles")?.oneOrMany ?? []).contains(where: { AWSInventory.refers($0, to: role) || $0.awsString == role.string("RoleName").value }) {
            documents += PolicyStatement.documents(of: policy).map(\.node)
        }
        return documents.contains { document in
            PolicyStatement.statements(of: document).contains { statement in
                statement.allows
                    && statement.actions.contains { like($0.awsString?.lowercased() ?? "", "secretsmanager:getsecretvalue") || $0.awsString == "*" || like("secretsmanager:getsecretvalue", $0.awsString?.lowercased() ?? "") }
                    && statement.resources.contains { covers($0, secret: secret, aws, from: role) }
            }
        }
    }

    static let secretsRoleCannotRead = ChainCheck(descriptor: CheckDescriptor(
        id: "secretsChainRoleCannotRead", title: "Secrets chain: the pod's role cannot read the secret it mounts", severity: .high, category: "chain/secrets",
        description: "A pod mounts a SecretProviderClass for a Secrets Manager secret, but the IAM role of its service account is not allowed `secretsmanager:GetSecretValue` on that secret: the mount fails and the pod does not start (or a broader policy elsewhere is doing the work).",
        remediation: "Allow `secretsmanager:GetSecretValue` (and `kms:Decrypt` on its key) on exactly that secret's ARN in the workload's IRSA role.",
        controls: ["CHAIN-SECRETS", "CUST-DATA-SECRETS"], frameworks: cis("4.4.2"), scope: .cluster,
        examples: [
            CheckExample(.violation, roleTemplate("checkout", sub: "system:serviceaccount:shop:checkout", policy: readPolicy("prod/other-*")) + "---\n" + serviceAccount("shop", "checkout", role: "arn:aws:iam::111111111111:role/checkout") + "---\n" + secretsPod, at: ["spec.parameters.objects"]),
            CheckExample(.compliant, roleTemplate("checkout", sub: "system:serviceaccount:shop:checkout", policy: readPolicy("prod/db-*")) + "---\n" + serviceAccount("shop", "checkout", role: "arn:aws:iam::111111111111:role/checkout") + "---\n" + secretsPod),
        ])) { index, aws in
        var out: [ChainCheck.Violation] = []
        for spc in index.inventory.resources(ofKind: "SecretProviderClass") {
            let secrets = secretNames(spc)
            guard !secrets.isEmpty else { continue }
            let namespace = spc.namespace ?? "default"
            // The typed pod specs of the namespace's workloads: the ones with a volume of this class.
            for workload in index.workloads(in: namespace)
            where workload.spec.volumes.contains(where: { $0.secretProviderClass?.value == spc.name }) {
                let accountName = workload.serviceAccount
                guard let account = index.serviceAccount(accountName, in: namespace),
                      let arn = account.annotations[roleAnnotation], case .found(let role) = role(named: arn, in: aws) else { continue }
                for secret in secrets where !allowsRead(role, secret: secret, aws) {
                    out.append(ChainCheck.Violation(resource: spc, mark: spc.node["spec"]?["parameters"]?["objects"]?.mark ?? spc.node.mark, path: "spec.parameters.objects",
                                                    message: "\(workload.resource.kind) \(namespace)/\(workload.resource.name) mounts secret \(secret) as service account \(accountName), whose role \(role.id) may not read it (secretsmanager:GetSecretValue)"))
                }
            }
        }
        return out
    }

    static func readPolicy(_ secret: String) -> String {
        "Policies:\n- PolicyName: read\n  PolicyDocument:\n    Statement:\n    - {Effect: Allow, Action: secretsmanager:GetSecretValue, Resource: \"arn:aws:secretsmanager:eu-west-1:111111111111:secret:\(secret)\"}\n"
    }

    static let secretsPod = """
        apiVersion: secrets-store.csi.x-k8s.io/v1
        kind: SecretProviderClass
        metadata: {name: db, namespace: shop}
        spec:
          provider: aws
          parameters:
            objects: |
              - objectName: "prod/db"
                objectType: secretsmanager
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: checkout, namespace: shop}
        spec:
          selector: {matchLabels: {app: checkout}}
          template:
            metadata: {labels: {app: checkout}}
            spec:
              serviceAccountName: checkout
              containers: [{name: app, image: "registry.example/checkout:1.0", volumeMounts: [{name: secrets, mountPath: /mnt/secrets}]}]
              volumes:
              - name: secrets
                csi: {driver: secrets-store.csi.k8s.io, readOnly: true, volumeAttributes: {secretProviderClass: db}}

        """

    public static let all: [ChainCheck] = [irsaRoleNotInInput, irsaTrustMismatch, secretsRoleCannotRead]
}
