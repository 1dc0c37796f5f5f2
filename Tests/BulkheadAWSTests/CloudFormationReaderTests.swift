import BulkheadAWS
import BulkheadCore
import Testing

@Suite("CloudFormation reader")
struct CloudFormationReaderTests {
    /// Loads a template as the scanner does (keeping the tags of `!If [...]`-style lists).
    func read(_ text: String, file: String = "template.yaml") throws -> [String: AWSResource] {
        let loaded = YAMLLoader(wrapsLocalTags: true).load(text, file: file)
        #expect(loaded.diagnostics.isEmpty, "\(loaded.diagnostics)")
        let root = try #require(loaded.documents.first?.root)
        #expect(CloudFormation.isTemplate(root))
        let read = CloudFormationReader.read(root, file: file)
        #expect(read.diagnostics.isEmpty, "\(read.diagnostics)")
        return Dictionary(uniqueKeysWithValues: read.resources.map { ($0.id, $0) })
    }

    static let template = """
        AWSTemplateFormatVersion: "2010-09-09"
        Parameters:
          Env: {Type: String, Default: prod}
          Rotate: {Type: String, Default: "true"}
          Unset: {Type: String}
          Cidrs: {Type: CommaDelimitedList, Default: "10.0.0.0/8, 192.168.0.0/16"}
        Mappings:
          Sizes: {prod: {Retention: 400}, dev: {Retention: 7}}
        Conditions:
          IsProd: !Equals [!Ref Env, prod]
          IsDev: !Not [!Condition IsProd]
          Unknowable: !Equals [!Ref Unset, "x"]
          Both: !And [!Condition IsProd, !Equals ["a", "a"]]
        Resources:
          Key:
            Type: AWS::KMS::Key
            Properties:
              EnableKeyRotation: !Ref Rotate
              Description: !Sub "key for ${Env} in ${AWS::Region} (${!Literal})"
              Tags: [{Key: joined, Value: !Join ["-", [a, !Ref Env, !Select [1, [x, y, z]]]]}]
          Logs:
            Type: AWS::Logs::LogGroup
            Properties:
              RetentionInDays: !FindInMap [Sizes, !Ref Env, Retention]
              KmsKeyId: !GetAtt Key.Arn
              LogGroupName: !If [IsProd, prod-logs, !Ref "AWS::NoValue"]
              DataProtectionPolicy: !If [Unknowable, a, b]
          DevOnly:
            Type: AWS::S3::Bucket
            Condition: IsDev
          ProdOnly:
            Type: AWS::S3::Bucket
            Condition: Both
            Properties:
              BucketName: {"Fn::Sub": ["${Name}-artifacts", {Name: {"Ref": "Env"}}]}
              Cidrs: !Ref Cidrs
              Split: !Split [",", "a,b,c"]
              Imported: !ImportValue shared-bucket
              Missing: !Ref Unset
        """

    @Test func resolvesIntrinsicsInShortAndLongForm() throws {
        let resources = try read(Self.template)
        #expect(resources["DevOnly"] == nil, "a resource whose condition is false is not created")
        let key = try #require(resources["Key"])
        #expect(key.bool("EnableKeyRotation").value == true, "parameter default \"true\" reads as a boolean")
        #expect(key.string("Description").value == "key for prod in ${AWS::Region} (${Literal})")
        #expect(key.node("Tags")?.items?.first?["Value"]?.awsString == "a-prod-y")
        let logs = try #require(resources["Logs"])
        #expect(logs.int("RetentionInDays").value == 400)
        #expect(logs.node("KmsKeyId")?.referenceTarget == "Key.Arn")
        #expect(logs.string("LogGroupName").value == "prod-logs")
        guard case .unknown(let reason, _) = logs.string("DataProtectionPolicy") else {
            Issue.record("a value behind an unresolvable condition is unknown")
            return
        }
        #expect(reason.contains("Unknowable"))
        let bucket = try #require(resources["ProdOnly"])
        #expect(bucket.string("BucketName").value == "prod-artifacts")
        #expect(bucket.node("Cidrs")?.items?.compactMap(\.awsString) == ["10.0.0.0/8", "192.168.0.0/16"])
        #expect(bucket.node("Split")?.items?.count == 3)
        if case .unknown = bucket.string("Imported") {} else { Issue.record("Fn::ImportValue is unknown") }
        if case .unknown(let reason, _) = bucket.string("Missing") { #expect(reason.contains("no default")) } else { Issue.record("no default: unknown") }
    }

    @Test func aNoValueBranchRemovesTheProperty() throws {
        let text = Self.template.replacingOccurrences(of: "Default: prod}", with: "Default: dev}")
        let resources = try read(text)
        #expect(resources["Logs"]?.node("LogGroupName") == nil)
        #expect(resources["Logs"]?.int("RetentionInDays").value == 7)
        #expect(resources["DevOnly"] != nil && resources["ProdOnly"] == nil)
    }

    @Test func readsJSONTemplates() throws {
        let text = """
            {"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"Repo": {"Type": "AWS::ECR::Repository",
             "Properties": {"ImageTagMutability": {"Fn::If": ["Never", "MUTABLE", "IMMUTABLE"]}}}},
             "Conditions": {"Never": {"Fn::Equals": ["a", "b"]}}}
            """
        let resources = try read(text, file: "template.json")
        #expect(resources["Repo"]?.string("ImageTagMutability").value == "IMMUTABLE")
    }

    /// A value that cannot be known is reported as not assessed, never as a pass or a finding.
    @Test func unknownValuesAreNotAssessed() {
        let text = """
            AWSTemplateFormatVersion: "2010-09-09"
            Parameters:
              Rotation: {Type: String}
            Resources:
              Key:
                Type: AWS::KMS::Key
                Properties: {EnableKeyRotation: !Ref Rotation}
            """
        let result = Scanner(registry: AWSChecks.registry).scan(text: text, file: "t.yaml")
        #expect(!result.findings.contains { $0.checkID == "kmsKeyRotationDisabled" })
        let item = result.notAssessed.first { $0.checkID == "kmsKeyRotationDisabled" }
        #expect(item?.reason.contains("Rotation has no default") == true)
        #expect(item?.location.line == 7)
    }

    @Test func reportsMalformedTemplatesAndReadsTheRest() {
        let text = """
            AWSTemplateFormatVersion: "2010-09-09"
            Resources:
              Broken: [not, a, mapping]
              NoType: {Properties: {}}
              Key:
                Type: AWS::KMS::Key
                Properties: {EnableKeyRotation: false}
            """
        let result = Scanner(registry: AWSChecks.registry).scan(text: text, file: "t.yaml")
        #expect(result.errors.count == 2)
        #expect(result.errors.contains { $0.field == "Resources.Broken" && $0.line == 3 })
        #expect(result.errors.contains { $0.field == "Resources.NoType.Type" })
        #expect(result.findings.contains { $0.checkID == "kmsKeyRotationDisabled" && $0.location.line == 7 })
    }

    /// Unknown types are read and left alone; unresolvable and cyclic references become unknown
    /// values with their reason; nothing crashes and nothing is reported as an input error.
    @Test func toleratesUnknownTypesUnresolvableAndCyclicReferences() throws {
        let text = """
            AWSTemplateFormatVersion: "2010-09-09"
            Conditions:
              A: !Condition B
              B: !Not [!Condition A]
            Resources:
              Custom:
                Type: Custom::Thing
                Properties: {ServiceToken: !GetAtt Nowhere.Arn}
              Future:
                Type: AWS::Future::Service
              Key:
                Type: AWS::KMS::Key
                Condition: A
                Properties:
                  EnableKeyRotation: !Ref Nowhere
                  Description: !Sub "${Nowhere} and ${Key.Arn}"
            """
        let resources = try read(text)
        #expect(resources.count == 3)
        let key = try #require(resources["Key"])
        #expect(key.conditionUnknown, "a cyclic condition cannot be resolved")
        guard case .unknown(let reason, _) = key.bool("EnableKeyRotation") else {
            Issue.record("Ref to nothing is unknown")
            return
        }
        #expect(reason.contains("Nowhere"))
        #expect(key.string("Description").value == "${Nowhere} and ${Key.Arn}")
        let result = Scanner(registry: AWSChecks.registry).scan(text: text, file: "t.yaml")
        #expect(result.errors.isEmpty)
        #expect(result.notAssessed.contains { $0.checkID == "kmsKeyRotationDisabled" })
    }
}
