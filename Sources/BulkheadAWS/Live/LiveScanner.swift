import BulkheadCore
import Foundation

/// Reads a live AWS account into the normalized model with read-only calls: EKS clusters and node
/// groups (and their launch templates), the VPC (security groups, subnets, route tables, NACLs,
/// flow logs, endpoints), KMS, CloudTrail, GuardDuty, Config, ECR, S3, Secrets Manager,
/// CloudWatch Logs, IAM roles, policies and OIDC providers, and account settings. An API that
/// fails makes what it would have told "unknown" (or, for a whole service, "not assessed"):
/// never a pass, never the end of the scan.
public struct LiveScanner: Sendable {
    public struct Failure: Sendable {
        /// The normalized types the failed call would have produced.
        public var types: Set<String>
        public var reason: String
    }

    public struct Output: Sendable {
        public var resources: [AWSResource] = []
        public var failures: [Failure] = []
    }

    let client: AWSClient
    let scope: String
    let account: String
    let origin = "aws"

    public init(client: AWSClient, accountLabel: String) {
        self.client = client
        account = accountLabel
        scope = "aws://\(accountLabel)/\(client.region)"
    }

    static let mark = Mark(line: 0, column: 0)

    // MARK: building values

    static func s(_ text: String?) -> YAMLNode? { text.map { AWSValue.string($0, at: mark) } }
    static func b(_ value: Bool?) -> YAMLNode? { value.map { YAMLNode(.scalar(YAMLScalar(value: $0 ? "true" : "false", style: .plain)), mark: mark) } }
    static func i(_ value: Int?) -> YAMLNode? { value.map { YAMLNode(.scalar(YAMLScalar(value: String($0), style: .plain)), mark: mark) } }
    static func list(_ nodes: [YAMLNode]) -> YAMLNode { YAMLNode(.sequence(nodes), mark: mark) }
    static func ref(_ id: String) -> YAMLNode { AWSValue.reference(id, at: mark) }
    static func object(_ pairs: [(String, YAMLNode?)]) -> YAMLNode { AWSValue.object(mark, pairs) }

    func resource(_ type: String, _ id: String, _ pairs: [(String, YAMLNode?)]) -> AWSResource {
        var resource = AWSResource(type: type, id: id, properties: Self.object(pairs), file: "\(scope)/\(type)/\(id)", mark: Self.mark,
                                   origin: .live, scope: scope)
        resource.cloud = CloudLocation(account: account, region: client.region, type: type, id: id)
        return resource
    }

    /// A JSON boolean or string-boolean, from an API answer.
    static func bool(_ node: YAMLNode?) -> Bool? { node?.awsBool }
    static func string(_ node: YAMLNode?) -> String? { node?.isNull == false ? node?.awsString : nil }

    // MARK: the scan

    public func scan() async -> Output {
        var output = Output()
        let collectors: [(Set<String>, (inout Output) async throws -> Void)] = [
            (["AWS::EKS::Cluster", "AWS::EKS::Nodegroup", "AWS::EC2::LaunchTemplate"], eks),
            (["AWS::EC2::SecurityGroup", "AWS::EC2::Subnet", "AWS::EC2::RouteTable", "AWS::EC2::Route", "AWS::EC2::SubnetRouteTableAssociation",
              "AWS::EC2::VPC", "AWS::EC2::FlowLog", "AWS::EC2::VPCEndpoint", "AWS::EC2::NetworkAclEntry", "AWS::EC2::InternetGateway"], ec2),
            (["AWS::KMS::Key"], kms),
            (["AWS::CloudTrail::Trail"], cloudTrail),
            (["AWS::GuardDuty::Detector"], guardDuty),
            (["AWS::Config::ConfigurationRecorder", "AWS::Config::DeliveryChannel"], config),
            (["AWS::ECR::Repository", "AWS::ECR::RegistryScanningConfiguration"], ecr),
            (["AWS::S3::Bucket", "AWS::S3::BucketPolicy"], s3),
            (["AWS::SecretsManager::Secret", "AWS::SecretsManager::RotationSchedule"], secrets),
            (["AWS::Logs::LogGroup"], logs),
            (["AWS::IAM::Role", "AWS::IAM::ManagedPolicy", "AWS::IAM::OIDCProvider"], iam),
        ]
        for (types, collect) in collectors {
            do {
                try await collect(&output)
            } catch {
                output.failures.append(Failure(types: types, reason: "\(error)"))
            }
        }
        await account(&output)
        return output
    }

    // MARK: EKS

    func eks(_ output: inout Output) async throws {
        var names: [String] = []
        var token: String?
        repeat {
            let page = try await client.restJSON("eks", "ListClusters", path: "/clusters", query: token.map { [("nextToken", $0)] } ?? [])
            names += (page["clusters"]?.items ?? []).compactMap(\.awsString)
            token = Self.string(page["nextToken"])
        } while token != nil
        for name in names {
            let cluster = try await client.restJSON("eks", "DescribeCluster", path: "/clusters/\(SigV4.encode(name))")["cluster"]
            let vpc = cluster?["resourcesVpcConfig"]
            let enabledTypes = (cluster?["logging"]?["clusterLogging"]?.items ?? [])
                .filter { Self.bool($0["enabled"]) == true }
                .flatMap { $0["types"]?.items ?? [] }
                .map { Self.object([("Type", $0)]) }
            output.resources.append(resource("AWS::EKS::Cluster", name, [
                ("Name", Self.s(name)), ("Version", cluster?["version"]), ("RoleArn", cluster?["roleArn"]),
                ("DeletionProtection", cluster?["deletionProtection"]),
                ("ResourcesVpcConfig", Self.object([
                    ("SubnetIds", Self.list((vpc?["subnetIds"]?.items ?? []).compactMap(\.awsString).map(Self.ref))),
                    ("SecurityGroupIds", vpc?["securityGroupIds"]), ("VpcId", Self.string(vpc?["vpcId"]).map(Self.ref)),
                    ("EndpointPublicAccess", vpc?["endpointPublicAccess"]), ("EndpointPrivateAccess", vpc?["endpointPrivateAccess"]),
                    ("PublicAccessCidrs", vpc?["publicAccessCidrs"]),
                ])),
                ("EncryptionConfig", cluster?["encryptionConfig"].map { configs in
                    Self.list(configs.oneOrMany.map { Self.object([("Provider", Self.object([("KeyArn", $0["provider"]?["keyArn"])])), ("Resources", $0["resources"])]) })
                }),
                ("Logging", Self.object([("ClusterLogging", Self.object([("EnabledTypes", Self.list(enabledTypes))]))])),
                ("AccessConfig", cluster?["accessConfig"].map { Self.object([("AuthenticationMode", $0["authenticationMode"])]) }),
                ("OpenIdConnectIssuerUrl", cluster?["identity"]?["oidc"]?["issuer"]),
            ]))
            let groups = try await client.restJSON("eks", "ListNodegroups", path: "/clusters/\(SigV4.encode(name))/node-groups")
            for group in (groups["nodegroups"]?.items ?? []).compactMap(\.awsString) {
                let nodegroup = try await client.restJSON("eks", "DescribeNodegroup", path: "/clusters/\(SigV4.encode(name))/node-groups/\(SigV4.encode(group))")["nodegroup"]
                let template = nodegroup?["launchTemplate"]
                let templateID = Self.string(template?["id"])
                if let templateID {
                    output.resources.append(await launchTemplate(templateID, version: Self.string(template?["version"])))
                }
                output.resources.append(resource("AWS::EKS::Nodegroup", "\(name)/\(group)", [
                    ("ClusterName", Self.ref(name)), ("NodeRole", Self.string(nodegroup?["nodeRole"]).map(Self.ref)),
                    ("Subnets", Self.list((nodegroup?["subnets"]?.items ?? []).compactMap(\.awsString).map(Self.ref))),
                    ("RemoteAccess", nodegroup?["remoteAccess"].flatMap { access in
                        access.isNull ? nil : Self.object([("Ec2SshKey", access["ec2SshKey"]), ("SourceSecurityGroups", access["sourceSecurityGroups"])])
                    }),
                    ("LaunchTemplate", templateID.map { Self.object([("Id", Self.ref($0))]) }),
                ]))
            }
        }
    }

    func launchTemplate(_ id: String, version: String?) async -> AWSResource {
        do {
            let answer = try await client.query("ec2", "DescribeLaunchTemplateVersions", version: "2016-11-15",
                                                [("LaunchTemplateId", id), ("LaunchTemplateVersion.1", version ?? "$Default")])
            let data = XMLTree.items(answer["launchTemplateVersionSet"], "item").first?["launchTemplateData"]
            let metadata = data?["metadataOptions"]
            return resource("AWS::EC2::LaunchTemplate", id, [("LaunchTemplateData", Self.object([
                ("MetadataOptions", metadata.map { Self.object([("HttpTokens", $0["httpTokens"]), ("HttpPutResponseHopLimit", $0["httpPutResponseHopLimit"])]) }),
                ("BlockDeviceMappings", Self.list(XMLTree.items(data?["blockDeviceMappingSet"], "item").map { mapping in
                    Self.object([("DeviceName", mapping["deviceName"]), ("Ebs", mapping["ebs"].map { Self.object([("Encrypted", $0["encrypted"])]) })])
                })),
            ]))])
        } catch {
            return resource("AWS::EC2::LaunchTemplate", id, [("LaunchTemplateData", AWSValue.unknown("\(error)", at: Self.mark))])
        }
    }

    // MARK: EC2 / VPC

    func ec2(_ output: inout Output) async throws {
        let version = "2016-11-15"
        func all(_ action: String, _ set: String) async throws -> [YAMLNode] {
            var items: [YAMLNode] = []
            var token: String?
            repeat {
                let page = try await client.query("ec2", action, version: version, token.map { [("NextToken", $0)] } ?? [])
                items += XMLTree.items(page[set], "item")
                token = Self.string(page["nextToken"]).flatMap { $0.isEmpty ? nil : $0 }
            } while token != nil
            return items
        }
        let vpcs = try await all("DescribeVpcs", "vpcSet")
        for vpc in vpcs {
            guard let id = Self.string(vpc["vpcId"]) else { continue }
            output.resources.append(resource("AWS::EC2::VPC", id, [("CidrBlock", vpc["cidrBlock"]), ("IsDefault", vpc["isDefault"])]))
        }
        for gateway in try await all("DescribeInternetGateways", "internetGatewaySet") {
            if let id = Self.string(gateway["internetGatewayId"]) { output.resources.append(resource("AWS::EC2::InternetGateway", id, [])) }
        }
        var explicitlyAssociated: Set<String> = []
        var mainTables: [String: String] = [:]
        for table in try await all("DescribeRouteTables", "routeTableSet") {
            guard let id = Self.string(table["routeTableId"]) else { continue }
            output.resources.append(resource("AWS::EC2::RouteTable", id, [("VpcId", Self.string(table["vpcId"]).map(Self.ref))]))
            for (index, route) in XMLTree.items(table["routeSet"], "item").enumerated() {
                output.resources.append(resource("AWS::EC2::Route", "\(id)/route[\(index)]", [
                    ("RouteTableId", Self.ref(id)), ("DestinationCidrBlock", route["destinationCidrBlock"]),
                    ("GatewayId", Self.string(route["gatewayId"]).map { $0.hasPrefix("igw-") ? Self.ref($0) : AWSValue.string($0, at: Self.mark) }),
                    ("NatGatewayId", route["natGatewayId"]),
                ]))
            }
            for association in XMLTree.items(table["associationSet"], "item") {
                if Self.bool(association["main"]) == true, let vpc = Self.string(table["vpcId"]) { mainTables[vpc] = id }
                guard let subnet = Self.string(association["subnetId"]) else { continue }
                explicitlyAssociated.insert(subnet)
                output.resources.append(resource("AWS::EC2::SubnetRouteTableAssociation", "\(id)/\(subnet)", [("SubnetId", Self.ref(subnet)), ("RouteTableId", Self.ref(id))]))
            }
        }
        for subnet in try await all("DescribeSubnets", "subnetSet") {
            guard let id = Self.string(subnet["subnetId"]) else { continue }
            let vpc = Self.string(subnet["vpcId"])
            output.resources.append(resource("AWS::EC2::Subnet", id, [
                ("VpcId", vpc.map(Self.ref)), ("CidrBlock", subnet["cidrBlock"]), ("MapPublicIpOnLaunch", subnet["mapPublicIpOnLaunch"]),
            ]))
            // A subnet without its own route table uses the VPC's main one.
            if !explicitlyAssociated.contains(id), let vpc, let main = mainTables[vpc] {
                output.resources.append(resource("AWS::EC2::SubnetRouteTableAssociation", "\(main)/\(id)", [("SubnetId", Self.ref(id)), ("RouteTableId", Self.ref(main))]))
            }
        }
        for group in try await all("DescribeSecurityGroups", "securityGroupInfo") {
            guard let id = Self.string(group["groupId"]) else { continue }
            var rules: [YAMLNode] = []
            for permission in XMLTree.items(group["ipPermissions"], "item") {
                let common: [(String, YAMLNode?)] = [("IpProtocol", permission["ipProtocol"]), ("FromPort", permission["fromPort"]), ("ToPort", permission["toPort"])]
                for range in XMLTree.items(permission["ipRanges"], "item") { rules.append(Self.object(common + [("CidrIp", range["cidrIp"])])) }
                for range in XMLTree.items(permission["ipv6Ranges"], "item") { rules.append(Self.object(common + [("CidrIpv6", range["cidrIpv6"])])) }
            }
            output.resources.append(resource("AWS::EC2::SecurityGroup", id, [
                ("GroupName", group["groupName"]), ("VpcId", Self.string(group["vpcId"]).map(Self.ref)), ("SecurityGroupIngress", Self.list(rules)),
            ]))
        }
        for acl in try await all("DescribeNetworkAcls", "networkAclSet") {
            guard let id = Self.string(acl["networkAclId"]) else { continue }
            for entry in XMLTree.items(acl["entrySet"], "item") {
                let number = Self.string(entry["ruleNumber"]) ?? "?"
                let egress = Self.bool(entry["egress"]) == true
                output.resources.append(resource("AWS::EC2::NetworkAclEntry", "\(id)/\(egress ? "egress" : "ingress")/\(number)", [
                    ("NetworkAclId", Self.ref(id)), ("RuleNumber", entry["ruleNumber"]), ("Protocol", entry["protocol"]),
                    ("RuleAction", entry["ruleAction"]), ("Egress", entry["egress"]), ("CidrBlock", entry["cidrBlock"]),
                    ("Ipv6CidrBlock", entry["ipv6CidrBlock"]),
                    ("PortRange", entry["portRange"].map { Self.object([("From", $0["from"]), ("To", $0["to"])]) }),
                ]))
            }
        }
        for flow in try await all("DescribeFlowLogs", "flowLogSet") {
            guard let id = Self.string(flow["flowLogId"]), let target = Self.string(flow["resourceId"]) else { continue }
            output.resources.append(resource("AWS::EC2::FlowLog", id, [("ResourceId", Self.ref(target)), ("TrafficType", flow["trafficType"])]))
        }
        for endpoint in try await all("DescribeVpcEndpoints", "vpcEndpointSet") {
            guard let id = Self.string(endpoint["vpcEndpointId"]) else { continue }
            output.resources.append(resource("AWS::EC2::VPCEndpoint", id, [
                ("VpcId", Self.string(endpoint["vpcId"]).map(Self.ref)), ("ServiceName", endpoint["serviceName"]),
            ]))
        }
    }

    // MARK: KMS, CloudTrail, GuardDuty, Config

    func kms(_ output: inout Output) async throws {
        let target = "TrentService"
        var awsManaged: Set<String> = []
        let aliases = try await client.json("kms", target: target, "ListAliases", ["Limit": 1000])
        for alias in aliases["Aliases"]?.items ?? [] where Self.string(alias["AliasName"])?.hasPrefix("alias/aws/") == true {
            if let key = Self.string(alias["TargetKeyId"]) { awsManaged.insert(key) }
        }
        var marker: String?
        repeat {
            var payload: [String: Any] = ["Limit": 1000]
            if let marker { payload["Marker"] = marker }
            let page = try await client.json("kms", target: target, "ListKeys", payload)
            for key in page["Keys"]?.items ?? [] {
                guard let id = Self.string(key["KeyId"]), !awsManaged.contains(id) else { continue }
                let metadata = try await client.json("kms", target: target, "DescribeKey", ["KeyId": id])["KeyMetadata"]
                guard Self.string(metadata?["KeyManager"]) != "AWS", Self.string(metadata?["KeyState"]) != "PendingDeletion" else { continue }
                let spec = Self.string(metadata?["KeySpec"]) ?? Self.string(metadata?["CustomerMasterKeySpec"])
                var rotation: YAMLNode?
                if spec == nil || spec == "SYMMETRIC_DEFAULT" {
                    do {
                        rotation = try await client.json("kms", target: target, "GetKeyRotationStatus", ["KeyId": id])["KeyRotationEnabled"]
                    } catch { rotation = AWSValue.unknown("\(error)", at: Self.mark) }
                }
                var policy: YAMLNode?
                do {
                    policy = try await client.json("kms", target: target, "GetKeyPolicy", ["KeyId": id, "PolicyName": "default"])["Policy"]
                } catch { policy = AWSValue.unknown("\(error)", at: Self.mark) }
                output.resources.append(resource("AWS::KMS::Key", Self.string(key["KeyArn"]) ?? id, [
                    ("KeySpec", Self.s(spec)), ("EnableKeyRotation", rotation), ("KeyPolicy", policy),
                ]))
            }
            marker = Self.bool(page["Truncated"]) == true ? Self.string(page["NextMarker"]) : nil
        } while marker != nil
    }

    func cloudTrail(_ output: inout Output) async throws {
        let target = "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101"
        let trails = try await client.json("cloudtrail", target: target, "DescribeTrails", ["includeShadowTrails": false])
        for trail in trails["trailList"]?.items ?? [] {
            guard let name = Self.string(trail["Name"]) else { continue }
            var logging: YAMLNode?
            do {
                logging = try await client.json("cloudtrail", target: target, "GetTrailStatus", ["Name": Self.string(trail["TrailARN"]) ?? name])["IsLogging"]
            } catch { logging = AWSValue.unknown("\(error)", at: Self.mark) }
            output.resources.append(resource("AWS::CloudTrail::Trail", Self.string(trail["TrailARN"]) ?? name, [
                ("IsLogging", logging), ("IsMultiRegionTrail", trail["IsMultiRegionTrail"]),
                ("EnableLogFileValidation", trail["LogFileValidationEnabled"]), ("KMSKeyId", trail["KmsKeyId"]),
                ("CloudWatchLogsLogGroupArn", trail["CloudWatchLogsLogGroupArn"]),
            ]))
        }
    }

    func guardDuty(_ output: inout Output) async throws {
        let detectors = try await client.restJSON("guardduty", "ListDetectors", path: "/detector")
        for id in (detectors["detectorIds"]?.items ?? []).compactMap(\.awsString) {
            let detector = try await client.restJSON("guardduty", "GetDetector", path: "/detector/\(id)")
            let features = (detector["features"]?.items ?? []).map { Self.object([("Name", $0["name"]), ("Status", $0["status"])]) }
            let audit = Self.string(detector["dataSources"]?["kubernetes"]?["auditLogs"]?["status"])
            output.resources.append(resource("AWS::GuardDuty::Detector", id, [
                ("Enable", Self.b(Self.string(detector["status"]) == "ENABLED")), ("Features", Self.list(features)),
                ("DataSources", audit.map { Self.object([("Kubernetes", Self.object([("AuditLogs", Self.object([("Enable", Self.b($0 == "ENABLED"))]))]))]) }),
            ]))
        }
    }

    func config(_ output: inout Output) async throws {
        let target = "StarlingDoveService"
        let recorders = try await client.json("config", target: target, "DescribeConfigurationRecorders")
        var recording: [String: YAMLNode] = [:]
        if let statuses = try? await client.json("config", target: target, "DescribeConfigurationRecorderStatus") {
            for status in statuses["ConfigurationRecordersStatus"]?.items ?? [] {
                if let name = Self.string(status["name"]), let value = status["recording"] { recording[name] = value }
            }
        }
        for recorder in recorders["ConfigurationRecorders"]?.items ?? [] {
            guard let name = Self.string(recorder["name"]) else { continue }
            let group = recorder["recordingGroup"]
            output.resources.append(resource("AWS::Config::ConfigurationRecorder", name, [
                ("RecordingGroup", group.map { Self.object([("AllSupported", $0["allSupported"]), ("IncludeGlobalResourceTypes", $0["includeGlobalResourceTypes"])]) }),
                ("Recording", recording[name] ?? AWSValue.unknown("DescribeConfigurationRecorderStatus did not answer", at: Self.mark)),
            ]))
        }
        let channels = try await client.json("config", target: target, "DescribeDeliveryChannels")
        for channel in channels["DeliveryChannels"]?.items ?? [] {
            if let name = Self.string(channel["name"]) {
                output.resources.append(resource("AWS::Config::DeliveryChannel", name, [("S3BucketName", channel["s3BucketName"])]))
            }
        }
    }

    // MARK: ECR, S3, Secrets Manager, Logs

    func ecr(_ output: inout Output) async throws {
        let target = "AmazonEC2ContainerRegistry_V20150921"
        if let registry = try? await client.json("ecr", target: target, "GetRegistryScanningConfiguration") {
            output.resources.append(resource("AWS::ECR::RegistryScanningConfiguration", "registry", [("ScanType", registry["scanningConfiguration"]?["scanType"])]))
        }
        var token: String?
        repeat {
            var payload: [String: Any] = [:]
            if let token { payload["nextToken"] = token }
            let page = try await client.json("ecr", target: target, "DescribeRepositories", payload)
            for repository in page["repositories"]?.items ?? [] {
                guard let name = Self.string(repository["repositoryName"]) else { continue }
                var policy: YAMLNode?
                do {
                    policy = try await client.json("ecr", target: target, "GetRepositoryPolicy", ["repositoryName": name])["policyText"]
                } catch let error as AWSAPIError where error.code == "RepositoryPolicyNotFoundException" {
                    policy = nil
                } catch { policy = AWSValue.unknown("\(error)", at: Self.mark) }
                let encryption = repository["encryptionConfiguration"]
                output.resources.append(resource("AWS::ECR::Repository", name, [
                    ("RepositoryName", Self.s(name)), ("ImageTagMutability", repository["imageTagMutability"]),
                    ("ImageScanningConfiguration", repository["imageScanningConfiguration"].map { Self.object([("ScanOnPush", $0["scanOnPush"])]) }),
                    ("EncryptionConfiguration", encryption.map { Self.object([("EncryptionType", $0["encryptionType"]), ("KmsKey", $0["kmsKey"])]) }),
                    ("RepositoryPolicyText", policy),
                ]))
            }
            token = Self.string(page["nextToken"])
        } while token != nil
    }

    func s3(_ output: inout Output) async throws {
        guard let list = try await client.restXML("s3", "ListBuckets", path: "/") else { return }
        for bucket in (list["Buckets"]?["Bucket"]?.oneOrMany ?? []) {
            guard let name = Self.string(bucket["Name"]) else { continue }
            let path = "/\(SigV4.encode(name))"
            var encryption: YAMLNode?
            do {
                let answer = try await client.restXML("s3", "GetBucketEncryption", path: path, query: [("encryption", "")])
                let byDefault = answer?["Rule"]?.oneOrMany.first?["ApplyServerSideEncryptionByDefault"]
                encryption = AWSValue.bucketEncryption(algorithm: byDefault?["SSEAlgorithm"], key: byDefault?["KMSMasterKeyID"], at: Self.mark)
            } catch let error as AWSAPIError where error.code == "ServerSideEncryptionConfigurationNotFoundError" {
                encryption = nil // AWS's default: SSE-S3
            } catch { encryption = AWSValue.unknown("\(error)", at: Self.mark) }
            var block: YAMLNode?
            do {
                let answer = try await client.restXML("s3", "GetPublicAccessBlock", path: path, query: [("publicAccessBlock", "")])
                block = answer.map { configuration in Self.object(DataChecks.publicAccessBlockFlags.map { flag in (flag, configuration[flag]) }) }
            } catch let error as AWSAPIError where error.code == "NoSuchPublicAccessBlockConfiguration" {
                block = nil
            } catch { block = AWSValue.unknown("\(error)", at: Self.mark) }
            output.resources.append(resource("AWS::S3::Bucket", name, [
                ("BucketName", Self.s(name)), ("BucketEncryption", encryption), ("PublicAccessBlockConfiguration", block),
            ]))
            do {
                let response = try await client.send(service: "s3", action: "GetBucketPolicy", method: "GET", path: path, query: [("policy", "")], contentHash: true)
                output.resources.append(resource("AWS::S3::BucketPolicy", "\(name)/policy", [
                    ("Bucket", Self.ref(name)), ("PolicyDocument", Self.s(String(decoding: response.body, as: UTF8.self))),
                ]))
            } catch let error as AWSAPIError where error.code == "NoSuchBucketPolicy" {
            } catch {
                output.resources.append(resource("AWS::S3::BucketPolicy", "\(name)/policy", [("Bucket", Self.ref(name)), ("PolicyDocument", AWSValue.unknown("\(error)", at: Self.mark))]))
            }
        }
    }

    func secrets(_ output: inout Output) async throws {
        var token: String?
        repeat {
            var payload: [String: Any] = ["MaxResults": 100]
            if let token { payload["NextToken"] = token }
            let page = try await client.json("secretsmanager", target: "secretsmanager", "ListSecrets", payload)
            for secret in page["SecretList"]?.items ?? [] {
                guard let arn = Self.string(secret["ARN"]) ?? Self.string(secret["Name"]) else { continue }
                output.resources.append(resource("AWS::SecretsManager::Secret", arn, [("Name", secret["Name"]), ("KmsKeyId", secret["KmsKeyId"])]))
                if Self.bool(secret["RotationEnabled"]) == true {
                    output.resources.append(resource("AWS::SecretsManager::RotationSchedule", "\(arn)/rotation", [
                        ("SecretId", Self.ref(arn)),
                        ("RotationRules", secret["RotationRules"].map { Self.object([("AutomaticallyAfterDays", $0["AutomaticallyAfterDays"]), ("ScheduleExpression", $0["ScheduleExpression"])]) }),
                    ]))
                }
            }
            token = Self.string(page["NextToken"])
        } while token != nil
    }

    func logs(_ output: inout Output) async throws {
        var token: String?
        repeat {
            var payload: [String: Any] = [:]
            if let token { payload["nextToken"] = token }
            let page = try await client.json("logs", target: "Logs_20140328", "DescribeLogGroups", payload)
            for group in page["logGroups"]?.items ?? [] {
                guard let name = Self.string(group["logGroupName"]) else { continue }
                output.resources.append(resource("AWS::Logs::LogGroup", name, [
                    ("LogGroupName", Self.s(name)), ("RetentionInDays", group["retentionInDays"]), ("KmsKeyId", group["kmsKeyId"]),
                ]))
            }
            token = Self.string(page["nextToken"])
        } while token != nil
    }

    // MARK: IAM

    static func policyDocument(_ node: YAMLNode?) -> YAMLNode? {
        guard let text = string(node) else { return nil }
        return s(text.removingPercentEncoding ?? text)
    }

    func iamPages(_ action: String, _ list: String, _ parameters: [(String, String)] = []) async throws -> [YAMLNode] {
        var items: [YAMLNode] = []
        var marker: String?
        repeat {
            let page = try await client.query("iam", action, version: "2010-05-08", parameters + (marker.map { [("Marker", $0)] } ?? []))
            items += XMLTree.items(page[list])
            marker = Self.bool(page["IsTruncated"]) == true ? Self.string(page["Marker"]) : nil
        } while marker != nil
        return items
    }

    func iam(_ output: inout Output) async throws {
        var local: Set<String> = []
        for policy in try await iamPages("ListPolicies", "Policies", [("Scope", "Local")]) {
            guard let arn = Self.string(policy["Arn"]), let version = Self.string(policy["DefaultVersionId"]) else { continue }
            var document: YAMLNode?
            do {
                document = Self.policyDocument(try await client.query("iam", "GetPolicyVersion", version: "2010-05-08",
                                                                       [("PolicyArn", arn), ("VersionId", version)])["PolicyVersion"]?["Document"])
            } catch { document = AWSValue.unknown("\(error)", at: Self.mark) }
            local.insert(arn)
            output.resources.append(resource("AWS::IAM::ManagedPolicy", arn, [("ManagedPolicyName", policy["PolicyName"]), ("PolicyDocument", document)]))
        }
        for role in try await iamPages("ListRoles", "Roles") {
            guard let name = Self.string(role["RoleName"]), let arn = Self.string(role["Arn"]) else { continue }
            if Self.string(role["Path"])?.hasPrefix("/aws-service-role/") == true { continue } // managed by AWS
            let attached = try await iamPages("ListAttachedRolePolicies", "AttachedPolicies", [("RoleName", name)])
                .compactMap { Self.string($0["PolicyArn"]) }
                .map { local.contains($0) ? Self.ref($0) : AWSValue.string($0, at: Self.mark) }
            var inline: [YAMLNode] = []
            for policyName in try await iamPages("ListRolePolicies", "PolicyNames", [("RoleName", name)]).compactMap(\.awsString) {
                let policy = try await client.query("iam", "GetRolePolicy", version: "2010-05-08", [("RoleName", name), ("PolicyName", policyName)])
                inline.append(Self.object([("PolicyName", Self.s(policyName)), ("PolicyDocument", Self.policyDocument(policy["PolicyDocument"]))]))
            }
            output.resources.append(resource("AWS::IAM::Role", arn, [
                ("RoleName", Self.s(name)), ("AssumeRolePolicyDocument", Self.policyDocument(role["AssumeRolePolicyDocument"])),
                ("ManagedPolicyArns", Self.list(attached)), ("Policies", Self.list(inline)),
            ]))
        }
        let clusterIssuers = Dictionary(output.resources.filter { $0.type == "AWS::EKS::Cluster" }
            .compactMap { cluster in cluster.string("OpenIdConnectIssuerUrl").value.map { ($0.replacingOccurrences(of: "https://", with: ""), cluster.id) } },
            uniquingKeysWith: { first, _ in first })
        let providers = try await client.query("iam", "ListOpenIDConnectProviders", version: "2010-05-08")
        for provider in XMLTree.items(providers["OpenIDConnectProviderList"]) {
            guard let arn = Self.string(provider["Arn"]) else { continue }
            let url = arn.components(separatedBy: ":oidc-provider/").last ?? ""
            output.resources.append(resource("AWS::IAM::OIDCProvider", arn, [
                ("Url", clusterIssuers[url].map { Self.ref("\($0).OpenIdConnectIssuerUrl") } ?? Self.s(url)),
            ]))
        }
    }

    // MARK: account

    /// Account-wide settings, as one `AWS::Account` resource: whether there is any trail,
    /// detector and recorder at all, EBS encryption by default, the password policy.
    func account(_ output: inout Output) async {
        func count(_ type: String) -> YAMLNode? {
            // A service that could not be read leaves the count unknown.
            if output.failures.contains(where: { $0.types.contains(type) }) { return AWSValue.unknown("\(type) could not be listed", at: Self.mark) }
            return Self.i(output.resources.count { $0.type == type })
        }
        var ebs: YAMLNode?
        do {
            ebs = try await client.query("ec2", "GetEbsEncryptionByDefault", version: "2016-11-15")["ebsEncryptionByDefault"]
        } catch { ebs = AWSValue.unknown("\(error)", at: Self.mark) }
        var passwordPolicy: YAMLNode?
        do {
            passwordPolicy = Self.b(try await client.query("iam", "GetAccountPasswordPolicy", version: "2010-05-08")["PasswordPolicy"] != nil)
        } catch let error as AWSAPIError where error.code == "NoSuchEntity" {
            passwordPolicy = Self.b(false)
        } catch { passwordPolicy = AWSValue.unknown("\(error)", at: Self.mark) }
        output.resources.append(resource("AWS::Account", scope, [
            ("Trails", count("AWS::CloudTrail::Trail")), ("GuardDutyDetectors", count("AWS::GuardDuty::Detector")),
            ("ConfigRecorders", count("AWS::Config::ConfigurationRecorder")), ("EbsEncryptionByDefault", ebs),
            ("PasswordPolicy", passwordPolicy), ("Clusters", count("AWS::EKS::Cluster")),
        ]))
    }
}
