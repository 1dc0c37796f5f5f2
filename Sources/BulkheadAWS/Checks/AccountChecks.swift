import BulkheadCore

/// Account-wide settings. The live scan describes the account as one `AWS::Account` resource
/// (there is no such CloudFormation type: it is the normalized model's), so these checks judge
/// live accounts; their examples spell that resource as a template would.
enum AccountChecks {
    static let account = "AWS::Account"

    /// Points at the count (the live account's resource has no position: its location is the account).
    static func count(_ resource: AWSResource, _ path: String, missing message: String) -> [AWSVerdict] {
        switch resource.int(path) {
        case .value(0, let mark): return [.fail(message, at: mark, path)]
        case .unknown(let reason, let mark): return [.unknown("\(path): \(reason)", at: mark, path)]
        default: return []
        }
    }

    static let noTrail = AWSCheck(CheckDescriptor(
        id: "accountNoCloudTrail", title: "No CloudTrail trail in the account", severity: .high, category: "aws/account",
        description: "Without a trail, API activity (EKS access, IAM changes, ECR pulls) is kept only 90 days in the event history and cannot be alarmed on or investigated later.",
        remediation: "Create a multi-region trail with log file validation, KMS encryption and CloudWatch Logs delivery (or rely on an organization trail).",
        controls: ["IAAS-MON-CLOUDTRAIL", "CHECKLIST-INFRA-5"], frameworks: pci("10.2.1") + soc2("CC7.2"),
        examples: [
            CheckExample(.violation, CFN.template(account, "Trails: 0\n"), at: ["Trails"]),
            CheckExample(.compliant, CFN.template(account, "Trails: 1\n")),
        ]), types: [account]) { resource, _ in
        count(resource, "Trails", missing: "the account has no CloudTrail trail in this region")
    }

    static let noGuardDuty = AWSCheck(CheckDescriptor(
        id: "accountNoGuardDuty", title: "GuardDuty not enabled in the account", severity: .high, category: "aws/account",
        description: "Without a GuardDuty detector there is no threat detection for the account or its EKS clusters (audit-log and runtime findings).",
        remediation: "Enable GuardDuty with EKS audit-log monitoring and runtime monitoring in every region with clusters.",
        controls: ["IAAS-MON-GUARDDUTY", "CHECKLIST-MONITORING-1"], frameworks: pci("11.5.1") + soc2("CC7.2"),
        examples: [
            CheckExample(.violation, CFN.template(account, "GuardDutyDetectors: 0\n"), at: ["GuardDutyDetectors"]),
            CheckExample(.compliant, CFN.template(account, "GuardDutyDetectors: 1\n")),
        ]), types: [account]) { resource, _ in
        count(resource, "GuardDutyDetectors", missing: "no GuardDuty detector in this region")
    }

    static let noConfig = AWSCheck(CheckDescriptor(
        id: "accountNoConfigRecorder", title: "AWS Config not recording in the account", severity: .medium, category: "aws/account",
        description: "Without a configuration recorder there is no history of resource changes (security groups, IAM, EKS) and no compliance evaluation.",
        remediation: "Create a recorder for all resource types with a delivery channel, and start it.",
        controls: ["IAAS-MON-CONFIG", "CHECKLIST-MONITORING-3"], frameworks: soc2("CC7.1"),
        examples: [
            CheckExample(.violation, CFN.template(account, "ConfigRecorders: 0\n"), at: ["ConfigRecorders"]),
            CheckExample(.compliant, CFN.template(account, "ConfigRecorders: 1\n")),
        ]), types: [account]) { resource, _ in
        count(resource, "ConfigRecorders", missing: "no AWS Config recorder in this region")
    }

    static let ebsDefault = AWSCheck(CheckDescriptor(
        id: "accountEBSEncryptionByDefaultOff", title: "EBS encryption by default off", severity: .medium, category: "aws/account",
        description: "With encryption by default, every new volume and snapshot (node disks included) is encrypted, whatever template created it.",
        remediation: "Turn on EBS encryption by default in every region (`aws ec2 enable-ebs-encryption-by-default`).",
        controls: ["IAAS-DATA-EBS"], frameworks: pci("3.5.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(account, "EbsEncryptionByDefault: false\n"), at: ["EbsEncryptionByDefault"]),
            CheckExample(.compliant, CFN.template(account, "EbsEncryptionByDefault: true\n")),
        ]), types: [account]) { resource, _ in
        guard case .value(false, let mark) = resource.bool("EbsEncryptionByDefault") else {
            if case .unknown(let reason, let mark) = resource.bool("EbsEncryptionByDefault") { return [.unknown(reason, at: mark, "EbsEncryptionByDefault")] }
            return []
        }
        return [.fail("new EBS volumes are not encrypted by default", at: mark, "EbsEncryptionByDefault")]
    }

    static let passwordPolicy = AWSCheck(CheckDescriptor(
        id: "accountNoPasswordPolicy", title: "No IAM password policy", severity: .low, category: "aws/account",
        description: "Without a password policy, IAM users' console passwords have no length, complexity or reuse rules.",
        remediation: "Set an account password policy (minimum 14 characters, reuse prevention), and prefer SSO over IAM users.",
        controls: ["IAAS-IAM-POLICIES"], frameworks: pci("8.3.6") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(account, "PasswordPolicy: false\n"), at: ["PasswordPolicy"]),
            CheckExample(.compliant, CFN.template(account, "PasswordPolicy: true\n")),
        ]), types: [account]) { resource, _ in
        guard case .value(false, let mark) = resource.bool("PasswordPolicy") else { return [] }
        return [.fail("the account has no password policy", at: mark, "PasswordPolicy")]
    }

    static let all: [AWSCheck] = [noTrail, noGuardDuty, noConfig, ebsDefault, passwordPolicy]
}
