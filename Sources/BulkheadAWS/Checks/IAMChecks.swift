import BulkheadCore

/// IAM: policies that grant everything, trust policies anyone can use, and IRSA trust that is
/// not pinned to one service account.
public enum IAMChecks {
    public static let role = "AWS::IAM::Role"
    static let policyTypes: Set<String> = [role, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User", "AWS::IAM::Group", "AWS::SSO::PermissionSet"]
    static let adminPolicyNames = ["AdministratorAccess", "PowerUserAccess", "IAMFullAccess"]

    /// Why a role has administrator power, or nil: an AWS admin policy attached, or a policy of
    /// its own (inline, or an `AWS::IAM::Policy`/`ManagedPolicy` of the input attached to it) that
    /// allows `*` on `*`.
    static func adminReason(_ role: AWSResource, _ inventory: AWSInventory) -> String? {
        for arn in role.node("ManagedPolicyArns")?.oneOrMany ?? [] {
            if let name = adminPolicyName(arn) { return "has \(name) attached" }
            if let policy = inventory.target(of: arn, from: role), adminDocument(policy) { return "has \(policy.id), which allows * on *" }
        }
        if adminDocument(role) { return "has an inline policy that allows * on *" }
        for policy in inventory.resources(ofType: "AWS::IAM::Policy", near: role) + inventory.resources(ofType: "AWS::IAM::ManagedPolicy", near: role)
        where (policy.node("Roles")?.oneOrMany ?? []).contains(where: { AWSInventory.refers($0, to: role) }) {
            if adminDocument(policy) { return "has \(policy.id) attached, which allows * on *" }
            if let name = (policy.node("ManagedPolicyArns")?.oneOrMany ?? []).compactMap(adminPolicyName).first {
                return "has \(name) attached (\(policy.id))"
            }
        }
        return nil
    }

    /// The AWS-managed administrator policy an ARN names, if any.
    static func adminPolicyName(_ arn: YAMLNode) -> String? {
        guard let text = arn.awsString, arn.referenceTarget == nil else { return nil }
        return adminPolicyNames.first { text.hasSuffix(":policy/\($0)") }
    }

    static func adminDocument(_ resource: AWSResource) -> Bool {
        PolicyStatement.documents(of: resource).contains { document in
            PolicyStatement.statements(of: document.node).contains { $0.allowsAllActions && $0.onAllResources }
        }
    }

    static func policy(_ type: String, _ document: String) -> String {
        switch type {
        case "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy":
            return CFN.template(type, "PolicyName: p\nRoles: [app]\nPolicyDocument:\n" + CFN.indent(document, by: 2))
        default:
            return CFN.template(type, "Policies:\n- PolicyName: p\n  PolicyDocument:\n" + CFN.indent(document, by: 4))
        }
    }

    static let adminPolicy = AWSCheck(CheckDescriptor(
        id: "iamAdminPolicy", title: "IAM policy grants full administrator access", severity: .critical, category: "aws/iam",
        description: "A statement that allows `Action: *` on `Resource: *` grants every permission in the account, including changing IAM itself; whoever holds it owns the account.",
        remediation: "Grant the actions and resources the principal needs; for pods, an IRSA role per workload.",
        controls: ["IAAS-IAM-POLICIES"], frameworks: cis("5.2.1") + pci("7.2.1", "7.2.2") + soc2("CC6.3"),
        examples: [
            CheckExample(.violation, policy("AWS::IAM::Policy", "Version: \"2012-10-17\"\nStatement:\n- {Effect: Allow, Action: \"*\", Resource: \"*\"}\n"), at: ["PolicyDocument"]),
            CheckExample(.violation, policy(role, "Statement:\n- Effect: Allow\n  Action: [\"*\"]\n  Resource: [\"*\"]\n"), at: ["Policies[0].PolicyDocument"]),
            CheckExample(.compliant, policy("AWS::IAM::Policy", "Statement:\n- {Effect: Allow, Action: [\"s3:GetObject\"], Resource: \"arn:aws:s3:::artifacts/*\"}\n")),
            CheckExample(.compliant, policy("AWS::IAM::Policy", "Statement:\n- {Effect: Deny, Action: \"*\", Resource: \"*\"}\n")),
        ]), types: policyTypes) { resource, _ in
        verdicts(resource) { $0.allowsAllActions && $0.onAllResources } message: { "allows * on *" }
    }

    static let starAction = AWSCheck(CheckDescriptor(
        id: "iamStarAction", title: "IAM policy allows every action", severity: .high, category: "aws/iam",
        description: "`Action: *` allows every API of every service on the resources named, including deleting them and changing their policies.",
        remediation: "List the actions needed (`s3:GetObject`, not `*`).",
        controls: ["IAAS-IAM-POLICIES"], frameworks: pci("7.2.2") + soc2("CC6.3"),
        examples: [
            CheckExample(.violation, policy("AWS::IAM::ManagedPolicy", "Statement:\n- {Effect: Allow, Action: \"*\", Resource: \"arn:aws:s3:::artifacts\"}\n"), at: ["PolicyDocument"]),
            CheckExample(.compliant, policy("AWS::IAM::ManagedPolicy", "Statement:\n- {Effect: Allow, Action: \"s3:*\", Resource: \"arn:aws:s3:::artifacts\"}\n")),
        ]), types: policyTypes) { resource, _ in
        verdicts(resource) { $0.allowsAllActions } message: { "allows every action (Action: *)" }
    }

    /// Services whose every action on every resource is as good as administrator access.
    static let sensitiveServices: Set<String> = ["iam", "kms", "secretsmanager", "s3", "sts", "ec2", "eks", "organizations", "lambda", "ssm"]

    static let broadServiceAccess = AWSCheck(CheckDescriptor(
        id: "iamBroadServiceAccess", title: "IAM policy allows a sensitive service's every action on every resource", severity: .high, category: "aws/iam",
        description: "`s3:*`, `kms:*`, `secretsmanager:*` or `iam:*` on `Resource: *` (or `iam:PassRole` on `*`) reads every secret and object, decrypts every key, or escalates to any role: a workload that needs one bucket should name it.",
        remediation: "Name the actions and the resources (bucket, key, secret ARNs); limit `iam:PassRole` to the roles to pass.",
        controls: ["IAAS-IAM-POLICIES", "CUST-IAM-IRSA"], frameworks: cis("5.2.1") + pci("7.2.2") + soc2("CC6.3"),
        examples: [
            CheckExample(.violation, policy(role, "Statement:\n- {Effect: Allow, Action: [\"s3:*\", \"kms:*\"], Resource: \"*\"}\n"), at: ["Policies[0].PolicyDocument"]),
            CheckExample(.violation, policy("AWS::IAM::Policy", "Statement:\n- {Effect: Allow, Action: iam:PassRole, Resource: \"*\"}\n"), at: ["PolicyDocument"]),
            CheckExample(.compliant, policy("AWS::IAM::Policy", "Statement:\n- {Effect: Allow, Action: \"s3:*\", Resource: [\"arn:aws:s3:::artifacts\", \"arn:aws:s3:::artifacts/*\"]}\n")),
        ]), types: policyTypes) { resource, _ in
        verdicts(resource) { statement in
            statement.allows && statement.onAllResources && !statement.allowsAllActions && statement.actions.contains { action in
                guard let text = action.awsString?.lowercased() else { return false }
                if text == "iam:passrole" { return true }
                let parts = text.split(separator: ":")
                return parts.count == 2 && parts[1] == "*" && sensitiveServices.contains(String(parts[0]))
            }
        } message: { "allows a sensitive service's every action (or iam:PassRole) on every resource" }
    }

    private static func verdicts(_ resource: AWSResource, _ matches: (PolicyStatement) -> Bool, message: () -> String) -> [AWSVerdict] {
        var out: [AWSVerdict] = []
        for (path, document) in PolicyStatement.documents(of: resource) {
            if let reason = document.unknownReason {
                out.append(.unknown("\(path): \(reason)", at: document.mark, path))
                continue
            }
            for statement in PolicyStatement.statements(of: document) where matches(statement) {
                out.append(.fail("\(path): a statement \(message())", at: statement.node.mark, path))
            }
        }
        return out
    }

    static let trustPath = "AssumeRolePolicyDocument"

    static let publicTrust = AWSCheck(CheckDescriptor(
        id: "iamRoleTrustsEveryone", title: "IAM role any AWS principal can assume", severity: .critical, category: "aws/iam",
        description: "A trust policy that allows `Principal: *` (or `AWS: *`) without a condition naming an account or organization lets any AWS account in the world assume the role.",
        remediation: "Name the principals (accounts, roles, services) that may assume the role, or add a condition on `aws:PrincipalOrgID`/`aws:PrincipalAccount`.",
        controls: ["IAAS-IAM-CROSS-ACCOUNT", "IAAS-IAM-POLICIES"], frameworks: pci("7.2.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(role, "AssumeRolePolicyDocument:\n  Statement:\n  - {Effect: Allow, Principal: {AWS: \"*\"}, Action: sts:AssumeRole}\n"), at: ["AssumeRolePolicyDocument"]),
            CheckExample(.compliant, CFN.template(role, "AssumeRolePolicyDocument:\n  Statement:\n  - {Effect: Allow, Principal: {AWS: \"*\"}, Action: sts:AssumeRole, Condition: {StringEquals: {aws:PrincipalOrgID: o-abc123}}}\n")),
            CheckExample(.compliant, CFN.template(role, "AssumeRolePolicyDocument:\n  Statement:\n  - {Effect: Allow, Principal: {Service: lambda.amazonaws.com}, Action: sts:AssumeRole}\n")),
        ]), types: [role]) { resource, _ in
        PolicyStatement.statements(of: resource.node(trustPath)).filter { $0.allows && $0.principalIsEveryone && !$0.hasRestrictingCondition }.map {
            .fail("the trust policy lets any AWS principal assume the role", at: $0.node.mark, trustPath)
        }
    }

    static let wholeAccountTrust = AWSCheck(CheckDescriptor(
        id: "iamRoleTrustsWholeAccount", title: "IAM role trusts a whole account", severity: .low, category: "aws/iam",
        description: "Trusting an account root (`arn:aws:iam::ACCOUNT:root` or the bare account ID) lets every principal of that account with `sts:AssumeRole` permission assume the role, now and in future.",
        remediation: "Trust the specific roles that need it, or add a condition on `aws:PrincipalArn`.",
        controls: ["IAAS-IAM-CROSS-ACCOUNT"], frameworks: pci("7.2.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(role, "AssumeRolePolicyDocument:\n  Statement:\n  - {Effect: Allow, Principal: {AWS: [\"arn:aws:iam::123456789012:root\"]}, Action: sts:AssumeRole}\n"), at: ["AssumeRolePolicyDocument"]),
            CheckExample(.compliant, CFN.template(role, "AssumeRolePolicyDocument:\n  Statement:\n  - {Effect: Allow, Principal: {AWS: arn:aws:iam::123456789012:role/deployer}, Action: sts:AssumeRole}\n")),
        ]), types: [role]) { resource, _ in
        var out: [AWSVerdict] = []
        for statement in PolicyStatement.statements(of: resource.node(trustPath)) where statement.allows && !statement.hasRestrictingCondition {
            for principal in statement.principal?["AWS"]?.oneOrMany ?? [] {
                guard let text = principal.awsString else { continue }
                if text.hasSuffix(":root") || (text.count == 12 && text.allSatisfy(\.isNumber)) {
                    out.append(.fail("the trust policy trusts every principal of account \(text)", at: principal.mark, trustPath))
                }
            }
        }
        return out
    }

    /// The federated principal is an EKS OIDC provider: an ARN with `oidc.eks.`, or a reference
    /// to an `AWS::IAM::OIDCProvider` of the input.
    public static func isOIDCProvider(_ node: YAMLNode, from role: AWSResource, _ inventory: AWSInventory) -> Bool {
        if let target = inventory.target(of: node, from: role) { return target.type == "AWS::IAM::OIDCProvider" }
        return node.awsString?.contains("oidc.eks.") == true || node.awsString?.contains(":oidc-provider/") == true
    }

    static let irsaTrust = AWSCheck(CheckDescriptor(
        id: "irsaTrustNotPinned", title: "IRSA role trust not pinned to one service account", severity: .high, category: "aws/iam",
        description: "A role trusted through the cluster's OIDC provider must require both `<issuer>:sub` equal to `system:serviceaccount:NAMESPACE:NAME` and `<issuer>:aud` equal to `sts.amazonaws.com`; otherwise any service account in the cluster (a wildcard or missing `sub`) can assume it.",
        remediation: "Add `Condition: {StringEquals: {\"<issuer>:sub\": \"system:serviceaccount:NS:SA\", \"<issuer>:aud\": \"sts.amazonaws.com\"}}` to the `sts:AssumeRoleWithWebIdentity` statement.",
        controls: ["CUST-IAM-IRSA", "CHAIN-IDENTITY", "IAAS-IAM-STS"], frameworks: cis("4.1.4") + pci("7.2.1") + soc2("CC6.1"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template(role, CFN.irsaTrust(condition: "StringLike: {\"\(CFN.exampleIssuer):sub\": \"system:serviceaccount:*:*\"}\n")), at: ["AssumeRolePolicyDocument"]),
            CheckExample(.violation, CFN.template(role, CFN.irsaTrust(principal: "!Ref Provider", condition: nil),
                                                  others: "Provider:\n  Type: AWS::IAM::OIDCProvider\n  Properties: {Url: https://\(CFN.exampleIssuer), ClientIdList: [sts.amazonaws.com]}\n"), at: ["AssumeRolePolicyDocument"]),
            CheckExample(.compliant, CFN.template(role, CFN.irsaTrust(condition: CFN.pinned("system:serviceaccount:shop:checkout")))),
        ]), types: [role]) { resource, inventory in
        var out: [AWSVerdict] = []
        for statement in PolicyStatement.statements(of: resource.node(trustPath)) where statement.allows {
            let federated = statement.principal?["Federated"]?.oneOrMany ?? []
            guard federated.contains(where: { isOIDCProvider($0, from: resource, inventory) }) else { continue }
            var sub: [String] = [], aud: [String] = [], subIsPattern = false
            for operatorPair in statement.condition?.pairs ?? [] {
                let exact = operatorPair.key == "StringEquals" || operatorPair.key == "ForAllValues:StringEquals"
                for key in operatorPair.value.pairs ?? [] {
                    let values = key.value.oneOrMany.compactMap(\.awsString)
                    if key.key.hasSuffix(":sub") {
                        sub += values
                        if !exact { subIsPattern = true }
                    } else if key.key.hasSuffix(":aud"), exact {
                        aud += values
                    }
                }
            }
            var problems: [String] = []
            if sub.isEmpty {
                problems.append("no `:sub` condition: every service account of the cluster can assume it")
            } else if subIsPattern && sub.contains(where: { $0.contains("*") || $0.contains("?") }) || sub.contains(where: { !$0.hasPrefix("system:serviceaccount:") || $0.split(separator: ":").count != 4 }) {
                problems.append("`:sub` is \(sub.joined(separator: ", ")), not one service account")
            }
            if !aud.contains("sts.amazonaws.com") { problems.append("no `:aud` = sts.amazonaws.com condition") }
            if !problems.isEmpty {
                out.append(.fail(problems.joined(separator: "; "), at: statement.node.mark, trustPath))
            }
        }
        return out
    }

    /// The issuer (`oidc.eks.REGION.amazonaws.com/id/ID`) a federated principal names, when known.
    static func issuer(of principal: YAMLNode, from role: AWSResource, _ inventory: AWSInventory) -> String? {
        if let provider = inventory.target(of: principal, from: role) {
            return provider.string("Url").value.map { $0.replacingOccurrences(of: "https://", with: "") }
        }
        guard let text = principal.awsString, let range = text.range(of: ":oidc-provider/") else { return nil }
        return String(text[range.upperBound...])
    }

    static let foreignOIDC = AWSCheck(CheckDescriptor(
        id: "iamRoleTrustsForeignOIDC", title: "IAM role trusts the OIDC provider of another cluster", severity: .medium, category: "aws/iam",
        description: "A role trusting an EKS OIDC issuer that belongs to none of the clusters here lets the service accounts of a cluster elsewhere (another account, a deleted cluster whose issuer could come back) assume it.",
        remediation: "Trust the OIDC provider of the cluster whose workloads use the role; delete roles left from old clusters.",
        controls: ["CUST-IAM-IRSA", "IAAS-IAM-CROSS-ACCOUNT"], frameworks: cis("4.1.4") + soc2("CC6.1"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template(role, CFN.irsaTrust(condition: CFN.pinned("system:serviceaccount:shop:checkout")),
                                                  others: "Cluster:\n  Type: AWS::EKS::Cluster\n  Properties: {OpenIdConnectIssuerUrl: https://oidc.eks.eu-west-1.amazonaws.com/id/OTHER}\n"),
                         note: "OpenIdConnectIssuerUrl is the cluster's issuer as the live scan reads it", at: ["AssumeRolePolicyDocument"]),
            CheckExample(.compliant, CFN.template(role, CFN.irsaTrust(condition: CFN.pinned("system:serviceaccount:shop:checkout")),
                                                  others: "Cluster:\n  Type: AWS::EKS::Cluster\n  Properties: {OpenIdConnectIssuerUrl: https://\(CFN.exampleIssuer)}\n")),
        ]), types: [role]) { resource, inventory in
        // Only where every cluster's issuer is known (a live account): templates know it after deployment only.
        let issuers = inventory.resources(ofType: EKSChecks.cluster, near: resource).map { $0.string("OpenIdConnectIssuerUrl").value?.replacingOccurrences(of: "https://", with: "") }
        guard !issuers.isEmpty, !issuers.contains(where: { $0 == nil }) else { return [] }
        var out: [AWSVerdict] = []
        for statement in PolicyStatement.statements(of: resource.node(trustPath)) where statement.allows {
            for principal in statement.principal?["Federated"]?.oneOrMany ?? [] {
                guard let issuer = issuer(of: principal, from: resource, inventory), issuer.hasPrefix("oidc.eks."),
                      !issuers.contains(issuer) else { continue }
                out.append(.fail("trusts \(issuer), the issuer of no cluster here", at: principal.mark, trustPath))
            }
        }
        return out
    }

    static let userPolicies = AWSCheck(CheckDescriptor(
        id: "iamPolicyOnUser", title: "IAM policy attached to a user", severity: .low, category: "aws/iam",
        description: "Permissions attached to individual users drift and are hard to review; grant them through groups or roles (and prefer roles with temporary credentials).",
        remediation: "Attach policies to groups or roles, and put users in groups.",
        controls: ["IAAS-IAM-POLICIES"], frameworks: pci("7.2.1") + soc2("CC6.2"),
        examples: [
            CheckExample(.violation, CFN.template("AWS::IAM::Policy", "PolicyName: p\nUsers: [alice]\nPolicyDocument: {Statement: [{Effect: Allow, Action: s3:GetObject, Resource: \"*\"}]}\n"), at: ["Users"]),
            CheckExample(.violation, CFN.template("AWS::IAM::User", "ManagedPolicyArns: [arn:aws:iam::aws:policy/ReadOnlyAccess]\n"), at: ["ManagedPolicyArns"]),
            CheckExample(.compliant, CFN.template("AWS::IAM::Policy", "PolicyName: p\nGroups: [readers]\nPolicyDocument: {Statement: [{Effect: Allow, Action: s3:GetObject, Resource: \"*\"}]}\n")),
        ]), types: ["AWS::IAM::Policy", "AWS::IAM::ManagedPolicy", "AWS::IAM::User"]) { resource, _ in
        if resource.type == "AWS::IAM::User" {
            for path in ["Policies", "ManagedPolicyArns"] {
                if let node = resource.node(path), !node.oneOrMany.isEmpty { return [.fail("the user has policies attached directly (\(path))", at: node.mark, path)] }
            }
            return []
        }
        guard let users = resource.node("Users"), !users.oneOrMany.isEmpty else { return [] }
        return [.fail("attached to users directly", at: users.mark, "Users")]
    }

    static let adminManagedPolicy = AWSCheck(CheckDescriptor(
        id: "iamAdminManagedPolicy", title: "AdministratorAccess attached", severity: .high, category: "aws/iam",
        description: "AdministratorAccess (or PowerUserAccess, IAMFullAccess) attached to a role, user, group or permission set grants (nearly) everything in the account, IAM included.",
        remediation: "Attach policies scoped to the job; keep administrator access to a break-glass role with MFA and alerting.",
        controls: ["IAAS-IAM-POLICIES"], frameworks: cis("5.2.1") + pci("7.2.1", "7.2.2") + soc2("CC6.3"),
        examples: [
            CheckExample(.violation, CFN.template(role, "AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}\nManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]\n"), at: ["ManagedPolicyArns"]),
            CheckExample(.violation, CFN.template("AWS::IAM::Group", "ManagedPolicyArns: [\"arn:aws:iam::aws:policy/IAMFullAccess\"]\n"), at: ["ManagedPolicyArns"]),
            CheckExample(.compliant, CFN.template(role, "AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}\nManagedPolicyArns: [arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess]\n")),
        ]), types: [role, "AWS::IAM::User", "AWS::IAM::Group", "AWS::IAM::Policy", "AWS::SSO::PermissionSet"]) { resource, _ in
        let path = resource.type == "AWS::SSO::PermissionSet" ? "ManagedPolicies" : "ManagedPolicyArns"
        return (resource.node(path)?.oneOrMany ?? []).compactMap { arn in
            adminPolicyName(arn).map { AWSVerdict.fail("\($0) is attached", at: arn.mark, path) }
        }
    }

    static let all: [AWSCheck] = [adminPolicy, adminManagedPolicy, starAction, broadServiceAccess, publicTrust, wholeAccountTrust, irsaTrust,
                                  foreignOIDC, userPolicies]
}
