@testable import BulkheadAWS
import BulkheadCore
import Foundation
import Testing

/// Inputs that used to be dropped or misread silently.
@Suite("AWS input defects")
struct InputDefectTests {
    @Test func aMalformedJSONAnswerIsAnErrorNotAnEmptyObject() throws {
        // An empty answer is an empty object (some APIs answer nothing on success)...
        let empty = try AWSClient.parseJSON([], service: "cloudtrail", action: "DescribeTrails")
        #expect(empty.pairs?.isEmpty == true)
        // ...but a truncated or non-object answer must not read as "no trails".
        for body in ["{\"trailList\": [", "<html>oops</html>", "[1, 2]", "\"text\""] {
            #expect(throws: AWSAPIError.self, "\(body)") { try AWSClient.parseJSON(Array(body.utf8), service: "cloudtrail", action: "DescribeTrails") }
        }
        let good = try AWSClient.parseJSON(Array("{\"trailList\": []}".utf8), service: "cloudtrail", action: "DescribeTrails")
        #expect(good["trailList"] != nil)
    }

    @Test func aTfvarsSyntaxErrorIsReportedWithItsPlace() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-tfvars-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try "rotation = true\nname = \"unterminated\n".write(to: directory.appendingPathComponent("terraform.tfvars"), atomically: true, encoding: .utf8)
        let module = "variable \"rotation\" { default = false }\nresource \"aws_kms_key\" \"k\" { enable_key_rotation = var.rotation }\n"
        let read = TerraformReader.readModule(directory: directory.path, files: [(directory.appendingPathComponent("main.tf").path, module)])
        let problem = try #require(read.diagnostics.first { $0.file.hasSuffix("terraform.tfvars") }, "\(read.diagnostics)")
        #expect(problem.level == .error)
        #expect(problem.line >= 1)
        #expect(problem.message.contains("HCL syntax error"))
    }

    @Test func aTfvarsFileThatIsNotAFileIsRefused() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-tfvars-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("x.auto.tfvars"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let read = TerraformReader.readModule(directory: directory.path, files: [(directory.appendingPathComponent("main.tf").path, "")])
        #expect(read.diagnostics.contains { $0.file.hasSuffix("x.auto.tfvars") && $0.message.contains("not a regular file") }, "\(read.diagnostics)")
    }

    @Test func terraformFileFunctionReadsThroughTheGuardedReader() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-tffile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        // A directory, and a file over the size cap: neither is read; the policy is unknown, not empty.
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("dir.json"), withIntermediateDirectories: true)
        try String(repeating: " ", count: 4096).write(to: directory.appendingPathComponent("big.json"), atomically: true, encoding: .utf8)
        try #"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#.write(to: directory.appendingPathComponent("admin.json"), atomically: true, encoding: .utf8)
        let module = """
            resource "aws_iam_policy" "a" { policy = file("admin.json") }
            resource "aws_iam_policy" "b" { policy = file("dir.json") }
            resource "aws_iam_policy" "c" { policy = file("big.json") }
            """
        let read = TerraformReader.readModule(directory: directory.path, files: [(directory.appendingPathComponent("main.tf").path, module)],
                                              context: ReadContext(maxFileBytes: 1024))
        let policies = Dictionary(uniqueKeysWithValues: read.resources.map { ($0.id, $0) })
        #expect(policies["aws_iam_policy.a"]?.node("PolicyDocument")?.unknownReason == nil)
        let refused = policies["aws_iam_policy.b"]?.node("PolicyDocument")?.unknownReason ?? ""
        #expect(refused.contains("cannot be read") && refused.contains("not a regular file"), "\(refused)")
        let tooBig = policies["aws_iam_policy.c"]?.node("PolicyDocument")?.unknownReason ?? ""
        #expect(tooBig.contains("cannot be read"), "\(tooBig)")
    }
}
