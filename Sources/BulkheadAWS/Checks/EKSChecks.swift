import BulkheadCore

public func cis(_ numbers: String...) -> [FrameworkReference] { numbers.map { FrameworkReference(.cisEKS, $0) } }
func pci(_ numbers: String...) -> [FrameworkReference] { numbers.map { FrameworkReference(.pciDSS, $0) } }
func soc2(_ numbers: String...) -> [FrameworkReference] { numbers.map { FrameworkReference(.soc2, $0) } }
func nist(_ numbers: String...) -> [FrameworkReference] { numbers.map { FrameworkReference(.nist800190, $0) } }

/// The EKS control plane as the customer configures it: endpoint exposure, secrets encryption,
/// logging, version, deletion protection, the OIDC provider IRSA needs.
enum EKSChecks {
    static let cluster = "AWS::EKS::Cluster"

    static let publicEndpoint = AWSCheck(CheckDescriptor(
        id: "eksPublicEndpoint", title: "EKS API endpoint open to the internet", severity: .high, category: "aws/eks",
        description: "The cluster's Kubernetes API endpoint is public and accepts connections from any address (0.0.0.0/0, the default when the public endpoint is on). Anyone can reach the API server and try stolen or leaked credentials against it.",
        remediation: "Turn the public endpoint off (`EndpointPublicAccess: false`, with `EndpointPrivateAccess: true`), or limit `PublicAccessCidrs` to the networks that administer the cluster.",
        controls: ["CHECKLIST-CONTAINER-1", "CUST-INFRA-VPC"], frameworks: cis("5.4.1", "5.4.2") + pci("1.3.1") + soc2("CC6.6"),
        examples: [
            CheckExample(.violation, CFN.template(cluster, "ResourcesVpcConfig:\n  SubnetIds: [subnet-1, subnet-2]\n"), at: ["ResourcesVpcConfig.EndpointPublicAccess"]),
            CheckExample(.violation, CFN.template(cluster, """
                ResourcesVpcConfig:
                  EndpointPublicAccess: true
                  PublicAccessCidrs: [↓0.0.0.0/0]

                """)),
            CheckExample(.violation, CFN.template(cluster, "ResourcesVpcConfig:\n  PublicAccessCidrs: []\n"), note: "an empty list means the default, 0.0.0.0/0", at: ["ResourcesVpcConfig.EndpointPublicAccess"]),
            CheckExample(.compliant, CFN.template(cluster, "ResourcesVpcConfig:\n  EndpointPublicAccess: false\n  EndpointPrivateAccess: true\n")),
            CheckExample(.compliant, CFN.template(cluster, "ResourcesVpcConfig:\n  EndpointPublicAccess: true\n  PublicAccessCidrs: [203.0.113.0/24]\n")),
        ]), types: [cluster]) { resource, _ in
        let path = "ResourcesVpcConfig.EndpointPublicAccess"
        switch resource.bool(path) {
        case .value(false, _): return []
        case .unknown(let reason, let mark): return [.unknown("\(path): \(reason)", at: mark, path)]
        case .value(true, _), .absent: break
        }
        let cidrsPath = "ResourcesVpcConfig.PublicAccessCidrs"
        guard let cidrs = resource.node(cidrsPath), !cidrs.isNull, !(cidrs.items?.isEmpty ?? false) else {
            return [.fail("the public API endpoint accepts every address (PublicAccessCidrs defaults to 0.0.0.0/0)", at: resource.node(path)?.mark, path)]
        }
        if let reason = cidrs.unknownReason { return [.unknown("\(cidrsPath): \(reason)", at: cidrs.mark, cidrsPath)] }
        if let open = cidrs.oneOrMany.first(where: { $0.awsString == "0.0.0.0/0" || $0.awsString == "::/0" }) {
            return [.fail("the public API endpoint accepts \(open.awsString ?? "every address")", at: open.mark, cidrsPath)]
        }
        return []
    }

    static let privateEndpoint = AWSCheck(CheckDescriptor(
        id: "eksPrivateEndpointDisabled", title: "EKS private API endpoint disabled", severity: .medium, category: "aws/eks",
        description: "Without the private endpoint, nodes and pods reach the Kubernetes API over the internet, and the public endpoint cannot be turned off.",
        remediation: "Set `ResourcesVpcConfig.EndpointPrivateAccess: true` (then restrict or disable the public endpoint).",
        controls: ["CHECKLIST-CONTAINER-1"], frameworks: cis("5.4.2"),
        examples: [
            CheckExample(.violation, CFN.template(cluster, "ResourcesVpcConfig:\n  SubnetIds: [subnet-1]\n"), at: ["ResourcesVpcConfig.EndpointPrivateAccess"]),
            CheckExample(.compliant, CFN.template(cluster, "ResourcesVpcConfig:\n  EndpointPrivateAccess: true\n")),
        ]), types: [cluster]) { resource, _ in
        Rules.mustBeTrue(resource, "ResourcesVpcConfig.EndpointPrivateAccess", "the private API endpoint is off")
    }

    static let secretsEncryption = AWSCheck(CheckDescriptor(
        id: "eksSecretsEncryption", title: "EKS secrets not encrypted with a KMS key", severity: .high, category: "aws/eks",
        description: "Envelope encryption of Kubernetes Secrets with a customer-managed KMS key protects them in etcd and its backups, and puts their use under the key's policy and CloudTrail.",
        remediation: "Add `EncryptionConfig: [{Provider: {KeyArn: <CMK>}, Resources: [secrets]}]`.",
        controls: ["CUST-INFRA-ENCRYPTION", "IAAS-DATA-KMS"], frameworks: cis("5.3.1") + pci("3.5.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(cluster, "Name: prod\n"), at: ["EncryptionConfig"]),
            CheckExample(.violation, CFN.template(cluster, "EncryptionConfig:\n- Provider: {KeyArn: arn:aws:kms:eu-west-1:111111111111:key/abc}\n  Resources: [configmaps]\n"), at: ["EncryptionConfig"]),
            CheckExample(.compliant, CFN.template(cluster, "EncryptionConfig:\n- Provider: {KeyArn: !GetAtt Key.Arn}\n  Resources: [secrets]\n",
                                                  others: "Key:\n  Type: AWS::KMS::Key\n  Properties: {EnableKeyRotation: true}\n")),
        ]), types: [cluster]) { resource, _ in
        let path = "EncryptionConfig"
        guard let configs = resource.node(path), !configs.isNull else {
            return [.fail("Kubernetes secrets are not envelope-encrypted with a KMS key", at: nil, path)]
        }
        if let reason = configs.unknownReason { return [.unknown("\(path): \(reason)", at: configs.mark, path)] }
        for config in configs.oneOrMany {
            let covers = config["Resources"]?.oneOrMany.contains { $0.awsString == "secrets" } ?? false
            // A key given by a value known only at deployment is still a key (as for `Rules.mustBeSet`).
            if covers, let key = config["Provider"]?["KeyArn"], !key.isNull { return [] }
        }
        return [.fail("no EncryptionConfig covers `secrets` with a KMS key", at: configs.mark, path)]
    }

    static let logTypes = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

    static let controlPlaneLogging = AWSCheck(CheckDescriptor(
        id: "eksControlPlaneLogging", title: "EKS control-plane log types not all enabled", severity: .medium, category: "aws/eks",
        description: "The API server, audit, authenticator, controller manager and scheduler logs are the record of who did what in the cluster; GuardDuty and incident response depend on them.",
        remediation: "Enable all five types: `Logging: {ClusterLogging: {EnabledTypes: [{Type: api}, {Type: audit}, {Type: authenticator}, {Type: controllerManager}, {Type: scheduler}]}}`.",
        controls: ["CUST-INFRA-MONITORING", "IAAS-MON-CLOUDWATCH"], frameworks: cis("2.1.1") + pci("10.2.1") + soc2("CC7.2"),
        examples: [
            CheckExample(.violation, CFN.template(cluster, "Name: prod\n"), at: ["Logging.ClusterLogging.EnabledTypes"]),
            CheckExample(.violation, CFN.template(cluster, "Logging:\n  ClusterLogging:\n    EnabledTypes: [{Type: api}, {Type: audit}]\n"), at: ["Logging.ClusterLogging.EnabledTypes"]),
            CheckExample(.compliant, CFN.template(cluster, "Logging:\n  ClusterLogging:\n    EnabledTypes: [{Type: api}, {Type: audit}, {Type: authenticator}, {Type: controllerManager}, {Type: scheduler}]\n")),
        ]), types: [cluster]) { resource, _ in
        let path = "Logging.ClusterLogging.EnabledTypes"
        let node = resource.node(path)
        if let reason = node?.unknownReason { return [.unknown("\(path): \(reason)", at: node?.mark, path)] }
        let enabled = Set((node?.oneOrMany ?? []).compactMap { $0["Type"]?.awsString ?? $0.awsString })
        let missing = logTypes.filter { !enabled.contains($0) }
        guard !missing.isEmpty else { return [] }
        return [.fail("control-plane log types not enabled: \(missing.joined(separator: ", "))", at: node?.mark, path)]
    }

    /// The oldest Kubernetes minor version EKS still supports (standard or extended support), by
    /// the EKS release calendar as of November 2026: 1.31 leaves extended support at the end of
    /// November 2026. Revise with each EKS release.
    static let oldestSupportedMinor = 31

    static let unsupportedVersion = AWSCheck(CheckDescriptor(
        id: "eksUnsupportedVersion", title: "EKS Kubernetes version out of support", severity: .high, category: "aws/eks",
        description: "A Kubernetes version past the end of EKS extended support gets no security patches for the control plane or the EKS-optimized AMIs.",
        remediation: "Upgrade the cluster (one minor version at a time) to a version in EKS standard support.",
        controls: ["CUST-INFRA-NODE-GROUPS"], frameworks: pci("6.3.3") + soc2("CC7.1") + nist("5.5.1"),
        examples: [
            CheckExample(.violation, CFN.template(cluster, "Version: \"1.24\"\n"), at: ["Version"]),
            CheckExample(.compliant, CFN.template(cluster, "Version: \"1.34\"\n")),
            CheckExample(.compliant, CFN.template(cluster, "Name: latest\n"), note: "no Version: EKS creates the default (current) version"),
        ]), types: [cluster]) { resource, _ in
        let path = "Version"
        switch resource.string(path) {
        case .absent: return []
        case .unknown(let reason, let mark): return [.unknown("\(path): \(reason)", at: mark, path)]
        case .value(let text, let mark):
            let parts = text.split(separator: ".")
            guard parts.count >= 2, parts[0] == "1", let minor = Int(parts[1]) else {
                return [.unknown("Version \(text) is not a Kubernetes version", at: mark, path)]
            }
            return minor < oldestSupportedMinor
                ? [.fail("Kubernetes \(text) is past the end of EKS support (oldest supported: 1.\(oldestSupportedMinor))", at: mark, path)] : []
        }
    }

    static let deletionProtection = AWSCheck(CheckDescriptor(
        id: "eksDeletionProtection", title: "EKS cluster without deletion protection", severity: .low, category: "aws/eks",
        description: "Deletion protection stops one API call (or a stack update that replaces the cluster) from destroying the cluster and every workload on it.",
        remediation: "Set `DeletionProtection: true`.",
        controls: ["CUST-INFRA-NODE-GROUPS"], frameworks: soc2("A1.2"),
        examples: [
            CheckExample(.violation, CFN.template(cluster, "Name: prod\n"), at: ["DeletionProtection"]),
            CheckExample(.compliant, CFN.template(cluster, "DeletionProtection: true\n")),
        ]), types: [cluster]) { resource, _ in
        Rules.mustBeTrue(resource, "DeletionProtection", "deletion protection is off")
    }

    static let authenticationMode = AWSCheck(CheckDescriptor(
        id: "eksAuthenticationConfigMap", title: "EKS access managed only through the aws-auth ConfigMap", severity: .low, category: "aws/eks",
        description: "With `CONFIG_MAP` authentication, cluster access lives in the aws-auth ConfigMap: anyone who can edit it can grant themselves cluster-admin, and a typo can lock everyone out. Access entries are managed through the EKS API, with IAM and CloudTrail.",
        remediation: "Set `AccessConfig.AuthenticationMode: API` (or `API_AND_CONFIG_MAP` while migrating) and manage access with access entries.",
        controls: ["IAAS-IAM-POLICIES", "CUST-K8S-RBAC"], frameworks: cis("4.1.8"),
        examples: [
            CheckExample(.violation, CFN.template(cluster, "AccessConfig: {AuthenticationMode: CONFIG_MAP}\n"), at: ["AccessConfig.AuthenticationMode"]),
            CheckExample(.compliant, CFN.template(cluster, "AccessConfig: {AuthenticationMode: API}\n")),
        ]), types: [cluster]) { resource, _ in
        let path = "AccessConfig.AuthenticationMode"
        switch resource.string(path) {
        case .value("CONFIG_MAP", let mark): return [.fail("authentication mode CONFIG_MAP: access is managed only in aws-auth", at: mark, path)]
        case .unknown(let reason, let mark): return [.unknown("\(path): \(reason)", at: mark, path)]
        default: return []
        }
    }

    static let oidcProvider = AWSCheck(CheckDescriptor(
        id: "eksOIDCProviderMissing", title: "EKS cluster without an IAM OIDC provider", severity: .medium, category: "aws/eks",
        description: "IRSA needs an IAM OIDC identity provider for the cluster's issuer: without one, pods cannot get IAM roles of their own and fall back to the node role, which every pod on the node shares.",
        remediation: "Create an `AWS::IAM::OIDCProvider` with `Url: !GetAtt Cluster.OpenIdConnectIssuerUrl` and client ID `sts.amazonaws.com` (eksctl: `eksctl utils associate-iam-oidc-provider`).",
        controls: ["CUST-IAM-IRSA", "IAAS-IAM-STS"], frameworks: cis("4.1.4") + soc2("CC6.1"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template(cluster, "Name: prod\n"), at: ["OpenIdConnectIssuerUrl"]),
            CheckExample(.compliant, CFN.template(cluster, "Name: prod\n", others: """
                OIDC:
                  Type: AWS::IAM::OIDCProvider
                  Properties:
                    Url: !GetAtt Subject.OpenIdConnectIssuerUrl
                    ClientIdList: [sts.amazonaws.com]
                """)),
        ]), types: [cluster]) { resource, inventory in
        let providers = inventory.resources(ofType: "AWS::IAM::OIDCProvider", near: resource)
        if providers.contains(where: { AWSInventory.refers($0.node("Url"), to: resource) }) { return [] }
        return [.fail("no IAM OIDC provider for the cluster's issuer in this input: IRSA cannot work", at: nil, "OpenIdConnectIssuerUrl")]
    }

    static let all: [AWSCheck] = [publicEndpoint, privateEndpoint, secretsEncryption, controlPlaneLogging, unsupportedVersion,
                                  deletionProtection, authenticationMode, oidcProvider]
}
