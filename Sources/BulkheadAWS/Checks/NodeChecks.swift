import BulkheadCore

/// Worker nodes: how they are reached (SSH), what their instance metadata exposes to pods, their
/// disks, their subnets and their role.
enum NodeChecks {
    static let nodegroup = "AWS::EKS::Nodegroup"
    static let launchTemplate = "AWS::EC2::LaunchTemplate"

    static let sshFromInternet = AWSCheck(CheckDescriptor(
        id: "nodegroupSSHFromInternet", title: "Node group SSH open to the internet", severity: .high, category: "aws/nodes",
        description: "A managed node group with an SSH key and no source security groups opens port 22 of every node to 0.0.0.0/0.",
        remediation: "Remove `RemoteAccess` and use SSM Session Manager; if SSH is needed, set `RemoteAccess.SourceSecurityGroups` to a bastion's group.",
        controls: ["CUST-INFRA-NODE-GROUPS", "IAAS-NET-SECURITY-GROUPS"], frameworks: pci("1.3.1", "2.2.5") + soc2("CC6.6"),
        examples: [
            CheckExample(.violation, CFN.template(nodegroup, nodegroupBase + "Subnets: [subnet-1]\nRemoteAccess:\n  Ec2SshKey: ops\n"), at: ["RemoteAccess"]),
            CheckExample(.compliant, CFN.template(nodegroup, nodegroupBase + "Subnets: [subnet-1]\nRemoteAccess:\n  Ec2SshKey: ops\n  SourceSecurityGroups: [sg-bastion]\n")),
            CheckExample(.compliant, CFN.template(nodegroup, nodegroupBase + "Subnets: [subnet-1]\n")),
        ]), types: [nodegroup]) { resource, _ in
        guard let access = resource.node("RemoteAccess"), !access.isNull else { return [] }
        if let reason = access.unknownReason { return [.unknown("RemoteAccess: \(reason)", at: access.mark, "RemoteAccess")] }
        let groups = access["SourceSecurityGroups"]
        if let reason = groups?.unknownReason { return [.unknown("RemoteAccess.SourceSecurityGroups: \(reason)", at: groups?.mark, "RemoteAccess.SourceSecurityGroups")] }
        guard groups?.oneOrMany.isEmpty ?? true else { return [] }
        return [.fail("SSH (port 22) to the nodes is open to 0.0.0.0/0: RemoteAccess has a key and no SourceSecurityGroups", at: access.mark, "RemoteAccess")]
    }

    static let sshEnabled = AWSCheck(CheckDescriptor(
        id: "nodegroupSSHEnabled", title: "Node group allows SSH", severity: .low, category: "aws/nodes",
        description: "SSH keys on nodes are long-lived credentials outside IAM and CloudTrail; SSM Session Manager gives shell access with IAM authorization and an audit trail.",
        remediation: "Remove `RemoteAccess` and use SSM Session Manager (the EKS-optimized AMIs run the SSM agent).",
        controls: ["CUST-INFRA-NODE-GROUPS"], frameworks: cis("3.1.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(nodegroup, nodegroupBase + "Subnets: [subnet-1]\nRemoteAccess: {Ec2SshKey: ops, SourceSecurityGroups: [sg-1]}\n"), at: ["RemoteAccess.Ec2SshKey"]),
            CheckExample(.compliant, CFN.template(nodegroup, nodegroupBase + "Subnets: [subnet-1]\n")),
        ]), types: [nodegroup]) { resource, _ in
        guard let access = resource.node("RemoteAccess"), !access.isNull, access["Ec2SshKey"] != nil else { return [] }
        return [.fail("SSH access with key \(access["Ec2SshKey"]?.awsString ?? "(unknown)")", at: access["Ec2SshKey"]?.mark ?? access.mark, "RemoteAccess.Ec2SshKey")]
    }

    /// The launch template a node group uses, when it is a resource of the same input.
    static func launchTemplate(of nodegroup: AWSResource, in inventory: AWSInventory) -> AWSResource? {
        let spec = nodegroup.node("LaunchTemplate")
        return inventory.target(of: spec?["Id"], from: nodegroup) ?? inventory.target(of: spec?["Name"], from: nodegroup)
    }

    static let metadataHopLimit = "LaunchTemplateData.MetadataOptions.HttpPutResponseHopLimit"
    static let metadataTokens = "LaunchTemplateData.MetadataOptions.HttpTokens"

    static let nodeIMDS = AWSCheck(CheckDescriptor(
        id: "nodegroupIMDSv2", title: "Node instance metadata reachable from pods", severity: .high, category: "aws/nodes",
        description: "Unless IMDSv2 is required with a hop limit of 1, any pod can read the node role's credentials from the instance metadata service (169.254.169.254) and act as the node. A node group without a launch template gets EKS's default one, which allows IMDSv1 and a hop limit of 2.",
        remediation: "Give the node group a launch template with `MetadataOptions: {HttpTokens: required, HttpPutResponseHopLimit: 1}`; give pods their own roles with IRSA.",
        controls: ["CUST-INFRA-NODE-GROUPS", "CUST-IAM-IRSA"], frameworks: cis("4.6.1") + nist("5.4.3"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template(nodegroup, nodegroupBase + "Subnets: [subnet-1]\n"), at: ["LaunchTemplate"]),
            CheckExample(.violation, CFN.template(nodegroup, nodegroupBase + "Subnets: [subnet-1]\nLaunchTemplate: {Id: !Ref Nodes}\n", others: """
                Nodes:
                  Type: AWS::EC2::LaunchTemplate
                  Properties:
                    LaunchTemplateData:
                      MetadataOptions: {HttpTokens: required, HttpPutResponseHopLimit: 2}
                """), at: ["LaunchTemplate"]),
            CheckExample(.compliant, CFN.template(nodegroup, nodegroupBase + "Subnets: [subnet-1]\nLaunchTemplate: {Id: !Ref Nodes}\n", others: """
                Nodes:
                  Type: AWS::EC2::LaunchTemplate
                  Properties:
                    LaunchTemplateData:
                      MetadataOptions: {HttpTokens: required, HttpPutResponseHopLimit: 1}
                """)),
        ]), types: [nodegroup]) { resource, inventory in
        guard let spec = resource.node("LaunchTemplate"), !spec.isNull else {
            return [.fail("no launch template: EKS's default allows IMDSv1 with a hop limit of 2, so pods can take the node role", at: nil, "LaunchTemplate")]
        }
        guard let template = launchTemplate(of: resource, in: inventory) else {
            return [.unknown("LaunchTemplate: the launch template is not part of this input", at: spec.mark, "LaunchTemplate")]
        }
        var problems: [String] = []
        switch template.string(metadataTokens) {
        case .value("required", _): break
        case .unknown(let reason, let mark): return [.unknown("\(template.id).\(metadataTokens): \(reason)", at: mark, "LaunchTemplate")]
        default: problems.append("IMDSv2 is not required (HttpTokens)")
        }
        switch template.int(metadataHopLimit) {
        case .value(let hops, _) where hops <= 1: break
        case .absent: break // a launch template's default hop limit is 1
        case .unknown(let reason, let mark): return [.unknown("\(template.id).\(metadataHopLimit): \(reason)", at: mark, "LaunchTemplate")]
        case .value(let hops, _): problems.append("the hop limit is \(hops), so pods reach the metadata service")
        }
        guard !problems.isEmpty else { return [] }
        return [.fail("launch template \(template.id): \(problems.joined(separator: "; "))", at: spec.mark, "LaunchTemplate")]
    }

    static let launchTemplateIMDSv2 = AWSCheck(CheckDescriptor(
        id: "launchTemplateIMDSv1", title: "Launch template allows IMDSv1", severity: .medium, category: "aws/nodes",
        description: "IMDSv1 answers plain GET requests, so a server-side request forgery in any workload on the instance yields its role's credentials. IMDSv2 requires a session token obtained with a PUT.",
        remediation: "Set `LaunchTemplateData.MetadataOptions.HttpTokens: required`.",
        controls: ["CUST-INFRA-NODE-GROUPS"], frameworks: cis("4.6.1") + nist("5.5.1"),
        examples: [
            CheckExample(.violation, CFN.template(launchTemplate, "LaunchTemplateData:\n  InstanceType: m6i.large\n"), at: ["LaunchTemplateData.MetadataOptions.HttpTokens"]),
            CheckExample(.violation, CFN.template(launchTemplate, "LaunchTemplateData:\n  MetadataOptions: {HttpTokens: optional}\n"), at: ["LaunchTemplateData.MetadataOptions.HttpTokens"]),
            CheckExample(.compliant, CFN.template(launchTemplate, "LaunchTemplateData:\n  MetadataOptions: {HttpTokens: required}\n")),
        ]), types: [launchTemplate]) { resource, _ in
        switch resource.string(metadataTokens) {
        case .value("required", _): return []
        case .unknown(let reason, let mark): return [.unknown("\(metadataTokens): \(reason)", at: mark, metadataTokens)]
        case .value(let value, let mark): return [.fail("HttpTokens is \(value): IMDSv1 is allowed", at: mark, metadataTokens)]
        case .absent: return [.fail("HttpTokens is not set: IMDSv1 is allowed", at: nil, metadataTokens)]
        }
    }

    static let ebsEncryption = AWSCheck(CheckDescriptor(
        id: "launchTemplateEBSUnencrypted", title: "Launch template volume not encrypted", severity: .medium, category: "aws/nodes",
        description: "Node volumes hold container images, emptyDir volumes and logs. A volume not marked encrypted is encrypted only if the account's EBS encryption by default is on, which the template cannot show.",
        remediation: "Set `Encrypted: true` (and a `KmsKeyId`) on every `BlockDeviceMappings[].Ebs`, and turn on EBS encryption by default in the account.",
        controls: ["IAAS-DATA-EBS", "CUST-INFRA-ENCRYPTION"], frameworks: pci("3.5.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(launchTemplate, "LaunchTemplateData:\n  MetadataOptions: {HttpTokens: required}\n  BlockDeviceMappings:\n  - DeviceName: /dev/xvda\n    Ebs: {VolumeSize: 50, VolumeType: gp3}\n"), at: ["LaunchTemplateData.BlockDeviceMappings[0].Ebs.Encrypted"]),
            CheckExample(.compliant, CFN.template(launchTemplate, "LaunchTemplateData:\n  MetadataOptions: {HttpTokens: required}\n  BlockDeviceMappings:\n  - DeviceName: /dev/xvda\n    Ebs: {VolumeSize: 50, VolumeType: gp3, Encrypted: true}\n")),
        ]), types: [launchTemplate]) { resource, _ in
        var verdicts: [AWSVerdict] = []
        for (index, mapping) in (resource.node("LaunchTemplateData.BlockDeviceMappings")?.items ?? []).enumerated() {
            guard let ebs = mapping["Ebs"], ebs.isMapping else { continue }
            let path = "LaunchTemplateData.BlockDeviceMappings[\(index)].Ebs.Encrypted"
            let encrypted = ebs["Encrypted"]
            if let reason = encrypted?.unknownReason {
                verdicts.append(.unknown("\(path): \(reason)", at: encrypted?.mark, path))
            } else if encrypted?.awsBool != true {
                verdicts.append(.fail("volume \(mapping["DeviceName"]?.awsString ?? "#\(index)") is not marked encrypted", at: encrypted?.mark ?? ebs.mark, path))
            }
        }
        return verdicts
    }

    /// Example network for the subnet checks: `subnet` (at `properties`), a route table for it with
    /// a default route `route` (e.g. `GatewayId: !Ref Gateway`, or nil for none), and `extra` resources.
    static func routedSubnet(_ subnet: String, properties: String = "{VpcId: vpc-1, CidrBlock: 10.0.2.0/24}", route: String?,
                             tableVPC: String = "vpc-1", extra: String = "") -> String {
        var text = "\(subnet):\n  Type: AWS::EC2::Subnet\n  Properties: \(properties)\n" + extra
        text += "Table:\n  Type: AWS::EC2::RouteTable\n  Properties: {VpcId: \(tableVPC)}\n"
        if let route {
            text += "Default:\n  Type: AWS::EC2::Route\n  Properties: {RouteTableId: !Ref Table, DestinationCidrBlock: 0.0.0.0/0, \(route)}\n"
        }
        text += "Association:\n  Type: AWS::EC2::SubnetRouteTableAssociation\n  Properties: {SubnetId: !Ref \(subnet), RouteTableId: !Ref Table}\n"
        return text
    }

    static let nodegroupBase = "ClusterName: prod\nNodeRole: arn:aws:iam::111111111111:role/node\n"

    static let publicSubnets = AWSCheck(CheckDescriptor(
        id: "nodegroupPublicSubnet", title: "Nodes in a public subnet", severity: .high, category: "aws/nodes",
        description: "Nodes in a subnet that gives instances public IPs, or routes 0.0.0.0/0 to an internet gateway, are directly reachable from the internet; a security-group mistake exposes the kubelet and every hostPort.",
        remediation: "Put node groups in private subnets (no public IPs, default route to a NAT gateway) and expose workloads through load balancers.",
        controls: ["CUST-INFRA-VPC", "IAAS-NET-VPC-ISOLATION"], frameworks: cis("5.4.3") + pci("1.3.1") + soc2("CC6.6"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template(nodegroup, nodegroupBase + "Subnets: [!Ref Public]\n", others: """
                Public:
                  Type: AWS::EC2::Subnet
                  Properties: {VpcId: vpc-1, CidrBlock: 10.0.0.0/24, MapPublicIpOnLaunch: true}
                """), at: ["Subnets"]),
            CheckExample(.violation, CFN.template(nodegroup, nodegroupBase + "Subnets: [!Ref Routed]\n",
                                                  others: routedSubnet("Routed", route: "GatewayId: !Ref Gateway", extra: "Gateway:\n  Type: AWS::EC2::InternetGateway\n")), at: ["Subnets"]),
            CheckExample(.compliant, CFN.template(nodegroup, nodegroupBase + "Subnets: [!Ref Private]\n",
                                                  others: routedSubnet("Private", route: "NatGatewayId: nat-1"))),
        ]), types: [nodegroup]) { resource, inventory in
        var verdicts: [AWSVerdict] = []
        for subnetRef in resource.node("Subnets")?.oneOrMany ?? [] {
            guard let subnet = inventory.target(of: subnetRef, from: resource), subnet.type == "AWS::EC2::Subnet" else { continue }
            if let why = NetworkChecks.publicReason(subnet, inventory) {
                verdicts.append(.fail("subnet \(subnet.id) is public: \(why)", at: subnetRef.mark, "Subnets"))
            }
        }
        return verdicts
    }

    /// Whether the subnet's route tables send 0.0.0.0/0 through a NAT gateway; nil when the input
    /// does not say which route table the subnet uses.
    static func hasNATRoute(_ subnet: AWSResource, _ inventory: AWSInventory) -> Bool? {
        let tables = inventory.resources(ofType: "AWS::EC2::SubnetRouteTableAssociation", near: subnet)
            .filter { AWSInventory.refers($0.node("SubnetId"), to: subnet) }
            .compactMap { inventory.target(of: $0.node("RouteTableId"), from: $0) }
        guard !tables.isEmpty else { return nil }
        return inventory.resources(ofType: "AWS::EC2::Route", near: subnet).contains { route in
            tables.contains { AWSInventory.refers(route.node("RouteTableId"), to: $0) }
                && route.string("DestinationCidrBlock").value == "0.0.0.0/0"
                && (route.node("NatGatewayId").map { !$0.isNull } ?? false)
        }
    }

    /// Endpoints a node needs without internet egress: image pulls (ECR api and dkr, S3 layers) and IRSA (STS).
    static let privateClusterEndpoints = ["ecr.api", "ecr.dkr", "s3", "sts"]

    static let noEgress = AWSCheck(CheckDescriptor(
        id: "nodegroupNoEgressPath", title: "Nodes in a private subnet with no way out", severity: .medium, category: "aws/nodes",
        description: "A private subnet for nodes needs a default route through a NAT gateway, or VPC endpoints for ECR (api, dkr), S3 and STS: otherwise nodes cannot pull images, exchange IRSA tokens or join the cluster.",
        remediation: "Route 0.0.0.0/0 from the node subnets' route tables to a NAT gateway (one per AZ), or add the VPC endpoints for a fully private cluster.",
        controls: ["CUST-INFRA-VPC", "IAAS-NET-VPC-ENDPOINTS"], frameworks: cis("5.4.3"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template(nodegroup, nodegroupBase + "Subnets: [!Ref Private]\n",
                                                  others: routedSubnet("Private", properties: "{VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24}", route: nil, tableVPC: "!Ref Vpc",
                                                                       extra: "Vpc:\n  Type: AWS::EC2::VPC\n  Properties: {CidrBlock: 10.0.0.0/16}\n")), at: ["Subnets"]),
            CheckExample(.compliant, CFN.template(nodegroup, nodegroupBase + "Subnets: [!Ref Private]\n",
                                                  others: routedSubnet("Private", route: "NatGatewayId: nat-1"))),
        ]), types: [nodegroup]) { resource, inventory in
        var verdicts: [AWSVerdict] = []
        for subnetRef in resource.node("Subnets")?.oneOrMany ?? [] {
            guard let subnet = inventory.target(of: subnetRef, from: resource), subnet.type == "AWS::EC2::Subnet",
                  NetworkChecks.publicReason(subnet, inventory) == nil, hasNATRoute(subnet, inventory) == false else { continue }
            // The subnet's VPC: a resource of the input, or an ID.
            let vpc = subnet.node("VpcId")
            let vpcResource = inventory.target(of: vpc, from: subnet)
            let missing = NetworkChecks.missingEndpoints(privateClusterEndpoints, near: resource, inventory) { node in
                vpcResource.map { AWSInventory.refers(node, to: $0) } ?? NetworkChecks.sameTarget(node, vpc)
            }
            guard !missing.isEmpty else { continue }
            verdicts.append(.fail("subnet \(subnet.id) has no default route through a NAT gateway, and no VPC endpoint for \(missing.joined(separator: ", "))",
                                  at: subnetRef.mark, "Subnets"))
        }
        return verdicts
    }

    static let adminNodeRole = AWSCheck(CheckDescriptor(
        id: "nodeRoleAdmin", title: "Node role with administrator permissions", severity: .critical, category: "aws/nodes",
        description: "Every pod that reaches the instance metadata service, and anyone who escapes a container, acts with the node role. A node role with AdministratorAccess or `Action: *` hands the whole account to one compromised pod.",
        remediation: "Give the node role only AmazonEKSWorkerNodePolicy, AmazonEC2ContainerRegistryReadOnly and AmazonEKS_CNI_Policy (better: the CNI policy through IRSA); give workloads their own IRSA roles.",
        controls: ["IAAS-IAM-POLICIES", "CUST-INFRA-NODE-GROUPS"], frameworks: cis("5.2.1") + pci("7.2.1") + soc2("CC6.3"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template(nodegroup, "ClusterName: prod\nNodeRole: !GetAtt NodeRole.Arn\nSubnets: [subnet-1]\n", others: """
                NodeRole:
                  Type: AWS::IAM::Role
                  Properties:
                    AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}
                    ManagedPolicyArns: [arn:aws:iam::aws:policy/AdministratorAccess]
                """), at: ["NodeRole"]),
            CheckExample(.compliant, CFN.template(nodegroup, "ClusterName: prod\nNodeRole: !GetAtt NodeRole.Arn\nSubnets: [subnet-1]\n", others: """
                NodeRole:
                  Type: AWS::IAM::Role
                  Properties:
                    AssumeRolePolicyDocument: {Statement: [{Effect: Allow, Principal: {Service: ec2.amazonaws.com}, Action: sts:AssumeRole}]}
                    ManagedPolicyArns:
                    - !Sub arn:${AWS::Partition}:iam::aws:policy/AmazonEKSWorkerNodePolicy
                    - !Sub arn:${AWS::Partition}:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly
                """)),
        ]), types: [nodegroup]) { resource, inventory in
        guard let role = inventory.target(of: resource.node("NodeRole"), from: resource), role.type == "AWS::IAM::Role" else { return [] }
        guard let why = IAMChecks.adminReason(role, inventory) else { return [] }
        return [.fail("node role \(role.id) \(why)", at: resource.node("NodeRole")?.mark, "NodeRole")]
    }

    static let all: [AWSCheck] = [sshFromInternet, sshEnabled, nodeIMDS, launchTemplateIMDSv2, ebsEncryption, publicSubnets, noEgress, adminNodeRole]
}
