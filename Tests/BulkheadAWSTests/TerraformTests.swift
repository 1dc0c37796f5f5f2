import BulkheadAWS
import BulkheadCore
import Foundation
import Testing

@Suite("Terraform")
struct TerraformTests {
    static var fixtures: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/terraform") }

    func scan(_ path: String) -> ScanResult {
        Scanner(registry: AWSChecks.registry).scan(InputDiscovery.discover([Self.fixtures.appendingPathComponent(path).path], extensions: AWSChecks.registry.fileExtensions).inputs)
    }

    func module(_ text: String, _ name: String = "main.tf") -> TerraformReader.Output {
        TerraformReader.readModule(directory: "/nonexistent", files: [(name, text)])
    }

    /// Every weakness of the weak stack is found, on the resource that carries it.
    @Test func findsEveryWeaknessOfTheWeakStack() {
        let result = scan("weak")
        #expect(result.errors.isEmpty, "\(result.errors)")
        let expected: [String: String] = [
            "eksPublicEndpoint": "aws_eks_cluster.legacy", "eksPrivateEndpointDisabled": "aws_eks_cluster.legacy",
            "eksSecretsEncryption": "aws_eks_cluster.legacy", "eksControlPlaneLogging": "aws_eks_cluster.legacy",
            "eksUnsupportedVersion": "aws_eks_cluster.legacy", "eksOIDCProviderMissing": "aws_eks_cluster.legacy",
            "iamRoleTrustsEveryone": "aws_iam_role.cluster", "iamAdminManagedPolicy": "aws_iam_role_policy_attachment.nodes_admin",
            "nodeRoleAdmin": "aws_eks_node_group.legacy", "nodegroupSSHFromInternet": "aws_eks_node_group.legacy",
            "nodegroupIMDSv2": "aws_eks_node_group.legacy", "nodegroupPublicSubnet": "aws_eks_node_group.legacy",
            "subnetAssignsPublicIP": "aws_subnet.public", "securityGroupAdminPortsOpen": "aws_security_group.nodes",
            "kmsKeyRotationDisabled": "aws_kms_key.data", "kmsKeyPolicyPublic": "aws_kms_key.data",
            "ecrMutableTags": "aws_ecr_repository.app", "ecrScanOnPushDisabled": "aws_ecr_repository.app",
            "ecrRepositoryPublic": "aws_ecr_repository_policy.app", "s3PublicAccessNotBlocked": "aws_s3_bucket.artifacts",
            "cloudtrailLoggingOff": "aws_cloudtrail.trail", "cloudtrailNotMultiRegion": "aws_cloudtrail.trail",
            "guarddutyEKSProtectionOff": "aws_guardduty_detector.main", "secretNotCMKEncrypted": "aws_secretsmanager_secret.db",
            "secretRotationDisabled": "aws_secretsmanager_secret.db", "logGroupShortRetention": "aws_cloudwatch_log_group.app",
            "launchTemplateIMDSv1": "aws_launch_template.nodes", "launchTemplateEBSUnencrypted": "aws_launch_template.nodes",
            "vpcFlowLogsDisabled": "aws_vpc.legacy", "vpcEndpointsMissing": "aws_vpc.legacy",
        ]
        for (check, resource) in expected {
            #expect(result.findings.contains { $0.checkID == check && $0.resource.name == resource }, "\(check) on \(resource)")
        }
        // The dynamic block expanded to two rules (22 and 3389), each pointing into main.tf.
        let ports = result.findings.filter { $0.checkID == "securityGroupAdminPortsOpen" }
        #expect(ports.count == 2 && ports.allSatisfy { $0.location.file.hasSuffix("weak/main.tf") && $0.location.line > 0 })
        // The remote module is reported as not evaluated, without failing the scan.
        #expect(result.diagnostics.contains { $0.level == .warning && $0.message.contains("terraform-aws-modules/vpc/aws") })
    }

    @Test func hardenedStackHasNoFindingAndNothingUnassessed() {
        let result = scan("hardened")
        #expect(result.errors.isEmpty, "\(result.errors)")
        #expect(result.findings.isEmpty, "\(result.findings.map { "\($0.checkID) \($0.resource.name): \($0.message)" })")
        #expect(result.stats.templateResources >= 25, "for_each endpoints expanded, attachments folded")
    }

    @Test func readsPlans() {
        let result = scan("plan/plan.json")
        #expect(result.errors.isEmpty)
        #expect(result.findings.contains { $0.checkID == "kmsKeyRotationDisabled" && $0.resource.name == "aws_kms_key.eks" })
        #expect(result.findings.contains { $0.checkID == "eksPublicEndpoint" && $0.resource.name == "aws_eks_cluster.prod" })
        // key_arn is known only after apply: a key is configured, so not a finding.
        #expect(!result.findings.contains { $0.checkID == "eksSecretsEncryption" })
        // Resources of child modules are read; the data source is not a resource.
        #expect(!result.findings.contains { $0.resource.name.hasPrefix("module.registry") })
        #expect(result.stats.templateResources == 3)
    }

    @Test func evaluatesVariablesLocalsFunctionsAndCount() throws {
        let output = module("""
            variable "env" { default = "prod" }
            variable "create" { default = false }
            variable "unset" {}
            locals {
              tags    = merge({ team = "platform" }, { env = var.env })
              days    = var.env == "prod" ? 400 : 7
              kms     = format("arn:aws:kms:%s:%s:key/%s", "eu-west-1", "111111111111", lower("ABC"))
              types   = [for t in ["api", "audit"] : upper(t) if t != "audit"]
              joined  = join(",", concat(["a"], ["b", "c"]))
              byName  = {for t in ["api", "x"] : t => upper(t) if t != "x"}
            }
            resource "aws_secretsmanager_secret" "s" {
              name = local.byName["api"]
              kms_key_id = try(local.byName["x"], "fallback")
            }
            resource "aws_cloudwatch_log_group" "logs" {
              name              = "/${var.env}/logs"
              retention_in_days = local.days
              kms_key_id        = local.kms
              tags              = local.tags
            }
            resource "aws_kms_key" "never" {
              count = var.create ? 1 : 0
            }
            resource "aws_kms_key" "maybe" {
              enable_key_rotation = var.unset
              description = local.joined
            }
            resource "aws_eks_cluster" "c" {
              name = "c"
              role_arn = "r"
              enabled_cluster_log_types = local.types
              vpc_config {
                subnet_ids = ["s"]
              }
            }
            """)
        #expect(output.diagnostics.isEmpty, "\(output.diagnostics)")
        let byID = Dictionary(uniqueKeysWithValues: output.resources.map { ($0.id, $0) })
        #expect(byID["aws_kms_key.never"] == nil, "count = 0: not created")
        let logs = try #require(byID["aws_cloudwatch_log_group.logs"])
        #expect(logs.type == "AWS::Logs::LogGroup")
        #expect(logs.string("LogGroupName").value == "/prod/logs")
        #expect(logs.int("RetentionInDays").value == 400)
        #expect(logs.string("KmsKeyId").value == "arn:aws:kms:eu-west-1:111111111111:key/abc")
        let maybe = try #require(byID["aws_kms_key.maybe"])
        if case .unknown(let reason, _) = maybe.bool("EnableKeyRotation") { #expect(reason.contains("unset")) } else { Issue.record("unset variable is unknown") }
        #expect(byID["aws_secretsmanager_secret.s"]?.string("Name").value == "API")
        #expect(byID["aws_secretsmanager_secret.s"]?.string("KmsKeyId").value == "fallback", "try() falls back past an unknown")
        let cluster = try #require(byID["aws_eks_cluster.c"])
        #expect(cluster.node("Logging.ClusterLogging.EnabledTypes")?.items?.compactMap { $0["Type"]?.awsString } == ["API"])
        #expect(cluster.node("ResourcesVpcConfig.SubnetIds")?.items?.count == 1)
    }

    @Test func reportsSyntaxErrorsWithTheirPlaceAndReadsTheOtherFiles() {
        let output = TerraformReader.readModule(directory: "/nonexistent", files: [
            ("broken.tf", "resource \"aws_kms_key\" \"a\" {\n  enable_key_rotation = \n}\n"),
            ("good.tf", "resource \"aws_kms_key\" \"b\" {\n  enable_key_rotation = true\n}\n"),
        ])
        let problem = output.diagnostics.first
        #expect(problem?.file == "broken.tf" && problem?.line == 2 && problem?.column == 25 && problem?.level == .error)
        #expect(problem?.message.contains("expected a value") == true)
        #expect(output.resources.map(\.id) == ["aws_kms_key.b"])
    }

    @Test(arguments: [
        ("heredoc", "resource \"aws_iam_policy\" \"p\" {\n  policy = <<-EOT\n    {\"Statement\": [{\"Effect\": \"Allow\", \"Action\": \"*\", \"Resource\": \"*\"}]}\n  EOT\n}\n"),
        ("jsonencode", "resource \"aws_iam_policy\" \"p\" {\n  policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Action = \"*\", Resource = \"*\" }]\n  })\n}\n"),
        ("policy document", "data \"aws_iam_policy_document\" \"d\" {\n  statement {\n    actions = [\"*\"]\n    resources = [\"*\"]\n  }\n}\nresource \"aws_iam_policy\" \"p\" {\n  policy = data.aws_iam_policy_document.d.json\n}\n"),
        ("file()", "resource \"aws_iam_policy\" \"p\" {\n  policy = file(\"${path.module}/admin.json\")\n}\n"),
    ])
    func readsPolicyDocumentsWrittenEveryWay(_ form: String, _ text: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-tf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try #"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#.write(to: directory.appendingPathComponent("admin.json"), atomically: true, encoding: .utf8)
        try text.write(to: directory.appendingPathComponent("main.tf"), atomically: true, encoding: .utf8)
        let result = Scanner(registry: AWSChecks.registry).scan(InputDiscovery.discover([directory.path], extensions: AWSChecks.registry.fileExtensions).inputs)
        #expect(result.errors.isEmpty, "\(form): \(result.errors)")
        #expect(result.findings.contains { $0.checkID == "iamAdminPolicy" && $0.resource.name == "aws_iam_policy.p" }, "\(form)")
    }

    @Test func toleratesCyclicLocalsAndUnknownResourceTypes() throws {
        let output = module("""
            locals {
              a = local.b
              b = local.a
            }
            resource "aws_kms_key" "k" {
              enable_key_rotation = local.a
            }
            resource "google_storage_bucket" "other_cloud" {
              name = "x"
            }
            resource "aws_brand_new_service" "future" {
              setting = aws_kms_key.k.arn
            }
            """)
        #expect(output.diagnostics.isEmpty)
        #expect(output.resources.map(\.id) == ["aws_kms_key.k"], "types without a mapping are not modelled")
        if case .unknown = output.resources.first?.bool("EnableKeyRotation") {} else { Issue.record("a cyclic local is unknown") }
    }
}
