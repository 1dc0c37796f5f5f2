import BulkheadCore

/// Monitoring the customer owns: CloudTrail, GuardDuty for EKS, AWS Config, CloudWatch log groups.
enum MonitoringChecks {
    static let trail = "AWS::CloudTrail::Trail"
    static let detector = "AWS::GuardDuty::Detector"
    static let recorder = "AWS::Config::ConfigurationRecorder"
    static let logGroup = "AWS::Logs::LogGroup"

    static func trailTemplate(_ extra: String) -> String {
        CFN.template(trail, "IsLogging: true\nS3BucketName: trail-logs\n" + extra)
    }

    static let multiRegion = AWSCheck(CheckDescriptor(
        id: "cloudtrailNotMultiRegion", title: "CloudTrail trail records one region only", severity: .medium, category: "aws/cloudtrail",
        description: "A single-region trail misses API activity in every other region, where an attacker with stolen keys can work unseen.",
        remediation: "Set `IsMultiRegionTrail: true` (and `IncludeGlobalServiceEvents: true`).",
        controls: ["IAAS-MON-CLOUDTRAIL", "CUST-INFRA-MONITORING"], frameworks: pci("10.2.1") + soc2("CC7.2"),
        examples: [
            CheckExample(.violation, trailTemplate(""), at: ["IsMultiRegionTrail"]),
            CheckExample(.compliant, trailTemplate("IsMultiRegionTrail: true\n")),
        ]), types: [trail]) { resource, _ in
        Rules.mustBeTrue(resource, "IsMultiRegionTrail", "the trail records only its own region")
    }

    static let logValidation = AWSCheck(CheckDescriptor(
        id: "cloudtrailLogValidationDisabled", title: "CloudTrail log file validation disabled", severity: .medium, category: "aws/cloudtrail",
        description: "Log file validation signs digests of the delivered logs, so tampering with or deleting them after delivery can be detected.",
        remediation: "Set `EnableLogFileValidation: true`.",
        controls: ["IAAS-MON-CLOUDTRAIL", "CHECKLIST-INFRA-5"], frameworks: pci("10.3.2") + soc2("CC7.2"),
        examples: [
            CheckExample(.violation, trailTemplate("IsMultiRegionTrail: true\n"), at: ["EnableLogFileValidation"]),
            CheckExample(.compliant, trailTemplate("EnableLogFileValidation: true\n")),
        ]), types: [trail]) { resource, _ in
        Rules.mustBeTrue(resource, "EnableLogFileValidation", "log file validation is off")
    }

    static let trailKMS = AWSCheck(CheckDescriptor(
        id: "cloudtrailNotKMSEncrypted", title: "CloudTrail logs not encrypted with KMS", severity: .medium, category: "aws/cloudtrail",
        description: "Encrypting the trail with a customer-managed key means reading the logs needs both S3 and key permissions.",
        remediation: "Set `KMSKeyId` to a customer-managed key whose policy allows CloudTrail to encrypt.",
        controls: ["IAAS-MON-CLOUDTRAIL", "IAAS-DATA-KMS"], frameworks: pci("10.3.2") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, trailTemplate("IsMultiRegionTrail: true\n"), at: ["KMSKeyId"]),
            CheckExample(.compliant, trailTemplate("KMSKeyId: !Ref TrailKey\n") + "  TrailKey:\n    Type: AWS::KMS::Key\n    Properties: {EnableKeyRotation: true}\n"),
        ]), types: [trail]) { resource, _ in
        Rules.mustBeSet(resource, "KMSKeyId", "the trail's logs are not encrypted with a KMS key")
    }

    static let trailCloudWatch = AWSCheck(CheckDescriptor(
        id: "cloudtrailNoCloudWatchLogs", title: "CloudTrail not delivered to CloudWatch Logs", severity: .low, category: "aws/cloudtrail",
        description: "Sending the trail to CloudWatch Logs allows metric filters and alarms on sensitive API calls (IAM changes, EKS access, root use) as they happen.",
        remediation: "Set `CloudWatchLogsLogGroupArn` and `CloudWatchLogsRoleArn`.",
        controls: ["IAAS-MON-CLOUDTRAIL", "IAAS-MON-CLOUDWATCH"], frameworks: pci("10.4.1") + soc2("CC7.2"),
        examples: [
            CheckExample(.violation, trailTemplate("IsMultiRegionTrail: true\n"), at: ["CloudWatchLogsLogGroupArn"]),
            CheckExample(.compliant, trailTemplate("CloudWatchLogsLogGroupArn: arn:aws:logs:eu-west-1:111111111111:log-group:trail:*\nCloudWatchLogsRoleArn: arn:aws:iam::111111111111:role/trail\n")),
        ]), types: [trail]) { resource, _ in
        Rules.mustBeSet(resource, "CloudWatchLogsLogGroupArn", "the trail is not delivered to CloudWatch Logs")
    }

    static let loggingOff = AWSCheck(CheckDescriptor(
        id: "cloudtrailLoggingOff", title: "CloudTrail trail not logging", severity: .high, category: "aws/cloudtrail",
        description: "A trail whose logging is stopped records nothing: API activity, EKS access and IAM changes go unrecorded.",
        remediation: "Set `IsLogging: true` (Terraform: `enable_logging = true`, the default).",
        controls: ["IAAS-MON-CLOUDTRAIL"], frameworks: pci("10.2.1") + soc2("CC7.2"),
        examples: [
            CheckExample(.violation, CFN.template(trail, "IsLogging: false\nS3BucketName: trail-logs\n"), at: ["IsLogging"]),
            CheckExample(.compliant, trailTemplate("IsMultiRegionTrail: true\n")),
        ]), types: [trail]) { resource, _ in
        guard case .value(false, let mark) = resource.bool("IsLogging") else { return [] }
        return [.fail("logging is stopped", at: mark, "IsLogging")]
    }

    static let detectorEnabled = AWSCheck(CheckDescriptor(
        id: "guarddutyDetectorDisabled", title: "GuardDuty detector disabled", severity: .high, category: "aws/guardduty",
        description: "A disabled detector produces no findings: no alerts on credential exfiltration, crypto-mining or known-malicious traffic.",
        remediation: "Set `Enable: true`.",
        controls: ["IAAS-MON-GUARDDUTY", "CHECKLIST-MONITORING-1"], frameworks: pci("11.5.1") + soc2("CC7.2"),
        examples: [
            CheckExample(.violation, CFN.template(detector, "Enable: false\n"), at: ["Enable"]),
            CheckExample(.compliant, CFN.template(detector, "Enable: true\nFeatures: [{Name: EKS_AUDIT_LOGS, Status: ENABLED}, {Name: RUNTIME_MONITORING, Status: ENABLED}]\n")),
        ]), types: [detector]) { resource, _ in
        Rules.mustBeTrue(resource, "Enable", "the detector is disabled")
    }

    static let eksProtection = AWSCheck(CheckDescriptor(
        id: "guarddutyEKSProtectionOff", title: "GuardDuty EKS protection off", severity: .medium, category: "aws/guardduty",
        description: "GuardDuty's EKS audit-log monitoring finds anonymous access, privileged pod creation and credential abuse in the audit log; runtime monitoring finds malicious processes in containers. Both are features to turn on.",
        remediation: "Add `Features: [{Name: EKS_AUDIT_LOGS, Status: ENABLED}, {Name: RUNTIME_MONITORING, Status: ENABLED, AdditionalConfiguration: [{Name: EKS_ADDON_MANAGEMENT, Status: ENABLED}]}]`.",
        controls: ["IAAS-MON-GUARDDUTY", "CHECKLIST-MONITORING-1"], frameworks: pci("11.5.1") + soc2("CC7.2", "CC7.3") + nist("5.4.4"),
        examples: [
            CheckExample(.violation, CFN.template(detector, "Enable: true\n"), at: ["Features"]),
            CheckExample(.violation, CFN.template(detector, "Enable: true\nFeatures: [{Name: EKS_AUDIT_LOGS, Status: ENABLED}]\n"), at: ["Features"]),
            CheckExample(.compliant, CFN.template(detector, "Enable: true\nFeatures: [{Name: EKS_AUDIT_LOGS, Status: ENABLED}, {Name: EKS_RUNTIME_MONITORING, Status: ENABLED}]\n")),
        ]), types: [detector]) { resource, _ in
        guard resource.bool("Enable").value != false else { return [] } // the detector check reports that
        let features = resource.node("Features")?.oneOrMany ?? []
        func enabled(_ names: [String]) -> Bool {
            features.contains { names.contains($0["Name"]?.awsString ?? "") && $0["Status"]?.awsString == "ENABLED" }
        }
        var missing: [String] = []
        if !enabled(["EKS_AUDIT_LOGS"]) && resource.bool("DataSources.Kubernetes.AuditLogs.Enable").value != true {
            missing.append("EKS audit-log monitoring")
        }
        if !enabled(["RUNTIME_MONITORING", "EKS_RUNTIME_MONITORING"]) { missing.append("runtime monitoring") }
        guard !missing.isEmpty else { return [] }
        return [.fail("not enabled: \(missing.joined(separator: ", "))", at: resource.node("Features")?.mark, "Features")]
    }

    static let recorderScope = AWSCheck(CheckDescriptor(
        id: "configRecorderIncomplete", title: "AWS Config recorder does not record everything", severity: .medium, category: "aws/config",
        description: "A recorder limited to some resource types leaves configuration changes of the others (security groups, IAM, EKS) without history or compliance evaluation.",
        remediation: "Set `RecordingGroup: {AllSupported: true, IncludeGlobalResourceTypes: true}`.",
        controls: ["IAAS-MON-CONFIG", "CHECKLIST-MONITORING-3"], frameworks: pci("10.2.1") + soc2("CC7.1"),
        examples: [
            CheckExample(.violation, CFN.template(recorder, "RoleARN: arn:aws:iam::111111111111:role/config\nRecordingGroup: {ResourceTypes: [\"AWS::EC2::Instance\"]}\n"), at: ["RecordingGroup.AllSupported"]),
            CheckExample(.compliant, CFN.template(recorder, "RoleARN: arn:aws:iam::111111111111:role/config\nRecordingGroup: {AllSupported: true, IncludeGlobalResourceTypes: true}\n",
                                                  others: "Channel:\n  Type: AWS::Config::DeliveryChannel\n  Properties: {S3BucketName: config-history}\n")),
        ]), types: [recorder]) { resource, _ in
        guard let group = resource.node("RecordingGroup"), !group.isNull else { return [] } // absent: records all supported types
        if group["AllSupported"]?.awsBool == true { return [] }
        return [.fail("records only some resource types", at: group.mark, "RecordingGroup.AllSupported")]
    }

    static let deliveryChannel = AWSCheck(CheckDescriptor(
        id: "configNoDeliveryChannel", title: "AWS Config recorder without a delivery channel", severity: .medium, category: "aws/config",
        description: "A recorder needs a delivery channel to start: without one, nothing is recorded.",
        remediation: "Add an `AWS::Config::DeliveryChannel` with an S3 bucket.",
        controls: ["IAAS-MON-CONFIG"], frameworks: soc2("CC7.1"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template(recorder, "RoleARN: arn:aws:iam::111111111111:role/config\n"), at: ["DeliveryChannel"]),
            CheckExample(.compliant, CFN.template(recorder, "RoleARN: arn:aws:iam::111111111111:role/config\n",
                                                  others: "Channel:\n  Type: AWS::Config::DeliveryChannel\n  Properties: {S3BucketName: config-history}\n")),
        ]), types: [recorder]) { resource, inventory in
        inventory.resources(ofType: "AWS::Config::DeliveryChannel", near: resource).isEmpty
            ? [.fail("no delivery channel in this input: the recorder cannot run", at: nil, "DeliveryChannel")] : []
    }

    static let recorderStopped = AWSCheck(CheckDescriptor(
        id: "configRecorderStopped", title: "AWS Config recorder not recording", severity: .medium, category: "aws/config",
        description: "A recorder that was never started (or was stopped) records nothing, though it looks configured.",
        remediation: "Start it (`aws configservice start-configuration-recorder`) once a delivery channel exists.",
        controls: ["IAAS-MON-CONFIG"], frameworks: soc2("CC7.1"),
        examples: [
            CheckExample(.violation, CFN.template(recorder, "RoleARN: arn:aws:iam::111111111111:role/config\nRecording: false\n",
                                                  others: "Channel:\n  Type: AWS::Config::DeliveryChannel\n  Properties: {S3BucketName: config-history}\n"),
                         note: "Recording is what the live scan reads from DescribeConfigurationRecorderStatus", at: ["Recording"]),
            CheckExample(.compliant, CFN.template(recorder, "RoleARN: arn:aws:iam::111111111111:role/config\nRecording: true\n")),
        ]), types: [recorder]) { resource, _ in
        switch resource.bool("Recording") {
        case .value(false, let mark): return [.fail("the recorder is not recording", at: mark, "Recording")]
        case .unknown(let reason, let mark): return [.unknown("Recording: \(reason)", at: mark, "Recording")]
        default: return []
        }
    }

    static let logGroupKMS = AWSCheck(CheckDescriptor(
        id: "logGroupNotKMSEncrypted", title: "CloudWatch log group not encrypted with KMS", severity: .info, category: "aws/logs",
        description: "CloudWatch Logs always encrypts log data at rest with keys it manages; a customer-managed key adds a key policy and CloudTrail records of every decryption. Worth it for container and control-plane logs, which hold request data, tokens printed by mistake and internal names; informational, as the data is encrypted either way.",
        remediation: "Set `KmsKeyId` to a customer-managed key whose policy allows the CloudWatch Logs service.",
        controls: ["IAAS-MON-CLOUDWATCH", "IAAS-DATA-KMS"], frameworks: pci("3.5.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(logGroup, "LogGroupName: /eks/prod/cluster\nRetentionInDays: 365\n"), at: ["KmsKeyId"]),
            CheckExample(.compliant, CFN.template(logGroup, "RetentionInDays: 365\nKmsKeyId: arn:aws:kms:eu-west-1:111111111111:key/abc\n")),
        ]), types: [logGroup]) { resource, _ in
        Rules.mustBeSet(resource, "KmsKeyId", "log group not encrypted with a KMS key")
    }

    static let logGroupRetention = AWSCheck(CheckDescriptor(
        id: "logGroupShortRetention", title: "CloudWatch log group keeps logs less than a year", severity: .low, category: "aws/logs",
        description: "Audit trails must be kept at least 12 months (PCI DSS 10.5.1); a shorter retention deletes the evidence an investigation needs.",
        remediation: "Set `RetentionInDays` to 365 or more (or archive to S3 before expiry).",
        controls: ["IAAS-MON-CLOUDWATCH", "CHECKLIST-MONITORING-2"], frameworks: pci("10.5.1") + soc2("CC7.2"),
        examples: [
            CheckExample(.violation, CFN.template(logGroup, "RetentionInDays: 7\n"), at: ["RetentionInDays"]),
            CheckExample(.compliant, CFN.template(logGroup, "RetentionInDays: 400\n")),
            CheckExample(.compliant, CFN.template(logGroup, "LogGroupName: /eks/prod/cluster\n"), note: "no retention: logs never expire"),
        ]), types: [logGroup]) { resource, _ in
        switch resource.int("RetentionInDays") {
        case .value(let days, let mark) where days < 365: return [.fail("logs are kept \(days) days", at: mark, "RetentionInDays")]
        case .unknown(let reason, let mark): return [.unknown("RetentionInDays: \(reason)", at: mark, "RetentionInDays")]
        default: return []
        }
    }

    static let all: [AWSCheck] = [multiRegion, logValidation, trailKMS, trailCloudWatch, loggingOff, detectorEnabled, eksProtection, recorderScope,
                                  deliveryChannel, recorderStopped, logGroupKMS, logGroupRetention]
}
