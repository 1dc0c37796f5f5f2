import BulkheadCore

/// Terraform's resource layout (what `.tf` evaluation and `terraform show -json` give) turned into
/// the normalized model (CloudFormation's types and property names), so every check reads one shape.
enum TerraformMapping {
    /// A normalized resource, or an attachment that completes another resource (a policy
    /// attachment, a bucket's encryption configuration, a GuardDuty feature).
    enum Mapped {
        case resource(type: String, properties: YAMLNode, extra: [(id: String, type: String, properties: YAMLNode)])
        case attachment(target: YAMLNode?, targetType: String, apply: @Sendable (YAMLNode) -> YAMLNode)
    }

    static func object(_ mark: Mark, _ pairs: [(String, YAMLNode?)]) -> YAMLNode { AWSValue.object(mark, pairs) }

    /// The first nested block of a type (Terraform lists even single blocks).
    static func block(_ node: YAMLNode?, _ name: String) -> YAMLNode? {
        guard let value = node?[name] else { return nil }
        if value.unknownReason != nil { return value }
        return value.items?.first ?? (value.isMapping ? value : nil)
    }

    static func list(_ node: YAMLNode?, _ mark: Mark, _ transform: (YAMLNode) -> YAMLNode) -> YAMLNode? {
        guard let node, !node.isNull else { return nil }
        if node.unknownReason != nil || node.referenceTarget != nil { return node }
        return YAMLNode(.sequence(node.oneOrMany.map(transform)), mark: node.mark)
    }

    /// `node` with `key` set to `value` (replacing it), or appended to when `append` and it is a list.
    static func setting(_ key: String, _ value: YAMLNode, in node: YAMLNode, append: Bool = false) -> YAMLNode {
        var pairs = node.pairs ?? []
        if let index = pairs.firstIndex(where: { $0.key == key }) {
            if append, let existing = pairs[index].value.items {
                pairs[index].value = YAMLNode(.sequence(existing + value.oneOrMany), mark: pairs[index].value.mark)
            } else {
                pairs[index].value = value
            }
        } else {
            pairs.append(YAMLPair(key: key, keyMark: value.mark, value: append ? YAMLNode(.sequence(value.oneOrMany), mark: value.mark) : value))
        }
        return YAMLNode(.mapping(pairs), mark: node.mark)
    }

    // swiftlint:disable:next cyclomatic_complexity function_body_length
    static func map(type: String, address: String, _ tf: YAMLNode) -> Mapped? {
        let m = tf.mark
        func r(_ cfnType: String, _ pairs: [(String, YAMLNode?)]) -> Mapped { .resource(type: cfnType, properties: object(m, pairs), extra: []) }
        switch type {
        case "aws_eks_cluster":
            let vpc = block(tf, "vpc_config")
            let logTypes = list(tf["enabled_cluster_log_types"], m) { object($0.mark, [("Type", $0)]) }
            return r("AWS::EKS::Cluster", [
                ("Name", tf["name"]), ("Version", tf["version"]), ("RoleArn", tf["role_arn"]), ("DeletionProtection", tf["deletion_protection"]),
                ("ResourcesVpcConfig", vpc.map { vpc in object(vpc.mark, [
                    ("SubnetIds", vpc["subnet_ids"]), ("SecurityGroupIds", vpc["security_group_ids"]),
                    ("EndpointPrivateAccess", vpc["endpoint_private_access"]), ("EndpointPublicAccess", vpc["endpoint_public_access"]),
                    ("PublicAccessCidrs", vpc["public_access_cidrs"]),
                ]) }),
                ("EncryptionConfig", list(tf["encryption_config"], m) { config in
                    object(config.mark, [("Provider", block(config, "provider").map { object($0.mark, [("KeyArn", $0["key_arn"])]) }),
                                         ("Resources", config["resources"])])
                }),
                ("Logging", logTypes.map { object(m, [("ClusterLogging", object(m, [("EnabledTypes", $0)]))]) }),
                ("AccessConfig", block(tf, "access_config").map { object($0.mark, [("AuthenticationMode", $0["authentication_mode"])]) }),
            ])
        case "aws_eks_node_group":
            return r("AWS::EKS::Nodegroup", [
                ("ClusterName", tf["cluster_name"]), ("NodeRole", tf["node_role_arn"]), ("Subnets", tf["subnet_ids"]),
                ("RemoteAccess", block(tf, "remote_access").map { object($0.mark, [("Ec2SshKey", $0["ec2_ssh_key"]), ("SourceSecurityGroups", $0["source_security_group_ids"])]) }),
                ("LaunchTemplate", block(tf, "launch_template").map { object($0.mark, [("Id", $0["id"]), ("Name", $0["name"]), ("Version", $0["version"])]) }),
            ])
        case "aws_launch_template":
            return r("AWS::EC2::LaunchTemplate", [("LaunchTemplateData", object(m, [
                ("MetadataOptions", block(tf, "metadata_options").map { object($0.mark, [
                    ("HttpTokens", $0["http_tokens"]), ("HttpPutResponseHopLimit", $0["http_put_response_hop_limit"]), ("HttpEndpoint", $0["http_endpoint"]),
                ]) }),
                ("BlockDeviceMappings", list(tf["block_device_mappings"], m) { mapping in
                    object(mapping.mark, [("DeviceName", mapping["device_name"]), ("Ebs", block(mapping, "ebs").map { object($0.mark, [
                        ("Encrypted", $0["encrypted"]), ("KmsKeyId", $0["kms_key_id"]), ("VolumeSize", $0["volume_size"]), ("VolumeType", $0["volume_type"]),
                    ]) })])
                }),
            ]))])
        case "aws_security_group":
            var rules: [YAMLNode] = []
            for rule in tf["ingress"]?.items ?? [] {
                let common: [(String, YAMLNode?)] = [("IpProtocol", rule["protocol"]), ("FromPort", rule["from_port"]), ("ToPort", rule["to_port"])]
                let v4 = rule["cidr_blocks"]?.oneOrMany ?? [], v6 = rule["ipv6_cidr_blocks"]?.oneOrMany ?? []
                for cidr in v4 { rules.append(object(rule.mark, common + [("CidrIp", cidr)])) }
                for cidr in v6 { rules.append(object(rule.mark, common + [("CidrIpv6", cidr)])) }
                if v4.isEmpty && v6.isEmpty { rules.append(object(rule.mark, common)) }
            }
            return r("AWS::EC2::SecurityGroup", [("GroupDescription", tf["description"]), ("VpcId", tf["vpc_id"]),
                                                 ("SecurityGroupIngress", YAMLNode(.sequence(rules), mark: m))])
        case "aws_security_group_rule":
            guard tf["type"]?.awsString == "ingress" else { return nil }
            let cidrs = tf["cidr_blocks"]?.oneOrMany ?? [], v6 = tf["ipv6_cidr_blocks"]?.oneOrMany ?? []
            return r("AWS::EC2::SecurityGroupIngress", [
                ("GroupId", tf["security_group_id"]), ("IpProtocol", tf["protocol"]), ("FromPort", tf["from_port"]), ("ToPort", tf["to_port"]),
                ("CidrIp", cidrs.first { $0.awsString == "0.0.0.0/0" } ?? cidrs.first), ("CidrIpv6", v6.first { $0.awsString == "::/0" } ?? v6.first),
            ])
        case "aws_vpc_security_group_ingress_rule":
            return r("AWS::EC2::SecurityGroupIngress", [
                ("GroupId", tf["security_group_id"]), ("IpProtocol", tf["ip_protocol"]), ("FromPort", tf["from_port"]), ("ToPort", tf["to_port"]),
                ("CidrIp", tf["cidr_ipv4"]), ("CidrIpv6", tf["cidr_ipv6"]),
            ])
        case "aws_network_acl_rule":
            return r("AWS::EC2::NetworkAclEntry", [
                ("NetworkAclId", tf["network_acl_id"]), ("RuleNumber", tf["rule_number"]), ("RuleAction", tf["rule_action"]), ("Egress", tf["egress"]),
                ("PortRange", object(m, [("From", tf["from_port"]), ("To", tf["to_port"])])),
                ("Protocol", tf["protocol"].map { $0.awsString == "all" ? AWSValue.string("-1", at: $0.mark) : $0 }),
                ("CidrBlock", tf["cidr_block"]), ("Ipv6CidrBlock", tf["ipv6_cidr_block"]),
            ])
        case "aws_subnet":
            return r("AWS::EC2::Subnet", [("VpcId", tf["vpc_id"]), ("CidrBlock", tf["cidr_block"]), ("MapPublicIpOnLaunch", tf["map_public_ip_on_launch"])])
        case "aws_route_table_association":
            return r("AWS::EC2::SubnetRouteTableAssociation", [("SubnetId", tf["subnet_id"]), ("RouteTableId", tf["route_table_id"])])
        case "aws_route":
            return r("AWS::EC2::Route", [("RouteTableId", tf["route_table_id"]), ("DestinationCidrBlock", tf["destination_cidr_block"]),
                                        ("GatewayId", tf["gateway_id"]), ("NatGatewayId", tf["nat_gateway_id"])])
        case "aws_route_table":
            let routes = (tf["route"]?.items ?? []).enumerated().map { index, route in
                (id: "\(address).route[\(index)]", type: "AWS::EC2::Route", properties: object(route.mark, [
                    ("RouteTableId", AWSValue.reference(address, at: route.mark)), ("DestinationCidrBlock", route["cidr_block"]),
                    ("GatewayId", route["gateway_id"]), ("NatGatewayId", route["nat_gateway_id"]),
                ]))
            }
            return .resource(type: "AWS::EC2::RouteTable", properties: object(m, [("VpcId", tf["vpc_id"])]), extra: routes)
        case "aws_internet_gateway": return r("AWS::EC2::InternetGateway", [("VpcId", tf["vpc_id"])])
        case "aws_vpc": return r("AWS::EC2::VPC", [("CidrBlock", tf["cidr_block"])])
        case "aws_flow_log":
            return r("AWS::EC2::FlowLog", [("ResourceId", tf["vpc_id"] ?? tf["subnet_id"] ?? tf["eni_id"]), ("TrafficType", tf["traffic_type"])])
        case "aws_vpc_endpoint":
            return r("AWS::EC2::VPCEndpoint", [("VpcId", tf["vpc_id"]), ("ServiceName", tf["service_name"]), ("VpcEndpointType", tf["vpc_endpoint_type"])])
        case "aws_kms_key":
            return r("AWS::KMS::Key", [("EnableKeyRotation", tf["enable_key_rotation"]), ("KeyPolicy", tf["policy"]),
                                       ("KeySpec", tf["customer_master_key_spec"] ?? tf["key_spec"]), ("KeyUsage", tf["key_usage"])])
        case "aws_cloudtrail":
            return r("AWS::CloudTrail::Trail", [
                ("IsMultiRegionTrail", tf["is_multi_region_trail"]), ("EnableLogFileValidation", tf["enable_log_file_validation"]),
                ("KMSKeyId", tf["kms_key_id"]), ("CloudWatchLogsLogGroupArn", tf["cloud_watch_logs_group_arn"]), ("IsLogging", tf["enable_logging"]),
            ])
        case "aws_guardduty_detector":
            let audit = block(block(block(tf, "datasources"), "kubernetes"), "audit_logs")
            return r("AWS::GuardDuty::Detector", [
                ("Enable", tf["enable"] ?? TerraformEvaluator.bool(true, m)), // Terraform's default
                ("DataSources", audit.map { object(m, [("Kubernetes", object(m, [("AuditLogs", object($0.mark, [("Enable", $0["enable"])]))]))]) }),
            ])
        case "aws_guardduty_detector_feature":
            let feature = object(m, [("Name", tf["name"]), ("Status", tf["status"])])
            return .attachment(target: tf["detector_id"], targetType: "AWS::GuardDuty::Detector") { setting("Features", feature, in: $0, append: true) }
        case "aws_config_configuration_recorder":
            let group = block(tf, "recording_group")
            return r("AWS::Config::ConfigurationRecorder", [("RoleARN", tf["role_arn"]), ("RecordingGroup", group.map { group in
                object(group.mark, [("AllSupported", group["all_supported"] ?? TerraformEvaluator.bool(true, group.mark)),
                                    ("IncludeGlobalResourceTypes", group["include_global_resource_types"]), ("ResourceTypes", group["resource_types"])])
            })])
        case "aws_config_delivery_channel": return r("AWS::Config::DeliveryChannel", [("S3BucketName", tf["s3_bucket_name"])])
        case "aws_ecr_repository":
            let encryption = block(tf, "encryption_configuration")
            return r("AWS::ECR::Repository", [
                ("RepositoryName", tf["name"]), ("ImageTagMutability", tf["image_tag_mutability"]),
                ("ImageScanningConfiguration", block(tf, "image_scanning_configuration").map { object($0.mark, [("ScanOnPush", $0["scan_on_push"])]) }),
                ("EncryptionConfiguration", encryption.map { object($0.mark, [("EncryptionType", $0["encryption_type"]), ("KmsKey", $0["kms_key"])]) }),
            ])
        case "aws_ecr_repository_policy":
            // Its own resource: the repository may be defined elsewhere.
            return r("AWS::ECR::RepositoryPolicy", [("Repository", tf["repository"]), ("RepositoryPolicyText", tf["policy"])])
        case "aws_ecr_registry_scanning_configuration":
            return r("AWS::ECR::RegistryScanningConfiguration", [("ScanType", tf["scan_type"])])
        case "aws_iam_role":
            return r("AWS::IAM::Role", [
                ("RoleName", tf["name"]), ("AssumeRolePolicyDocument", tf["assume_role_policy"]), ("ManagedPolicyArns", tf["managed_policy_arns"]),
                ("Policies", list(tf["inline_policy"], m) { object($0.mark, [("PolicyName", $0["name"]), ("PolicyDocument", $0["policy"])]) }),
            ])
        case "aws_iam_role_policy":
            return r("AWS::IAM::Policy", [("PolicyName", tf["name"]), ("PolicyDocument", tf["policy"]), ("Roles", tf["role"].map { YAMLNode(.sequence([$0]), mark: $0.mark) })])
        case "aws_iam_role_policy_attachment", "aws_iam_user_policy_attachment", "aws_iam_group_policy_attachment":
            // An attachment is its own resource (it may attach to a principal defined elsewhere):
            // an AWS::IAM::Policy naming the principal, with the attached ARN in ManagedPolicyArns.
            let single = { (node: YAMLNode?) in node.map { YAMLNode(.sequence([$0]), mark: $0.mark) } }
            return r("AWS::IAM::Policy", [("Roles", single(tf["role"])), ("Users", single(tf["user"])), ("Groups", single(tf["group"])),
                                          ("ManagedPolicyArns", single(tf["policy_arn"]))])
        case "aws_iam_policy_attachment":
            return r("AWS::IAM::Policy", [("Users", tf["users"]), ("Roles", tf["roles"]), ("Groups", tf["groups"]),
                                          ("ManagedPolicyArns", tf["policy_arn"].map { YAMLNode(.sequence([$0]), mark: $0.mark) })])
        case "aws_ssoadmin_permission_set_inline_policy":
            return r("AWS::SSO::PermissionSet", [("InlinePolicy", tf["inline_policy"])])
        case "aws_ssoadmin_managed_policy_attachment":
            return r("AWS::SSO::PermissionSet", [("ManagedPolicies", tf["managed_policy_arn"].map { YAMLNode(.sequence([$0]), mark: $0.mark) })])
        case "aws_iam_policy":
            return r("AWS::IAM::ManagedPolicy", [("ManagedPolicyName", tf["name"]), ("PolicyDocument", tf["policy"])])
        case "aws_iam_user_policy":
            return r("AWS::IAM::Policy", [("PolicyDocument", tf["policy"]), ("Users", tf["user"].map { YAMLNode(.sequence([$0]), mark: $0.mark) })])
        case "aws_iam_group_policy":
            return r("AWS::IAM::Policy", [("PolicyDocument", tf["policy"]), ("Groups", tf["group"].map { YAMLNode(.sequence([$0]), mark: $0.mark) })])
        case "aws_iam_user": return r("AWS::IAM::User", [("UserName", tf["name"])])
        case "aws_iam_group": return r("AWS::IAM::Group", [("GroupName", tf["name"])])
        case "aws_iam_openid_connect_provider":
            return r("AWS::IAM::OIDCProvider", [("Url", tf["url"]), ("ClientIdList", tf["client_id_list"])])
        case "aws_s3_bucket":
            let inline = block(block(block(tf, "server_side_encryption_configuration"), "rule"), "apply_server_side_encryption_by_default")
            return r("AWS::S3::Bucket", [("BucketName", tf["bucket"]), ("BucketEncryption", inline.map { encryption(from: $0) })])
        case "aws_s3_bucket_server_side_encryption_configuration":
            guard let byDefault = block(block(tf, "rule"), "apply_server_side_encryption_by_default") else { return nil }
            let value = encryption(from: byDefault)
            return .attachment(target: tf["bucket"], targetType: "AWS::S3::Bucket") { setting("BucketEncryption", value, in: $0) }
        case "aws_s3_bucket_policy":
            return r("AWS::S3::BucketPolicy", [("Bucket", tf["bucket"]), ("PolicyDocument", tf["policy"])])
        case "aws_s3_bucket_public_access_block":
            let value = object(m, [("BlockPublicAcls", tf["block_public_acls"]), ("BlockPublicPolicy", tf["block_public_policy"]),
                                   ("IgnorePublicAcls", tf["ignore_public_acls"]), ("RestrictPublicBuckets", tf["restrict_public_buckets"])])
            return .attachment(target: tf["bucket"], targetType: "AWS::S3::Bucket") { setting("PublicAccessBlockConfiguration", value, in: $0) }
        case "aws_secretsmanager_secret":
            return r("AWS::SecretsManager::Secret", [("Name", tf["name"]), ("KmsKeyId", tf["kms_key_id"])])
        case "aws_secretsmanager_secret_rotation":
            let rules = block(tf, "rotation_rules")
            return r("AWS::SecretsManager::RotationSchedule", [("SecretId", tf["secret_id"]), ("RotationRules", rules.map { object($0.mark, [
                ("AutomaticallyAfterDays", $0["automatically_after_days"]), ("ScheduleExpression", $0["schedule_expression"]),
            ]) })])
        case "aws_cloudwatch_log_group":
            return r("AWS::Logs::LogGroup", [("LogGroupName", tf["name"]), ("RetentionInDays", tf["retention_in_days"]), ("KmsKeyId", tf["kms_key_id"])])
        case "aws_ebs_volume":
            return r("AWS::EC2::Volume", [("Encrypted", tf["encrypted"]), ("KmsKeyId", tf["kms_key_id"])])
        default:
            return nil
        }
    }

    static func encryption(from byDefault: YAMLNode) -> YAMLNode {
        AWSValue.bucketEncryption(algorithm: byDefault["sse_algorithm"], key: byDefault["kms_master_key_id"], at: byDefault.mark)
    }

    /// Applies attachments to their targets (found by reference, or by a literal name).
    static func resolve(_ resources: inout [AWSResource], attachments: [(scope: String, target: YAMLNode?, type: String, apply: @Sendable (YAMLNode) -> YAMLNode)]) {
        for attachment in attachments {
            guard let target = attachment.target else { continue }
            let index = resources.firstIndex { resource in
                resource.scope == attachment.scope && resource.type == attachment.type
                    && (AWSInventory.refers(target, to: resource)
                        || (target.referenceTarget == nil && target.awsString != nil
                            && resource.properties.pairs?.contains { ["RoleName", "BucketName", "RepositoryName"].contains($0.key) && $0.value.awsString == target.awsString } == true))
            }
            guard let index else { continue }
            resources[index].properties = attachment.apply(resources[index].properties)
        }
    }
}
