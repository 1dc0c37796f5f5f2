/// How inputs enter the engine. Core reads YAML and JSON into positioned trees and Kubernetes
/// objects into the shared `Inventory`; every other kind of input is a domain's business: a domain
/// registers the `InputFormat`s it reads (recognised from a file's path and first bytes, or from a
/// parsed document) and the `InputSource`s that are not files (a live account; later a cluster, an
/// image, an event stream). Both produce an `InputRead`: Kubernetes objects for the inventory and
/// the domain's own typed models, which Core carries to the suites without knowing their type.
/// Suites only judge: no check suite parses or opens a file.

/// A domain's typed model of something read (the AWS resources of a template, of a Terraform
/// module, of an account). Core holds it; only the domain that made it looks inside.
public protocol InputModel: Sendable {}

/// What reading one input (or one source) produced.
public struct InputRead: Sendable {
    public var resources: [Resource]
    public var models: [any InputModel]
    public var diagnostics: [Diagnostic]
    /// Documents (or files, for formats without documents) read.
    public var documents: Int
    /// Documents no format recognised and that are not Kubernetes objects (a values file).
    public var notObjects: Int

    public init(resources: [Resource] = [], models: [any InputModel] = [], diagnostics: [Diagnostic] = [], documents: Int = 0, notObjects: Int = 0) {
        self.resources = resources
        self.models = models
        self.diagnostics = diagnostics
        self.documents = documents
        self.notObjects = notObjects
    }

    public mutating func merge(_ other: InputRead) {
        resources += other.resources
        models += other.models
        diagnostics += other.diagnostics
        documents += other.documents
        notObjects += other.notObjects
    }
}

/// What a reader may use besides the bytes it was given: the guarded reader for files an input
/// names (a Terraform module's `terraform.tfvars`, `file("policy.json")`), with the scan's size cap.
public struct ReadContext: Sendable {
    public var maxFileBytes: Int

    public init(maxFileBytes: Int = SourceReader.defaultMaxBytes) {
        self.maxFileBytes = maxFileBytes
    }

    /// Reads a file through the same guard as every input: size cap, FIFOs and devices refused,
    /// binary content refused, each with a diagnostic naming the file.
    public func read(_ path: String) -> Result<[UInt8], Diagnostic> {
        SourceReader.read(.file(path), maxBytes: maxFileBytes)
    }

    public func readText(_ path: String) -> Result<String, Diagnostic> {
        read(path).map { String(decoding: $0, as: UTF8.self) }
    }
}

/// A file format a domain reads. Either the whole file is the format's (Terraform's `.tf`:
/// `claims(file:head:)` and `read(file:bytes:context:)`), or the file is YAML/JSON and some of its
/// documents are the format's (a CloudFormation template, a Terraform plan: `claims(document:)`
/// and `read(document:file:context:)`). `assemble` runs once every input is read, for formats
/// whose unit is bigger than a file (the `.tf` files of a directory are one module).
public protocol InputFormat: Sendable {
    /// Shown in listings and diagnostics: "CloudFormation template", "Terraform module".
    var name: String { get }
    /// File extensions a directory walk picks up for this format (without the dot).
    var fileExtensions: Set<String> { get }
    /// Whether a directory walk picks up a file of this name whatever its extension (`Dockerfile`,
    /// `Dockerfile.dev`); the format then claims it by `claims(file:head:)`.
    func picks(fileName: String) -> Bool
    /// Whether the whole file is this format's, from its path and its first bytes.
    func claims(file: String, head: UnsafeBufferPointer<UInt8>) -> Bool
    /// Reads a file this format claimed.
    func read(file: String, bytes: UnsafeBufferPointer<UInt8>, context: ReadContext) -> InputRead
    /// For a YAML file: whether the local tags of mappings and lists (`!If [...]`) must be kept,
    /// decided from the bytes before the one parse.
    func keepsLocalTags(file: String, bytes: UnsafeBufferPointer<UInt8>) -> Bool
    /// Whether a parsed YAML/JSON document is this format's rather than Kubernetes objects.
    func claims(document: YAMLNode) -> Bool
    /// Reads a document this format claimed.
    func read(document: YAMLDocument, file: String, context: ReadContext) -> InputRead
    /// After every input is read: replaces this format's per-file models by the units they form.
    func assemble(_ read: inout InputRead, context: ReadContext)
}

extension InputFormat {
    public var fileExtensions: Set<String> { [] }
    public func picks(fileName: String) -> Bool { false }
    public func claims(file: String, head: UnsafeBufferPointer<UInt8>) -> Bool { false }
    public func read(file: String, bytes: UnsafeBufferPointer<UInt8>, context: ReadContext) -> InputRead { InputRead() }
    public func keepsLocalTags(file: String, bytes: UnsafeBufferPointer<UInt8>) -> Bool { false }
    public func claims(document: YAMLNode) -> Bool { false }
    public func read(document: YAMLDocument, file: String, context: ReadContext) -> InputRead { InputRead() }
    public func assemble(_ read: inout InputRead, context: ReadContext) {}
}

/// Something read that is not a file: a live AWS account now; a cluster, an image, an event stream
/// later. What it could not read it says in its models (so the checks report "not assessed") or
/// as diagnostics; it throws only when nothing at all can be read (no credentials).
public protocol InputSource: Sendable {
    /// "aws://123456789012" — shown in reports as where the source's findings come from.
    var name: String { get }
    func read(context: ReadContext) async throws -> InputRead
}

/// The domain models of a scan, for the suites.
public struct InputModels: Sendable {
    public let all: [any InputModel]

    public init(_ all: [any InputModel]) {
        self.all = all
    }

    public func of<Model: InputModel>(_ type: Model.Type) -> [Model] {
        all.compactMap { $0 as? Model }
    }
}

/// Finds "needle" in bytes (format recognition from first bytes).
public enum ByteSearch {
    public static func contains(_ bytes: UnsafeBufferPointer<UInt8>, _ needle: String, within limit: Int = .max) -> Bool {
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty else { return true }
        return firstIndex(of: pattern, in: UnsafeBufferPointer(rebasing: bytes[0..<min(bytes.count, limit)])) != nil
    }

    /// Where `pattern` first occurs in `bytes` (a plain byte search: format sniffing, binary headers).
    public static func firstIndex(of pattern: [UInt8], in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let first = pattern.first else { return 0 }
        let end = bytes.count - pattern.count
        guard end >= 0 else { return nil }
        var index = 0
        while index <= end {
            if bytes[index] == first {
                var matched = 1
                while matched < pattern.count && bytes[index + matched] == pattern[matched] { matched += 1 }
                if matched == pattern.count { return index }
            }
            index += 1
        }
        return nil
    }
}
