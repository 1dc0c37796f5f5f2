import BulkheadCore

/// The VPC around the cluster: security groups, network ACLs, public subnets, flow logs and the
/// VPC endpoints that keep AWS API traffic off the internet.
enum NetworkChecks {
    static let securityGroup = "AWS::EC2::SecurityGroup"
    static let ingressRule = "AWS::EC2::SecurityGroupIngress"

    /// Why a subnet is public, or nil: it maps public IPs, or a route table associated with it
    /// sends 0.0.0.0/0 to an internet gateway.
    static func publicReason(_ subnet: AWSResource, _ inventory: AWSInventory) -> String? {
        if subnet.bool("MapPublicIpOnLaunch").value == true { return "MapPublicIpOnLaunch gives instances public IPs" }
        for association in inventory.resources(ofType: "AWS::EC2::SubnetRouteTableAssociation", near: subnet)
        where AWSInventory.refers(association.node("SubnetId"), to: subnet) {
            guard let table = inventory.target(of: association.node("RouteTableId"), from: association) else { continue }
            for route in inventory.resources(ofType: "AWS::EC2::Route", near: subnet)
            where AWSInventory.refers(route.node("RouteTableId"), to: table) && route.string("DestinationCidrBlock").value == "0.0.0.0/0" {
                if let gateway = inventory.target(of: route.node("GatewayId"), from: route), gateway.type == "AWS::EC2::InternetGateway" {
                    return "route table \(table.id) sends 0.0.0.0/0 to internet gateway \(gateway.id)"
                }
                if let text = route.string("GatewayId").value, text.hasPrefix("igw-") {
                    return "route table \(table.id) sends 0.0.0.0/0 to \(text)"
                }
            }
        }
        return nil
    }

    /// One ingress rule open to the internet, with its ports.
    struct OpenRule {
        var node: YAMLNode
        var path: String
        /// Where a finding points: the rule of a group, or a standalone rule's open CIDR.
        var mark: Mark
        var source: String
        var from: Int
        var to: Int
        var allProtocols: Bool

        var allPorts: Bool { allProtocols || (from <= 0 && to >= 65535) }
        func covers(_ port: Int) -> Bool { allPorts || (from...max(from, to)).contains(port) }
        var ports: String { allPorts ? "all ports" : (from == to ? "port \(from)" : "ports \(from)-\(to)") }
    }

    static func openRules(_ resource: AWSResource) -> [OpenRule] {
        var rules: [(YAMLNode, String)] = []
        if resource.type == securityGroup {
            for (index, rule) in (resource.node("SecurityGroupIngress")?.items ?? []).enumerated() {
                rules.append((rule, "SecurityGroupIngress[\(index)]"))
            }
        } else {
            rules.append((resource.properties, "CidrIp"))
        }
        return rules.compactMap { rule, path in
            let source = [rule["CidrIp"]?.awsString, rule["CidrIpv6"]?.awsString].compactMap { $0 }.first { $0 == "0.0.0.0/0" || $0 == "::/0" }
            guard let source else { return nil }
            let proto = rule["IpProtocol"]?.awsString ?? "-1"
            let all = proto == "-1" || proto.lowercased() == "all"
            let from = rule["FromPort"]?.awsInt ?? (all ? 0 : -1)
            let to = rule["ToPort"]?.awsInt ?? from
            // A standalone rule (its own resource): point at the open CIDR itself.
            let field = rule["CidrIp"]?.awsString == source ? "CidrIp" : "CidrIpv6"
            let standalone = path == "CidrIp"
            return OpenRule(node: rule, path: standalone ? field : path, mark: standalone ? (rule[field]?.mark ?? rule.mark) : rule.mark,
                            source: source, from: all ? 0 : from, to: all ? 65535 : to, allProtocols: all)
        }
    }

    static let adminPorts = [22, 3389]

    static let adminPortsOpen = AWSCheck(CheckDescriptor(
        id: "securityGroupAdminPortsOpen", title: "Security group opens SSH, RDP or all ports to the internet", severity: .critical, category: "aws/network",
        description: "Ingress from 0.0.0.0/0 or ::/0 to port 22, 3389 or every port exposes remote administration (or everything) on whatever the group is attached to, nodes included, to the whole internet.",
        remediation: "Remove the rule; reach instances through SSM Session Manager or a bastion's security group, and open application ports only to load balancers.",
        controls: ["IAAS-NET-SECURITY-GROUPS"], frameworks: cis("5.4.5") + pci("1.3.1", "1.2.5") + soc2("CC6.6"),
        examples: [
            CheckExample(.violation, CFN.template(securityGroup, "GroupDescription: nodes\nSecurityGroupIngress:\n- {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}\n"), at: ["SecurityGroupIngress[0]"]),
            CheckExample(.violation, CFN.template(securityGroup, "GroupDescription: all\nSecurityGroupIngress:\n- {IpProtocol: \"-1\", CidrIpv6: \"::/0\"}\n"), at: ["SecurityGroupIngress[0]"]),
            CheckExample(.violation, CFN.template(ingressRule, "GroupId: sg-1\nIpProtocol: tcp\nFromPort: 3389\nToPort: 3389\nCidrIp: 0.0.0.0/0\n"), at: ["CidrIp"]),
            CheckExample(.compliant, CFN.template(securityGroup, "GroupDescription: nodes\nSecurityGroupIngress:\n- {IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 10.0.0.0/16}\n")),
        ]), types: [securityGroup, ingressRule]) { resource, _ in
        openRules(resource).filter { rule in rule.allPorts || adminPorts.contains(where: rule.covers) }.map { rule in
            .fail("ingress from \(rule.source) to \(rule.ports)", at: rule.mark, rule.path)
        }
    }

    static let openIngress = AWSCheck(CheckDescriptor(
        id: "securityGroupOpenIngress", title: "Security group open to the internet", severity: .medium, category: "aws/network",
        description: "Ingress from 0.0.0.0/0 or ::/0 to a port other than HTTP(S) exposes a service (the kubelet's 10250, a database, a NodePort range) to the whole internet.",
        remediation: "Limit the source to the networks or security groups that need the port; publish services through a load balancer.",
        controls: ["IAAS-NET-SECURITY-GROUPS"], frameworks: pci("1.3.1") + soc2("CC6.6"),
        examples: [
            CheckExample(.violation, CFN.template(securityGroup, "GroupDescription: nodes\nSecurityGroupIngress:\n- {IpProtocol: tcp, FromPort: 10250, ToPort: 10250, CidrIp: 0.0.0.0/0}\n"), at: ["SecurityGroupIngress[0]"]),
            CheckExample(.compliant, CFN.template(securityGroup, "GroupDescription: web\nSecurityGroupIngress:\n- {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}\n")),
        ]), types: [securityGroup, ingressRule]) { resource, _ in
        openRules(resource).filter { rule in
            !rule.allPorts && !adminPorts.contains(where: rule.covers) && !(rule.from >= 80 && rule.to <= 80) && !(rule.from >= 443 && rule.to <= 443)
        }.map { rule in .fail("ingress from \(rule.source) to \(rule.ports)", at: rule.mark, rule.path) }
    }

    static let naclAllowAll = AWSCheck(CheckDescriptor(
        id: "networkAclAllowsAll", title: "Network ACL allows all inbound traffic from the internet", severity: .medium, category: "aws/network",
        description: "A network ACL entry allowing every protocol from 0.0.0.0/0 removes the subnet-level layer of defence: only security groups stand between the internet and the subnet.",
        remediation: "Allow only the ports the subnet serves (and ephemeral return ports); deny 22 and 3389 from the internet.",
        controls: ["IAAS-NET-NACLS"], frameworks: pci("1.3.1") + soc2("CC6.6"),
        examples: [
            CheckExample(.violation, CFN.template("AWS::EC2::NetworkAclEntry", "NetworkAclId: acl-1\nRuleNumber: 100\nProtocol: -1\nRuleAction: allow\nEgress: false\nCidrBlock: 0.0.0.0/0\n"), at: ["Protocol"]),
            CheckExample(.compliant, CFN.template("AWS::EC2::NetworkAclEntry", "NetworkAclId: acl-1\nRuleNumber: 100\nProtocol: 6\nPortRange: {From: 443, To: 443}\nRuleAction: allow\nEgress: false\nCidrBlock: 0.0.0.0/0\n")),
            CheckExample(.compliant, CFN.template("AWS::EC2::NetworkAclEntry", "NetworkAclId: !Ref Acl\nRuleNumber: 200\nProtocol: -1\nRuleAction: allow\nEgress: false\nCidrBlock: 0.0.0.0/0\n", others: """
                Acl:
                  Type: AWS::EC2::NetworkAcl
                  Properties: {VpcId: vpc-1}
                DenySSH:
                  Type: AWS::EC2::NetworkAclEntry
                  Properties: {NetworkAclId: !Ref Acl, RuleNumber: 100, Protocol: 6, PortRange: {From: 22, To: 22}, RuleAction: deny, Egress: false, CidrBlock: 0.0.0.0/0}
                DenyRDP:
                  Type: AWS::EC2::NetworkAclEntry
                  Properties: {NetworkAclId: !Ref Acl, RuleNumber: 110, Protocol: 6, PortRange: {From: 3389, To: 3389}, RuleAction: deny, Egress: false, CidrBlock: 0.0.0.0/0}
                """), note: "earlier rules deny SSH and RDP: the allow-all rule does not reach them"),
        ]), types: ["AWS::EC2::NetworkAclEntry"]) { resource, inventory in
        guard resource.string("RuleAction").value == "allow", resource.bool("Egress").value != true,
              resource.string("Protocol").value == "-1",
              resource.string("CidrBlock").value == "0.0.0.0/0" || resource.string("Ipv6CidrBlock").value == "::/0" else { return [] }
        // Rules are evaluated by number: lower-numbered denies of 22 and 3389 from the internet come first.
        let number = resource.int("RuleNumber").value ?? Int.max
        let acl = resource.node("NetworkAclId")
        let denied = inventory.resources(ofType: "AWS::EC2::NetworkAclEntry", near: resource).filter { entry in
            entry.string("RuleAction").value == "deny" && entry.bool("Egress").value != true && (entry.int("RuleNumber").value ?? Int.max) < number
                && entry.string("CidrBlock").value == "0.0.0.0/0" && sameTarget(entry.node("NetworkAclId"), acl)
        }
        let covers = { (port: Int) in
            denied.contains { entry in
                entry.string("Protocol").value == "-1"
                    || ((entry.int("PortRange.From").value ?? Int.max) <= port && port <= (entry.int("PortRange.To").value ?? -1))
            }
        }
        if covers(22) && covers(3389) { return [] }
        return [.fail("allows every protocol and port from the internet", at: resource.node("Protocol")?.mark, "Protocol")]
    }

    /// Whether two values name the same thing: the same reference, or the same literal ID.
    static func sameTarget(_ a: YAMLNode?, _ b: YAMLNode?) -> Bool {
        guard let a, let b else { return false }
        return (a.referenceTarget ?? a.awsString) == (b.referenceTarget ?? b.awsString)
    }

    static let subnetPublicIP = AWSCheck(CheckDescriptor(
        id: "subnetAssignsPublicIP", title: "Subnet gives instances public IPs", severity: .low, category: "aws/network",
        description: "A subnet with MapPublicIpOnLaunch gives every instance launched in it a public address; nodes placed there are reachable from the internet.",
        remediation: "Set `MapPublicIpOnLaunch: false`; keep public subnets for load balancers and NAT gateways only.",
        controls: ["IAAS-NET-VPC-ISOLATION", "CUST-INFRA-VPC"], frameworks: cis("5.4.3") + pci("1.3.1"),
        examples: [
            CheckExample(.violation, CFN.template("AWS::EC2::Subnet", "VpcId: vpc-1\nCidrBlock: 10.0.0.0/24\nMapPublicIpOnLaunch: true\n"), at: ["MapPublicIpOnLaunch"]),
            CheckExample(.compliant, CFN.template("AWS::EC2::Subnet", "VpcId: vpc-1\nCidrBlock: 10.0.0.0/24\n")),
        ]), types: ["AWS::EC2::Subnet"]) { resource, _ in
        guard case .value(true, let mark) = resource.bool("MapPublicIpOnLaunch") else { return [] }
        return [.fail("instances launched here get public IPs", at: mark, "MapPublicIpOnLaunch")]
    }

    static let flowLogs = AWSCheck(CheckDescriptor(
        id: "vpcFlowLogsDisabled", title: "VPC without flow logs", severity: .medium, category: "aws/network",
        description: "Flow logs record the traffic accepted and rejected in the VPC: the evidence needed to investigate a compromised pod's connections.",
        remediation: "Add an `AWS::EC2::FlowLog` with `ResourceType: VPC`, `ResourceId: !Ref <VPC>` and `TrafficType: ALL`.",
        controls: ["CUST-INFRA-MONITORING", "IAAS-MON-CLOUDWATCH"], frameworks: pci("10.2.1") + soc2("CC7.2"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template("AWS::EC2::VPC", "CidrBlock: 10.0.0.0/16\n"), at: ["FlowLog"]),
            CheckExample(.compliant, CFN.template("AWS::EC2::VPC", "CidrBlock: 10.0.0.0/16\n", others: """
                Flow:
                  Type: AWS::EC2::FlowLog
                  Properties: {ResourceType: VPC, ResourceId: !Ref Subject, TrafficType: ALL, LogDestinationType: s3, LogDestination: arn:aws:s3:::flow-logs}
                """)),
        ]), types: ["AWS::EC2::VPC"]) { resource, inventory in
        let logged = inventory.resources(ofType: "AWS::EC2::FlowLog", near: resource).contains { flow in
            AWSInventory.refers(flow.node("ResourceId"), to: resource)
                || (flow.node("ResourceIds")?.oneOrMany ?? []).contains { AWSInventory.refers($0, to: resource) }
        }
        return logged ? [] : [.fail("no flow log records this VPC's traffic", at: nil, "FlowLog")]
    }

    /// Interface/gateway endpoints a private EKS VPC needs, by service-name suffix.
    static let endpointServices = ["ecr.api", "ecr.dkr", "s3", "sts", "secretsmanager", "logs"]

    /// Which of `services` (`ecr.api`, `s3`...) have no VPC endpoint in the VPC `inVPC` accepts.
    static func missingEndpoints(_ services: [String], near resource: AWSResource, _ inventory: AWSInventory,
                                 inVPC: (YAMLNode?) -> Bool) -> [String] {
        let present = inventory.resources(ofType: "AWS::EC2::VPCEndpoint", near: resource)
            .filter { inVPC($0.node("VpcId")) }
            .compactMap { $0.string("ServiceName").value }
        return services.filter { service in !present.contains { $0.hasSuffix(".\(service)") } }
    }

    static let endpoints = AWSCheck(CheckDescriptor(
        id: "vpcEndpointsMissing", title: "EKS VPC without endpoints for AWS services", severity: .low, category: "aws/network",
        description: "Without VPC endpoints for ECR (api, dkr), S3, STS, Secrets Manager and CloudWatch Logs, nodes pull images, exchange IRSA tokens and fetch secrets over the internet through NAT, and endpoint policies cannot restrict them.",
        remediation: "Add `AWS::EC2::VPCEndpoint`s for com.amazonaws.REGION.{ecr.api, ecr.dkr, sts, secretsmanager, logs} (Interface) and s3 (Gateway).",
        controls: ["IAAS-NET-VPC-ENDPOINTS"], frameworks: cis("5.4.3") + pci("1.4.1"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template("AWS::EC2::VPC", "CidrBlock: 10.0.0.0/16\n", others: """
                Cluster:
                  Type: AWS::EKS::Cluster
                  Properties: {RoleArn: arn:aws:iam::111111111111:role/eks, ResourcesVpcConfig: {SubnetIds: [subnet-1]}}
                """), at: ["VPCEndpoint"]),
            CheckExample(.compliant, CFN.template("AWS::EC2::VPC", "CidrBlock: 10.0.0.0/16\n", others: ["ecr.api", "ecr.dkr", "s3", "sts", "secretsmanager", "logs"].enumerated().map { index, service in
                "Endpoint\(index):\n  Type: AWS::EC2::VPCEndpoint\n  Properties: {VpcId: !Ref Subject, ServiceName: !Sub \"com.amazonaws.${AWS::Region}.\(service)\"}\n"
            }.joined() + "Cluster:\n  Type: AWS::EKS::Cluster\n  Properties: {RoleArn: arn:aws:iam::111111111111:role/eks, ResourcesVpcConfig: {SubnetIds: [subnet-1]}}\n")),
        ]), types: ["AWS::EC2::VPC"]) { resource, inventory in
        // Only VPCs of an input that defines an EKS cluster or node group; when clusters name
        // their VPC (a live account), only those VPCs.
        let clusters = inventory.resources(ofType: EKSChecks.cluster, near: resource)
        guard !clusters.isEmpty || !inventory.resources(ofType: NodeChecks.nodegroup, near: resource).isEmpty else { return [] }
        let named = clusters.compactMap { $0.node("ResourcesVpcConfig.VpcId") }
        if !named.isEmpty && !named.contains(where: { AWSInventory.refers($0, to: resource) }) { return [] }
        let missing = missingEndpoints(endpointServices, near: resource, inventory) { AWSInventory.refers($0, to: resource) }
        guard !missing.isEmpty else { return [] }
        return [.fail("no VPC endpoint for \(missing.joined(separator: ", "))", at: nil, "VPCEndpoint")]
    }

    static let all: [AWSCheck] = [adminPortsOpen, openIngress, naclAllowAll, subnetPublicIP, flowLogs, endpoints]
}
