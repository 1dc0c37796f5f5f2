import BulkheadCore

/// Keys, registries, buckets, secrets and volumes: encryption with customer-managed keys, rotation,
/// and policies that do not open them to everyone.
enum DataChecks {
    static let key = "AWS::KMS::Key"
    static let repository = "AWS::ECR::Repository"
    static let bucket = "AWS::S3::Bucket"
    static let secret = "AWS::SecretsManager::Secret"

    static let keyRotation = AWSCheck(CheckDescriptor(
        id: "kmsKeyRotationDisabled", title: "KMS key without automatic rotation", severity: .medium, category: "aws/kms",
        description: "Automatic rotation replaces a symmetric key's material yearly (or on the period set), limiting how much data one key version protects.",
        remediation: "Set `EnableKeyRotation: true` (optionally `RotationPeriodInDays`).",
        controls: ["IAAS-DATA-KMS", "CUST-INFRA-ENCRYPTION"], frameworks: cis("5.3.1") + pci("3.7.4") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(key, "Description: eks secrets\n"), at: ["EnableKeyRotation"]),
            CheckExample(.violation, CFN.template(key, "EnableKeyRotation: false\n"), at: ["EnableKeyRotation"]),
            CheckExample(.compliant, CFN.template(key, "EnableKeyRotation: true\n")),
            CheckExample(.compliant, CFN.template(key, "KeySpec: RSA_2048\nKeyUsage: SIGN_VERIFY\n"), note: "asymmetric keys cannot rotate automatically"),
        ]), types: [key]) { resource, _ in
        if let spec = resource.string("KeySpec").value, spec != "SYMMETRIC_DEFAULT" { return [] }
        return Rules.mustBeTrue(resource, "EnableKeyRotation", "automatic key rotation is off")
    }

    static func everyoneAllowed(_ resource: AWSResource, _ path: String) -> [AWSVerdict] {
        guard let document = resource.node(path) else { return [] }
        if let reason = document.unknownReason { return [.unknown("\(path): \(reason)", at: document.mark, path)] }
        return PolicyStatement.statements(of: document).filter { $0.allows && $0.principalIsEveryone && !$0.hasRestrictingCondition }.map {
            .fail("a statement allows any principal (Principal *) without a condition naming an account or organization", at: $0.node.mark, path)
        }
    }

    static let keyWildcardPrincipal = AWSCheck(CheckDescriptor(
        id: "kmsKeyPolicyPublic", title: "KMS key policy allows any principal", severity: .critical, category: "aws/kms",
        description: "A key policy statement that allows `Principal: *` without a condition lets any AWS principal use (or manage) the key, and so read whatever it protects.",
        remediation: "Name the account root and the roles that use the key; if `*` is needed, add `kms:CallerAccount` or `aws:PrincipalOrgID` conditions.",
        controls: ["IAAS-DATA-KMS"], frameworks: cis("5.3.1") + pci("3.6.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(key, "EnableKeyRotation: true\nKeyPolicy:\n  Statement:\n  - {Effect: Allow, Principal: {AWS: \"*\"}, Action: \"kms:*\", Resource: \"*\"}\n"), at: ["KeyPolicy"]),
            CheckExample(.compliant, CFN.template(key, "EnableKeyRotation: true\nKeyPolicy:\n  Statement:\n  - {Effect: Allow, Principal: {AWS: !Sub \"arn:aws:iam::${AWS::AccountId}:root\"}, Action: \"kms:*\", Resource: \"*\"}\n")),
        ]), types: [key]) { resource, _ in
        everyoneAllowed(resource, "KeyPolicy")
    }

    static let ecrScanOnPush = AWSCheck(CheckDescriptor(
        id: "ecrScanOnPushDisabled", title: "ECR repository without image scanning", severity: .medium, category: "aws/ecr",
        description: "Without scan on push (or the registry's enhanced scanning), images reach the cluster with no vulnerability report.",
        remediation: "Set `ImageScanningConfiguration: {ScanOnPush: true}`, or enable enhanced scanning for the registry (`AWS::ECR::RegistryScanningConfiguration`, `ScanType: ENHANCED`).",
        controls: ["CUST-IMAGE-SECURITY", "CHAIN-IMAGE"], frameworks: cis("5.1.1") + pci("6.3.3") + nist("5.1.1"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template(repository, "RepositoryName: shop/api\n"), at: ["ImageScanningConfiguration.ScanOnPush"]),
            CheckExample(.violation, CFN.template(repository, "ImageScanningConfiguration: {ScanOnPush: \"false\"}\n"), at: ["ImageScanningConfiguration.ScanOnPush"]),
            CheckExample(.compliant, CFN.template(repository, "ImageScanningConfiguration: {ScanOnPush: true}\n")),
            CheckExample(.compliant, CFN.template(repository, "RepositoryName: shop/api\n", others: "Scanning:\n  Type: AWS::ECR::RegistryScanningConfiguration\n  Properties: {ScanType: ENHANCED, Rules: [{ScanFrequency: CONTINUOUS_SCAN, RepositoryFilters: [{Filter: \"*\", FilterType: WILDCARD}]}]}\n")),
        ]), types: [repository]) { resource, inventory in
        if inventory.resources(ofType: "AWS::ECR::RegistryScanningConfiguration", near: resource).contains(where: { $0.string("ScanType").value == "ENHANCED" }) {
            return []
        }
        return Rules.mustBeTrue(resource, "ImageScanningConfiguration.ScanOnPush", "images are not scanned on push")
    }

    static let ecrImmutable = AWSCheck(CheckDescriptor(
        id: "ecrMutableTags", title: "ECR repository with mutable tags", severity: .medium, category: "aws/ecr",
        description: "With mutable tags, pushing to an existing tag silently changes what every manifest referring to it runs; a compromised pipeline can replace a reviewed image.",
        remediation: "Set `ImageTagMutability: IMMUTABLE` (and deploy by digest).",
        controls: ["CUST-IMAGE-SECURITY", "CHAIN-IMAGE"], frameworks: cis("5.1.1") + nist("5.2.1"),
        examples: [
            CheckExample(.violation, CFN.template(repository, "RepositoryName: shop/api\n"), at: ["ImageTagMutability"]),
            CheckExample(.violation, CFN.template(repository, "ImageTagMutability: MUTABLE\n"), at: ["ImageTagMutability"]),
            CheckExample(.compliant, CFN.template(repository, "ImageTagMutability: IMMUTABLE\n")),
        ]), types: [repository]) { resource, _ in
        switch resource.string("ImageTagMutability") {
        case .value(let value, _) where value.hasPrefix("IMMUTABLE"): return []
        case .unknown(let reason, let mark): return [.unknown("ImageTagMutability: \(reason)", at: mark, "ImageTagMutability")]
        case .value(let value, let mark): return [.fail("image tags are \(value)", at: mark, "ImageTagMutability")]
        case .absent: return [.fail("image tags are mutable (the default)", at: nil, "ImageTagMutability")]
        }
    }

    static let ecrKMS = AWSCheck(CheckDescriptor(
        id: "ecrNotKMSEncrypted", title: "ECR repository not encrypted with KMS", severity: .low, category: "aws/ecr",
        description: "By default ECR encrypts with AES-256 keys it manages; KMS encryption puts image access under a key policy and CloudTrail.",
        remediation: "Set `EncryptionConfiguration: {EncryptionType: KMS, KmsKey: <CMK>}` (only at creation).",
        controls: ["CUST-INFRA-ENCRYPTION", "IAAS-DATA-KMS"], frameworks: pci("3.5.1") + nist("5.2.1"),
        examples: [
            CheckExample(.violation, CFN.template(repository, "EncryptionConfiguration: {EncryptionType: AES256}\n"), at: ["EncryptionConfiguration.EncryptionType"]),
            CheckExample(.violation, CFN.template(repository, "RepositoryName: shop/api\n"), at: ["EncryptionConfiguration"]),
            CheckExample(.compliant, CFN.template(repository, "EncryptionConfiguration: {EncryptionType: KMS, KmsKey: alias/ecr}\n")),
        ]), types: [repository]) { resource, _ in
        switch resource.string("EncryptionConfiguration.EncryptionType") {
        case .value(let value, _) where value.hasPrefix("KMS"): return []
        case .unknown(let reason, let mark): return [.unknown("EncryptionConfiguration.EncryptionType: \(reason)", at: mark, "EncryptionConfiguration")]
        case .value(let value, let mark): return [.fail("encrypted with \(value), not KMS", at: mark, "EncryptionConfiguration.EncryptionType")]
        case .absent: return [.fail("encrypted with ECR's AES-256 default, not KMS", at: nil, "EncryptionConfiguration")]
        }
    }

    static let ecrPublic = AWSCheck(CheckDescriptor(
        id: "ecrRepositoryPublic", title: "ECR repository policy allows anyone", severity: .critical, category: "aws/ecr",
        description: "A repository policy that allows `Principal: *` without an account or organization condition lets anyone pull (or push) the images.",
        remediation: "Name the accounts or roles in the policy, or add an `aws:PrincipalOrgID` condition.",
        controls: ["CUST-IMAGE-SECURITY", "IAAS-IAM-POLICIES"], frameworks: cis("5.1.2") + pci("7.2.1") + nist("5.2.1"),
        examples: [
            CheckExample(.violation, CFN.template(repository, "RepositoryPolicyText:\n  Statement:\n  - {Effect: Allow, Principal: \"*\", Action: [ecr:BatchGetImage]}\n"), at: ["RepositoryPolicyText"]),
            CheckExample(.compliant, CFN.template(repository, "RepositoryPolicyText:\n  Statement:\n  - {Effect: Allow, Principal: \"*\", Action: [ecr:BatchGetImage], Condition: {StringEquals: {aws:PrincipalOrgID: o-abc}}}\n")),
        ]), types: [repository, "AWS::ECR::RepositoryPolicy"]) { resource, _ in
        everyoneAllowed(resource, "RepositoryPolicyText")
    }

    static let bucketKMS = AWSCheck(CheckDescriptor(
        id: "s3BucketNotKMSEncrypted", title: "S3 bucket not encrypted with KMS", severity: .low, category: "aws/s3",
        description: "Every bucket is encrypted with S3-managed keys (SSE-S3) by default; artifact and log buckets should use SSE-KMS so reads need key permissions and show in CloudTrail.",
        remediation: "Set `BucketEncryption.ServerSideEncryptionConfiguration: [{ServerSideEncryptionByDefault: {SSEAlgorithm: aws:kms, KMSMasterKeyID: <CMK>}, BucketKeyEnabled: true}]`.",
        controls: ["IAAS-DATA-S3", "CUST-INFRA-ENCRYPTION"], frameworks: pci("3.5.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(bucket, "BucketName: artifacts\n"), at: ["BucketEncryption"]),
            CheckExample(.compliant, CFN.template(bucket, "BucketEncryption:\n  ServerSideEncryptionConfiguration:\n  - ServerSideEncryptionByDefault: {SSEAlgorithm: \"aws:kms\", KMSMasterKeyID: alias/artifacts}\n")),
        ]), types: [bucket]) { resource, _ in
        let rules = resource.node("BucketEncryption.ServerSideEncryptionConfiguration")?.oneOrMany ?? []
        let algorithms = rules.compactMap { $0["ServerSideEncryptionByDefault"]?["SSEAlgorithm"]?.awsString }
        if algorithms.contains(where: { $0.hasPrefix("aws:kms") }) { return [] }
        return [.fail("encrypted with \(algorithms.first ?? "the SSE-S3 default"), not KMS", at: rules.first?.mark, "BucketEncryption")]
    }

    static let publicAccessBlockFlags = ["BlockPublicAcls", "BlockPublicPolicy", "IgnorePublicAcls", "RestrictPublicBuckets"]

    static let bucketPolicyPublic = AWSCheck(CheckDescriptor(
        id: "s3BucketPolicyPublic", title: "S3 bucket policy allows anyone", severity: .critical, category: "aws/s3",
        description: "A bucket policy statement that allows `Principal: *` without a condition naming an account, organization or network makes the bucket's objects (artifacts, logs, state) public.",
        remediation: "Name the principals, or add an `aws:PrincipalOrgID`/`aws:SourceVpce` condition; keep the public access block on.",
        controls: ["IAAS-DATA-S3"], frameworks: pci("1.4.4", "7.2.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template("AWS::S3::BucketPolicy", "Bucket: artifacts\nPolicyDocument:\n  Statement:\n  - {Effect: Allow, Principal: \"*\", Action: s3:GetObject, Resource: \"arn:aws:s3:::artifacts/*\"}\n"), at: ["PolicyDocument"]),
            CheckExample(.compliant, CFN.template("AWS::S3::BucketPolicy", "Bucket: artifacts\nPolicyDocument:\n  Statement:\n  - {Effect: Deny, Principal: \"*\", Action: \"s3:*\", Resource: \"arn:aws:s3:::artifacts/*\", Condition: {Bool: {aws:SecureTransport: false}}}\n")),
        ]), types: ["AWS::S3::BucketPolicy"]) { resource, _ in
        everyoneAllowed(resource, "PolicyDocument")
    }

    static let bucketPublicAccess = AWSCheck(CheckDescriptor(
        id: "s3PublicAccessNotBlocked", title: "S3 bucket without a complete public access block", severity: .high, category: "aws/s3",
        description: "The four public-access-block settings stop a later ACL or bucket policy from making the bucket (artifacts, logs, Terraform state) public.",
        remediation: "Set `PublicAccessBlockConfiguration` with BlockPublicAcls, BlockPublicPolicy, IgnorePublicAcls and RestrictPublicBuckets all true.",
        controls: ["IAAS-DATA-S3"], frameworks: pci("1.4.4") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(bucket, "BucketName: artifacts\n"), at: ["PublicAccessBlockConfiguration"]),
            CheckExample(.violation, CFN.template(bucket, "PublicAccessBlockConfiguration: {BlockPublicAcls: true, BlockPublicPolicy: false, IgnorePublicAcls: true, RestrictPublicBuckets: true}\n"), at: ["PublicAccessBlockConfiguration"]),
            CheckExample(.compliant, CFN.template(bucket, "PublicAccessBlockConfiguration: {BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true}\n")),
        ]), types: [bucket]) { resource, _ in
        let block = resource.node("PublicAccessBlockConfiguration")
        let off = publicAccessBlockFlags.filter { block?[$0]?.awsBool != true }
        guard !off.isEmpty else { return [] }
        return [.fail("public access block settings not on: \(off.joined(separator: ", "))", at: block?.mark, "PublicAccessBlockConfiguration")]
    }

    static let secretCMK = AWSCheck(CheckDescriptor(
        id: "secretNotCMKEncrypted", title: "Secrets Manager secret not encrypted with a customer-managed key", severity: .medium, category: "aws/secrets",
        description: "With the AWS-managed key (aws/secretsmanager), anyone with GetSecretValue in the account can read the secret; a customer-managed key adds a second policy and cannot be shared across accounts otherwise.",
        remediation: "Set `KmsKeyId` to a customer-managed key whose policy allows only the workloads' IRSA roles to decrypt.",
        controls: ["CUST-DATA-SECRETS", "IAAS-DATA-KMS", "CHAIN-SECRETS"], frameworks: cis("4.4.2") + pci("3.6.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template(secret, "Name: prod/db\n"), at: ["KmsKeyId"]),
            CheckExample(.violation, CFN.template(secret, "KmsKeyId: alias/aws/secretsmanager\n"), at: ["KmsKeyId"]),
            CheckExample(.violation, CFN.template(secret, "KmsKeyId: aws/secretsmanager\n"), at: ["KmsKeyId"]),
            CheckExample(.compliant, CFN.template(secret, "KmsKeyId: !Ref Key\n", others: "Key:\n  Type: AWS::KMS::Key\n  Properties: {EnableKeyRotation: true}\n")),
        ]), types: [secret]) { resource, _ in
        Rules.customerManagedKey(resource, "KmsKeyId", "encrypted with the AWS-managed key")
    }

    static let secretRotation = AWSCheck(CheckDescriptor(
        id: "secretRotationDisabled", title: "Secrets Manager secret without rotation", severity: .medium, category: "aws/secrets",
        description: "A secret that never rotates stays valid for as long as it leaks; rotation bounds the damage of a copy taken from a pod or a log.",
        remediation: "Add an `AWS::SecretsManager::RotationSchedule` for the secret (a rotation Lambda or managed rotation), e.g. every 30 days.",
        controls: ["CUST-DATA-SECRETS", "CHAIN-SECRETS"], frameworks: pci("8.3.9", "8.6.3") + soc2("CC6.1"), scope: .cluster,
        examples: [
            CheckExample(.violation, CFN.template(secret, "Name: prod/db\nKmsKeyId: alias/app\n"), at: ["RotationSchedule"]),
            CheckExample(.compliant, CFN.template(secret, "Name: prod/db\nKmsKeyId: alias/app\n", others: "Rotation:\n  Type: AWS::SecretsManager::RotationSchedule\n  Properties: {SecretId: !Ref Subject, RotationLambdaARN: arn:aws:lambda:eu-west-1:111111111111:function:rotate, RotationRules: {AutomaticallyAfterDays: 30}}\n")),
        ]), types: [secret]) { resource, inventory in
        let rotated = inventory.resources(ofType: "AWS::SecretsManager::RotationSchedule", near: resource)
            .contains { AWSInventory.refers($0.node("SecretId"), to: resource) }
        return rotated ? [] : [.fail("no rotation schedule for this secret", at: nil, "RotationSchedule")]
    }

    static let maximumRotationDays = 90

    /// Days between rotations: `AutomaticallyAfterDays`, or a `rate(N days|hours)` schedule.
    static func rotationDays(_ resource: AWSResource) -> Known<Int> {
        switch resource.int("RotationRules.AutomaticallyAfterDays") {
        case .absent: break
        case let other: return other
        }
        switch resource.string("RotationRules.ScheduleExpression") {
        case .value(let expression, let mark):
            let words = expression.lowercased().replacingOccurrences(of: "rate(", with: "").replacingOccurrences(of: ")", with: "").split(separator: " ")
            if words.count == 2, let count = Int(words[0]) {
                return .value(words[1].hasPrefix("hour") ? 0 : words[1].hasPrefix("day") ? count : count * 7, mark)
            }
            return expression.hasPrefix("cron(") ? .value(0, mark) : .unknown("schedule \(expression) is not understood", mark)
        case .unknown(let reason, let mark): return .unknown(reason, mark)
        case .absent: return .absent
        }
    }

    static let rotationTooSlow = AWSCheck(CheckDescriptor(
        id: "secretRotationTooSlow", title: "Secret rotated less often than every 90 days", severity: .low, category: "aws/secrets",
        description: "Credentials should change at least every 90 days (PCI DSS 8.3.9); a longer rotation period keeps a leaked value valid for longer.",
        remediation: "Set `RotationRules.AutomaticallyAfterDays` to 90 or less (or a `rate()` schedule of at most 90 days).",
        controls: ["CUST-DATA-SECRETS", "CHAIN-SECRETS"], frameworks: pci("8.3.9") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template("AWS::SecretsManager::RotationSchedule", "SecretId: prod/db\nRotationRules: {AutomaticallyAfterDays: 180}\n"), at: ["RotationRules"]),
            CheckExample(.compliant, CFN.template("AWS::SecretsManager::RotationSchedule", "SecretId: prod/db\nRotationRules: {AutomaticallyAfterDays: 30}\n")),
            CheckExample(.compliant, CFN.template("AWS::SecretsManager::RotationSchedule", "SecretId: prod/db\nRotationRules: {ScheduleExpression: rate(4 hours)}\n")),
        ]), types: ["AWS::SecretsManager::RotationSchedule"]) { resource, _ in
        switch rotationDays(resource) {
        case .value(let days, let mark) where days > maximumRotationDays:
            return [.fail("rotates every \(days) days", at: mark, "RotationRules")]
        case .unknown(let reason, let mark): return [.unknown("RotationRules: \(reason)", at: mark, "RotationRules")]
        default: return []
        }
    }

    static let volumeEncryption = AWSCheck(CheckDescriptor(
        id: "ebsVolumeUnencrypted", title: "EBS volume not encrypted", severity: .medium, category: "aws/ebs",
        description: "An EBS volume not marked encrypted is encrypted only if the account's encryption by default is on; its data and snapshots may be readable outside the key's control.",
        remediation: "Set `Encrypted: true` and a `KmsKeyId`; turn on EBS encryption by default.",
        controls: ["IAAS-DATA-EBS"], frameworks: pci("3.5.1") + soc2("CC6.1"),
        examples: [
            CheckExample(.violation, CFN.template("AWS::EC2::Volume", "AvailabilityZone: eu-west-1a\nSize: 100\n"), at: ["Encrypted"]),
            CheckExample(.compliant, CFN.template("AWS::EC2::Volume", "AvailabilityZone: eu-west-1a\nSize: 100\nEncrypted: true\n")),
        ]), types: ["AWS::EC2::Volume"]) { resource, _ in
        Rules.mustBeTrue(resource, "Encrypted", "the volume is not marked encrypted")
    }

    static let all: [AWSCheck] = [keyRotation, keyWildcardPrincipal, ecrScanOnPush, ecrImmutable, ecrKMS, ecrPublic, bucketKMS,
                                  bucketPublicAccess, bucketPolicyPublic, secretCMK, secretRotation, rotationTooSlow, volumeEncryption]
}
