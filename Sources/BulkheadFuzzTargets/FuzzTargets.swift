// What each libFuzzer target does with its bytes (Sources/BulkheadFuzz is the libFuzzer binary;
// scripts/fuzz builds and runs it). A library of the package, always built, so the tests replay
// every seed and every input the fuzzer ever found (fuzz/regressions) through the same code.
//
// A target fails (traps, so libFuzzer saves the input) on a crash, a sanitizer report, or a broken
// promise the parser makes: the YAML and JSON roads must agree with libyaml whenever the fast road
// reads the input itself, and a refusal must say why.
import BulkheadAdmission
import BulkheadAWS
import BulkheadCore
import BulkheadKubernetes

public enum FuzzTarget: String, CaseIterable, Sendable {
    case yamlLibyaml = "yaml-libyaml"
    case yamlBlock = "yaml-block"
    case json
    case hcl
    case cloudformation
    case terraformPlan = "terraform-plan"
    case admission
    case awsXML = "aws-xml"
    case awsJSON = "aws-json"

    static let libyaml = YAMLLoader(jsonFastPath: false, blockFastPath: false)
    static let loader = YAMLLoader()
    static let templates = YAMLLoader(wrapsLocalTags: true)
    static let reviewers = [AdmissionReviewer(), AdmissionReviewer(policy: .enforcing("restricted"))]

    public func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .yamlLibyaml:
            _ = Self.libyaml.load(bytes: bytes, file: "f.yaml").canonical
        case .yamlBlock:
            // Inputs the block road leaves to libyaml are the yaml-libyaml target's.
            if let fast = BlockYAMLLoader.load(bytes: bytes, file: "f.yaml", limits: YAMLLoader.Limits()) {
                let slow = Self.libyaml.load(bytes: bytes, file: "f.yaml")
                if fast.canonical != slow.canonical {
                    fatalError("the block road and libyaml disagree:\n\(fast.canonical)\n---\n\(slow.canonical)")
                }
            }
        case .json:
            // The one difference on purpose: a UTF-16 surrogate pair in `\u` escapes (JSON allows
            // it, libyaml refuses it); compare only inputs without `\u`.
            if JSONLoader.looksLikeJSON(bytes), let fast = JSONLoader.load(bytes: bytes, file: "f.json", limits: YAMLLoader.Limits()),
               !Self.hasUnicodeEscape(bytes) {
                let slow = Self.libyaml.load(bytes: bytes, file: "f.json")
                if fast.canonical != slow.canonical {
                    fatalError("the JSON road and libyaml disagree:\n\(fast.canonical)\n---\n\(slow.canonical)")
                }
            }
        case .hcl:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = TerraformReader.readModule(directory: "/nonexistent-fuzz", files: [(name: "main.tf", text: text)])
        case .cloudformation:
            for document in Self.templates.load(bytes: bytes, file: "t.yaml").documents where CloudFormation.isTemplate(document.root) {
                _ = CloudFormationReader.read(document.root, file: "t.yaml")
            }
        case .terraformPlan:
            for document in Self.loader.load(bytes: bytes, file: "plan.json").documents {
                _ = TerraformReader.readPlan(document.root, file: "plan.json")
            }
        case .admission:
            let body = Array(bytes)
            for reviewer in Self.reviewers {
                do throws(AdmissionReviewer.BadRequest) {
                    _ = try reviewer.review(body)
                } catch {
                    if error.message.isEmpty { fatalError("a bad request refused without saying why") }
                }
            }
        case .awsXML:
            _ = XMLTree.parse(Array(bytes))
            _ = AWSClient.error(service: "iam", action: "ListRoles", status: 400, headers: [:], body: Array(bytes))
        case .awsJSON:
            do throws(AWSAPIError) {
                _ = try AWSClient.parseJSON(Array(bytes), service: "eks", action: "DescribeCluster")
            } catch {
                if error.message.isEmpty && error.code.isEmpty { fatalError("an answer refused without saying why") }
            }
        }
    }

    static func hasUnicodeEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 2 else { return false }
        for index in 1..<bytes.count where bytes[index] == UInt8(ascii: "u") && bytes[index - 1] == UInt8(ascii: "\\") {
            return true
        }
        return false
    }
}
