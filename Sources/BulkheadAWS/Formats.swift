import BulkheadCore
import Foundation

/// AWS resources read from one unit of input (a template, a Terraform module or plan, an account
/// region), and what could not be read there (a service whose API failed): the model the AWS
/// formats and the live-account source give the engine, and the AWS suite judges.
public struct AWSResourceSet: InputModel {
    public var resources: [AWSResource]
    public var gaps: [AWSCoverageGap]

    public init(resources: [AWSResource], gaps: [AWSCoverageGap] = []) {
        self.resources = resources
        self.gaps = gaps
    }
}

/// Resource types a source could not read in one place, and why: the checks of those types are
/// "not assessed" there, never a pass.
public struct AWSCoverageGap: Sendable {
    public var types: Set<String>
    public var reason: String
    public var location: SourceLocation
    public var ref: ResourceRef

    public init(types: Set<String>, reason: String, location: SourceLocation, ref: ResourceRef) {
        self.types = types
        self.reason = reason
        self.location = location
        self.ref = ref
    }
}

/// How CloudFormation is recognised.
public enum CloudFormation {
    /// A mapping with `AWSTemplateFormatVersion`, or whose `Resources` hold `Type: AWS::...` entries.
    public static func isTemplate(_ node: YAMLNode) -> Bool {
        guard node.isMapping else { return false }
        if node["AWSTemplateFormatVersion"] != nil { return true }
        guard let resources = node["Resources"]?.pairs, !resources.isEmpty, node["kind"] == nil else { return false }
        return resources.contains { $0.value["Type"]?.string?.hasPrefix("AWS::") == true }
    }
}

/// A CloudFormation template (YAML or JSON): one document, its resources resolved together with
/// its parameters and conditions.
public struct CloudFormationFormat: InputFormat {
    public init() {}
    public var name: String { "CloudFormation template" }

    /// `!If [...]`, `!Sub [...]` keep their tag when the file names an AWS type at all: decided from
    /// the bytes, so a template is parsed once.
    public func keepsLocalTags(file: String, bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        ByteSearch.contains(bytes, "AWS::")
    }

    public func claims(document: YAMLNode) -> Bool { CloudFormation.isTemplate(document) }

    public func read(document: YAMLDocument, file: String, context: ReadContext) -> InputRead {
        let read = CloudFormationReader.read(document.root, file: file)
        return InputRead(models: [AWSResourceSet(resources: read.resources)], diagnostics: read.diagnostics)
    }
}

/// A Terraform plan in JSON (`terraform show -json`).
public struct TerraformPlanFormat: InputFormat {
    public init() {}
    public var name: String { "Terraform plan" }

    public func claims(document: YAMLNode) -> Bool {
        document.isMapping && document["format_version"] != nil && (document["planned_values"] != nil || document["resource_changes"] != nil)
    }

    public func read(document: YAMLDocument, file: String, context: ReadContext) -> InputRead {
        let read = TerraformReader.readPlan(document.root, file: file)
        return InputRead(models: [AWSResourceSet(resources: read.resources)], diagnostics: read.diagnostics)
    }
}

/// Terraform's native syntax: each `.tf` file is parsed on its own (concurrently, with the other
/// inputs), then the files of a directory are evaluated together as one module.
public struct TerraformFormat: InputFormat {
    public init() {}
    public var name: String { "Terraform module" }
    public var fileExtensions: Set<String> { ["tf"] }

    /// One parsed `.tf` file, waiting for the rest of its module.
    struct File: InputModel {
        var name: String
        var body: HCLBody
    }

    public func claims(file: String, head: UnsafeBufferPointer<UInt8>) -> Bool { file.hasSuffix(".tf") }

    public func read(file: String, bytes: UnsafeBufferPointer<UInt8>, context: ReadContext) -> InputRead {
        switch TerraformReader.parse(String(decoding: bytes, as: UTF8.self), file: file) {
        case .success(let body): return InputRead(models: [File(name: file, body: body)], documents: 1)
        case .failure(let diagnostic): return InputRead(diagnostics: [diagnostic], documents: 1)
        }
    }

    public func assemble(_ read: inout InputRead, context: ReadContext) {
        var modules: [String: [(name: String, body: HCLBody)]] = [:]
        read.models.removeAll { model in
            guard let file = model as? File else { return false }
            modules[(file.name as NSString).deletingLastPathComponent, default: []].append((file.name, file.body))
            return true
        }
        for (directory, files) in modules.sorted(by: { $0.key < $1.key }) {
            let module = TerraformReader.readModule(directory: directory.isEmpty ? "." : directory, parsed: files, context: context)
            read.models.append(AWSResourceSet(resources: module.resources))
            read.diagnostics += module.diagnostics
        }
    }
}
