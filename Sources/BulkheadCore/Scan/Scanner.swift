import Crypto
import Foundation

/// Runs the whole flow: inputs → documents → resources → checks → findings, then applies
/// suppressions. Files are read and parsed concurrently, then resources are judged
/// concurrently once every Namespace of the input is known.
public struct Scanner: Sendable {
    public var registry: CheckRegistry
    public var options: ScanOptions
    public var config: BulkheadConfig?
    public var maxFileBytes: Int
    public var loader: YAMLLoader
    /// "Today" for exception expiry; injectable so tests do not depend on the clock.
    public var today: DateComponents

    public init(registry: CheckRegistry, options: ScanOptions = ScanOptions(), config: BulkheadConfig? = nil,
                maxFileBytes: Int = SourceReader.defaultMaxBytes, loader: YAMLLoader = YAMLLoader(), today: DateComponents? = nil) {
        self.registry = registry
        self.options = options
        self.config = config
        self.maxFileBytes = maxFileBytes
        self.loader = loader
        if let today {
            self.today = today
        } else {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
            self.today = calendar.dateComponents([.year, .month, .day], from: Date())
        }
    }

    private struct LoadedFile: Sendable {
        var read = InputRead()
        var bytes = 0
        var input: InputDigest?
    }

    private var readContext: ReadContext { ReadContext(maxFileBytes: maxFileBytes) }

    /// Scans files (and standard input).
    public func scan(_ inputs: [ScanInput]) -> ScanResult {
        evaluate(read(inputs))
    }

    /// Scans files together with what sources (a live account) read.
    public func scan(_ inputs: [ScanInput], sourced: [InputRead]) -> ScanResult {
        evaluate(read(inputs) + sourced.map { LoadedFile(read: $0) }, sources: sourced.count)
    }

    /// A scan with what the matrix and history need besides the result: the Kubernetes
    /// inventory (for the probes) and the SHA-256 of every input.
    public struct Assessment: Sendable {
        public var result: ScanResult
        public var inventory: Inventory
        public var digests: [InputDigest]
    }

    public func assess(_ inputs: [ScanInput], sourced: [InputRead] = []) -> Assessment {
        let loaded = read(inputs, digest: true)
        var inventory = Inventory([])
        let result = evaluate(loaded + sourced.map { LoadedFile(read: $0) }, sources: sourced.count, inventory: &inventory)
        return Assessment(result: result, inventory: inventory, digests: loaded.compactMap(\.input))
    }

    private func read(_ inputs: [ScanInput], digest: Bool = false) -> [LoadedFile] {
        ConcurrentMap.map(inputs) { input -> LoadedFile in
            switch SourceReader.read(input, maxBytes: maxFileBytes) {
            case .failure(let diagnostic):
                return LoadedFile(read: InputRead(diagnostics: [diagnostic]))
            case .success(let bytes):
                return bytes.withUnsafeBufferPointer { load($0, file: input.displayName, digest: digest) }
            }
        }
    }

    /// Reads the inputs into an inventory without judging them (for `rbac` and `netpol` queries).
    public func inventory(_ inputs: [ScanInput]) -> (Inventory, [Diagnostic]) {
        let (inventory, diagnostics, _) = inventoryWithDigests(inputs)
        return (inventory, diagnostics)
    }

    /// The inventory and the SHA-256 of every input (for the matrix and its history).
    public func inventoryWithDigests(_ inputs: [ScanInput]) -> (Inventory, [Diagnostic], [InputDigest]) {
        let loaded = read(inputs, digest: true)
        return (Inventory(loaded.flatMap(\.read.resources)), loaded.flatMap(\.read.diagnostics), loaded.compactMap(\.input))
    }

    /// Scans text already in memory (examples, tests, an admission request's object).
    public func scan(text: String, file: String) -> ScanResult {
        var text = text
        let loaded = text.withUTF8 { load($0, file: file) }
        return evaluate([loaded])
    }

    /// Reads text without judging it (to change what was read before `scan(_:)`: tests, tools).
    public func read(text: String, file: String) -> InputRead {
        var text = text
        return text.withUTF8 { load($0, file: file) }.read
    }

    /// Judges what was read (by `read(text:file:)`, a source, a test).
    public func scan(_ read: InputRead) -> ScanResult {
        evaluate([LoadedFile(read: read)])
    }

    /// Judges resources that were read elsewhere.
    public func scan(resources: [Resource]) -> ScanResult {
        evaluate([LoadedFile(read: InputRead(resources: resources))], files: false)
    }

    /// One input: a format that claims the whole file reads it; otherwise it is parsed once as
    /// YAML/JSON and each document goes to the format that claims it, or is read as Kubernetes objects.
    private func load(_ bytes: UnsafeBufferPointer<UInt8>, file: String, digest: Bool = false) -> LoadedFile {
        var loaded = LoadedFile(bytes: bytes.count)
        if digest { loaded.input = Self.digest(bytes, file: file) }
        let formats = registry.formats
        if let format = formats.first(where: { $0.claims(file: file, head: bytes) }) {
            loaded.read = format.read(file: file, bytes: bytes, context: readContext)
            return loaded
        }
        var loader = self.loader
        if !loader.wrapsLocalTags, formats.contains(where: { $0.keepsLocalTags(file: file, bytes: bytes) }) {
            loader.wrapsLocalTags = true
        }
        let parsed = loader.load(bytes: bytes, file: file)
        var objects = ResourceExtractor.Output()
        loaded.read.diagnostics = parsed.diagnostics
        loaded.read.documents = parsed.documents.count
        for document in parsed.documents {
            if document.root.isMapping, let format = formats.first(where: { $0.claims(document: document.root) }) {
                var read = format.read(document: document, file: file, context: readContext)
                read.documents = 0
                loaded.read.merge(read)
            } else {
                ResourceExtractor.extract(document, file: file, into: &objects)
            }
        }
        loaded.read.resources += objects.resources
        loaded.read.diagnostics += objects.diagnostics
        loaded.read.notObjects += objects.notObjects
        return loaded
    }

    private static func digest(_ bytes: UnsafeBufferPointer<UInt8>, file: String) -> InputDigest {
        InputDigest(name: file, sha256: SHA256.hash(data: UnsafeRawBufferPointer(bytes)).map { String(format: "%02x", $0) }.joined())
    }

    private func evaluate(_ files: [LoadedFile], sources: Int = 0, files counted: Bool = true) -> ScanResult {
        var inventory = Inventory([])
        return evaluate(files, sources: sources, files: counted, inventory: &inventory)
    }

    private func evaluate(_ files: [LoadedFile], sources: Int, files counted: Bool = true, inventory kept: inout Inventory) -> ScanResult {
        var result = ScanResult()
        var read = InputRead()
        for (position, file) in files.enumerated() {
            read.merge(file.read)
            if counted && position < files.count - sources { result.stats.files += 1 }
            result.stats.bytes += file.bytes
        }
        // Formats whose unit spans files (a Terraform module) put their parts together.
        for format in registry.formats { format.assemble(&read, context: readContext) }
        result.diagnostics += read.diagnostics
        result.stats.documents = read.documents
        result.stats.notObjects = read.notObjects
        let resources = read.resources
        let inventory = Inventory(resources)
        kept = inventory
        let context = ScanContext(options: options, inventory: inventory, models: InputModels(read.models))
        var outcome = SuiteOutcome()
        for suite in registry.suites {
            outcome.merge(suite.evaluate(context))
        }
        for (index, resource) in resources.enumerated() {
            if outcome.checked.contains(index) {
                result.stats.resourcesChecked += 1
            } else {
                result.stats.skippedKinds[resource.kind, default: 0] += 1
            }
        }
        // What formats and sources read besides Kubernetes objects (the resources of a template,
        // a module, an account) counts as resources too, checked when a check examined it.
        result.stats.templateResources = outcome.templateResources
        result.stats.resources = resources.count + outcome.templateResources
        result.stats.resourcesChecked += outcome.templateResources
        result.diagnostics += outcome.diagnostics
        result.notAssessed = outcome.notAssessed
        result.subjects = outcome.subjects

        // Annotations are rare: index the resources (and the subjects) that carry one.
        var annotations: [String: AnnotationSuppression] = [:]
        for resource in resources {
            guard let value = resource.annotations[AnnotationSuppression.key] else { continue }
            let mark = resource.node["metadata"]?["annotations"]?.pair(AnnotationSuppression.key)?.keyMark ?? resource.node.mark
            let parsed = AnnotationSuppression.parse(SuppressionMarker(value: value, mark: mark, field: "metadata.annotations.\(AnnotationSuppression.key)"),
                                                     file: resource.file)
            annotations[AnnotationSuppression.identity(resource.file, resource.ref)] = parsed
            if let problem = parsed.problem { result.diagnostics.append(problem) }
        }
        for subject in outcome.subjects {
            guard let marker = subject.suppression else { continue }
            let parsed = AnnotationSuppression.parse(marker, file: subject.location.file)
            annotations[AnnotationSuppression.identity(subject.location.file, subject.resource)] = parsed
            if let problem = parsed.problem { result.diagnostics.append(problem) }
        }
        var expiredMatches: [Int: Int] = [:]
        // Suppressions are marked in place; the findings are copied apart only when some are
        // suppressed (a finding holds a dozen strings: tens of thousands are not copied for nothing).
        var findings = outcome.findings
        var anySuppressed = false
        if !annotations.isEmpty || config != nil {
            for position in findings.indices {
                let finding = findings[position]
                if !annotations.isEmpty,
                   let annotation = annotations[AnnotationSuppression.identity(finding.location.file, finding.resource)],
                   let suppression = annotation.suppression(for: finding.checkID) {
                    findings[position].suppression = suppression
                    anySuppressed = true
                } else if config != nil {
                    if let (_, exception) = matchingException(finding, expired: false) {
                        findings[position].suppression = Suppression(source: .config, reason: exception.reason, expires: exception.expires)
                        anySuppressed = true
                    } else if let (index, _) = matchingException(finding, expired: true) {
                        expiredMatches[index, default: 0] += 1
                    }
                }
            }
        }
        if anySuppressed {
            result.findings = findings.filter { $0.suppression == nil }
            result.suppressed = findings.filter { $0.suppression != nil }
        } else {
            result.findings = findings
        }
        if let config {
            for (index, exception) in config.exceptions.enumerated() where exception.isExpired(today: today) {
                result.expiredExceptions.append(ExpiredException(
                    file: exception.file, line: exception.line, checks: exception.checks, reason: exception.reason,
                    expires: exception.expires ?? "", findings: expiredMatches[index] ?? 0))
            }
        }
        return result
    }

    private func matchingException(_ finding: Finding, expired: Bool) -> (Int, ConfigException)? {
        guard let config else { return nil }
        let base = (config.file as NSString).deletingLastPathComponent
        var relative = finding.location.file
        if !base.isEmpty, relative.hasPrefix(base + "/") { relative = String(relative.dropFirst(base.count + 1)) }
        if relative.hasPrefix("./") { relative = String(relative.dropFirst(2)) }
        for (index, exception) in config.exceptions.enumerated()
        where exception.isExpired(today: today) == expired && exception.matches(finding, relativePath: relative) {
            return (index, exception)
        }
        return nil
    }
}

/// An input and the SHA-256 of its bytes.
public struct InputDigest: Sendable, Hashable, Codable {
    public var name: String
    public var sha256: String

    /// One digest for a set of inputs, independent of their order.
    public static func combined(_ inputs: [InputDigest]) -> String {
        let text = inputs.sorted { $0.name < $1.name }.map { "\($0.name)\u{0}\($0.sha256)\n" }.joined()
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// `bulkhead.io/ignore: "privileged,hostPathVolumes node agent needs the host"` on a resource.
struct AnnotationSuppression {
    static let key = Suppressions.key

    static func identity(_ file: String, _ ref: ResourceRef) -> String {
        "\(file)\u{0}\(ref.kind)\u{0}\(ref.namespace ?? "")\u{0}\(ref.name)"
    }

    var checks: [String]
    var reason: String
    var problem: Diagnostic?

    static func parse(_ marker: SuppressionMarker, file: String) -> AnnotationSuppression {
        let trimmed = marker.value.trimmingCharacters(in: .whitespacesAndNewlines)
        let head = trimmed.prefix { !$0.isWhitespace }
        let reason = trimmed.dropFirst(head.count).trimmingCharacters(in: .whitespacesAndNewlines)
        let checks = head.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        var problem: Diagnostic?
        if checks.isEmpty {
            problem = Diagnostic(file: file, line: marker.mark.line, column: marker.mark.column, field: marker.field,
                                 message: "names no check; write \"CHECK_ID[,CHECK_ID] reason\"")
        } else if reason.isEmpty {
            problem = Diagnostic(level: .warning, file: file, line: marker.mark.line, column: marker.mark.column,
                                 field: marker.field, message: "gives no reason; write \"CHECK_ID[,CHECK_ID] reason\"")
        }
        return AnnotationSuppression(checks: checks, reason: reason.isEmpty ? "(no reason given)" : reason, problem: problem)
    }

    func suppression(for checkID: String) -> Suppression? {
        guard checks.contains(where: { $0 == "*" || $0.lowercased() == checkID.lowercased() }) else { return nil }
        return Suppression(source: .annotation, reason: reason)
    }
}

/// Order-preserving parallel map over the machine's cores.
public enum ConcurrentMap {
    /// Read once: Foundation works it out from the cgroup files on every call.
    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    public static func map<Input: Sendable, Output: Sendable>(_ inputs: [Input], minimumChunk: Int = 1,
                                                        _ transform: @Sendable (Input) -> Output) -> [Output] {
        if inputs.count <= minimumChunk || cores == 1 {
            return inputs.map(transform)
        }
        let chunks = min(inputs.count, cores * 4)
        let results = Locked<[Output?]>(Array(repeating: nil, count: inputs.count))
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            var index = chunk
            while index < inputs.count {
                let output = transform(inputs[index])
                results.withLock { $0[index] = output }
                index += chunks
            }
        }
        return results.withLock { $0.compactMap { $0 } }
    }
}
