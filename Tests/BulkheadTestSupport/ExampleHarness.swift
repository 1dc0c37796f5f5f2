import BulkheadCore

/// The one proof of every check's examples, for every family: the example is scanned through the
/// same `Scanner` the CLI uses; a violating example must be reported exactly where it says (its
/// `↓` markers or its field paths, each resolved in the manifest to the line and column the
/// finding must carry), each finding must be suppressible with `bulkhead.io/ignore`, and an
/// object-scoped Kubernetes check must see the violation in each object alone (as the webhook
/// judges it); a compliant example must not be reported.
public enum ExampleHarness {
    public struct Case: Sendable, CustomStringConvertible {
        public var checkID: String
        public var scope: CheckDescriptor.Scope
        public var index: Int
        public var example: CheckExample

        public var description: String { "\(checkID) example \(index + 1) (\(example.expect.rawValue))" }
    }

    public static func cases(_ registry: CheckRegistry) -> [Case] {
        registry.descriptors.flatMap { descriptor in
            descriptor.examples.enumerated().map { Case(checkID: descriptor.id, scope: descriptor.scope, index: $0.offset, example: $0.element) }
        }
    }

    /// What is wrong with the metadata of the checks (empty: nothing).
    public static func metadataProblems(_ registry: CheckRegistry) -> [String] {
        var problems: [String] = []
        let ids = registry.descriptors.map(\.id)
        if Set(ids.map { $0.lowercased() }).count != ids.count { problems.append("check IDs are not unique") }
        for descriptor in registry.descriptors {
            if !descriptor.examples.contains(where: { $0.expect == .violation }) { problems.append("\(descriptor.id) has no failing example") }
            if !descriptor.examples.contains(where: { $0.expect == .compliant }) { problems.append("\(descriptor.id) has no passing example") }
            if descriptor.title.isEmpty || descriptor.description.isEmpty || descriptor.remediation.isEmpty { problems.append("\(descriptor.id) metadata") }
            if descriptor.controls.isEmpty { problems.append("\(descriptor.id) evidences no control") }
            for control in descriptor.controls where ControlCatalog.controls[control] == nil {
                problems.append("\(descriptor.id) names unknown control \(control)")
            }
        }
        return problems
    }

    /// What is wrong with one example (empty: proven).
    public static func problems(_ testCase: Case, registry: CheckRegistry) -> [String] {
        let example = testCase.example
        let file = example.file ?? "example.yaml"
        let scanner = Scanner(registry: registry, options: example.options)
        let read = scanner.read(text: example.manifest, file: file)
        let result = scanner.scan(read)
        var problems: [String] = []
        if !result.errors.isEmpty { problems.append("the example is not valid input: \(result.errors)") }
        let hits = result.findings.filter { $0.checkID == testCase.checkID }
        let unknown = result.notAssessed.filter { $0.checkID == testCase.checkID }
        if !unknown.isEmpty { problems.append("examples resolve statically, yet not assessed: \(unknown.map(\.reason))") }
        switch example.expect {
        case .compliant:
            if !hits.isEmpty { problems.append("reported: \(hits.map { "\($0.fieldPath): \($0.message)" })") }
            return problems
        case .violation:
            break
        }
        guard !hits.isEmpty else { return problems + ["not reported"] }
        if example.file != nil { return problems + fileProblems(testCase, hits: hits, registry: registry, file: file) }
        let documents = YAMLLoader(wrapsLocalTags: true).load(example.manifest, file: file).documents.map(\.root)

        // Where: the marks, or the field paths; and each finding's line and column agree with its path.
        if example.marks.isEmpty && example.at.isEmpty { problems.append("a violating example marks where its findings point (↓ or at:)") }
        if !example.marks.isEmpty {
            let found = Set(hits.map { "\($0.location.line):\($0.location.column)" })
            let marked = Set(example.marks.map(\.description))
            if found != marked { problems.append("findings at \(found.sorted()), marked at \(marked.sorted())") }
        }
        if !example.at.isEmpty, Set(hits.map(\.fieldPath)) != Set(example.at) {
            problems.append("findings at \(Set(hits.map(\.fieldPath)).sorted()), expected at \(Set(example.at).sorted())")
        }
        for hit in hits {
            if hit.location.line <= 0 || hit.fieldPath.isEmpty { problems.append("\(hit.fieldPath): no line or no field path") }
            if let problem = FieldPaths.agree(hit, documents: documents) { problems.append(problem) }
        }

        // Suppressed by bulkhead.io/ignore on the object (Kubernetes) or the resource (CloudFormation Metadata).
        let kubernetesHits = hits.filter { $0.resource.apiVersion != "aws" }
        if !kubernetesHits.isEmpty {
            var suppressed = read
            for position in suppressed.resources.indices {
                suppressed.resources[position].annotations[Suppressions.key] = "\(testCase.checkID) the example test suppresses it"
            }
            let again = scanner.scan(suppressed)
            let left = again.findings.filter { $0.checkID == testCase.checkID && $0.resource.apiVersion != "aws" }
            if !left.isEmpty { problems.append("bulkhead.io/ignore does not suppress \(left.map(\.fieldPath))") }
            if again.suppressed.filter({ $0.checkID == testCase.checkID }).count < kubernetesHits.count {
                problems.append("suppressed findings are not listed as suppressed")
            }
        }
        let cloudFormationHits = hits.filter { $0.resource.apiVersion == "aws" }
        if !cloudFormationHits.isEmpty {
            let text = FieldPaths.withMetadataSuppression(example.manifest, check: testCase.checkID)
            let again = Scanner(registry: registry, options: example.options).scan(text: text, file: file)
            let left = again.findings.filter { $0.checkID == testCase.checkID && $0.resource.apiVersion == "aws" }
            if !left.isEmpty { problems.append("Metadata bulkhead.io/ignore does not suppress \(left.map { "\($0.resource.name) \($0.fieldPath)" })") }
        }

        // An object-scoped Kubernetes check finds the violation in each object judged alone.
        if testCase.scope == .object, !kubernetesHits.isEmpty {
            let alone = read.resources.flatMap { resource in
                scanner.scan(resources: [resource]).findings.filter { $0.checkID == testCase.checkID }
            }
            if alone.isEmpty { problems.append("object scope, but the violation needs other objects (scope: .cluster?)") }
        }
        return problems
    }
}

extension ExampleHarness {
    /// An example that is not YAML (a Dockerfile): the marks, a line and field path on each finding, and
    /// suppression by a `# bulkhead.io/ignore: <check> <reason>` comment above each instruction.
    static func fileProblems(_ testCase: Case, hits: [Finding], registry: CheckRegistry, file: String) -> [String] {
        let example = testCase.example
        var problems: [String] = []
        if example.marks.isEmpty { problems.append("a violating example marks where its findings point (↓)") }
        let found = Set(hits.map { "\($0.location.line):\($0.location.column)" })
        let marked = Set(example.marks.map(\.description))
        if found != marked { problems.append("findings at \(found.sorted()), marked at \(marked.sorted())") }
        for hit in hits where hit.location.line <= 0 || hit.fieldPath.isEmpty { problems.append("\(hit.fieldPath): no line or no field path") }
        let commented = example.manifest.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let first = line.first, !first.isWhitespace, first != "#" else { return String(line) }
            return "# \(Suppressions.key): \(testCase.checkID) the example test suppresses it\n" + line
        }.joined(separator: "\n")
        let again = Scanner(registry: registry, options: example.options).scan(text: commented, file: file)
        let left = again.findings.filter { $0.checkID == testCase.checkID }
        if !left.isEmpty { problems.append("a \(Suppressions.key) comment does not suppress \(left.map(\.fieldPath))") }
        if again.suppressed.filter({ $0.checkID == testCase.checkID }).count < hits.count { problems.append("suppressed findings are not listed as suppressed") }
        return problems
    }
}

/// Field paths as findings write them (`spec.containers[0].securityContext.privileged`,
/// `metadata.annotations[eks.amazonaws.com/role-arn]`, AWS property paths under `Properties`),
/// resolved in an example's documents.
enum FieldPaths {
    enum Step: Equatable {
        case key(String)
        case index(Int)
    }

    static func steps(_ path: String) -> [Step] {
        var steps: [Step] = []
        var current = ""
        var index = path.startIndex
        while index < path.endIndex {
            let character = path[index]
            if character == "." {
                if !current.isEmpty { steps.append(.key(current)) }
                current = ""
            } else if character == "[" {
                if !current.isEmpty { steps.append(.key(current)) }
                current = ""
                guard let close = path[index...].firstIndex(of: "]") else { break }
                let inner = String(path[path.index(after: index)..<close])
                steps.append(Int(inner).map(Step.index) ?? .key(inner))
                index = close
            } else {
                current.append(character)
            }
            index = path.index(after: index)
        }
        if !current.isEmpty { steps.append(.key(current)) }
        return steps
    }

    /// The root a finding's path starts from: its Kubernetes object, or its AWS resource's
    /// properties; and the marks of the thing itself (a missing field may point at it).
    static func root(of finding: Finding, in documents: [YAMLNode]) -> (root: YAMLNode, itself: [Mark])? {
        var objects: [YAMLNode] = []
        for document in documents {
            objects.append(document)
            objects += document["items"]?.items ?? []
        }
        if finding.resource.apiVersion == "aws" {
            for document in documents {
                if let pair = document["Resources"]?.pair(finding.resource.name) {
                    let properties = pair.value["Properties"] ?? pair.value
                    return (properties, [pair.keyMark, pair.value.mark, properties.mark])
                }
            }
            return nil
        }
        return objects.first { $0["kind"]?.string == finding.resource.kind && ($0["metadata"]?["name"]?.string ?? "") == finding.resource.name }
            .map { ($0, [$0.mark]) }
    }

    /// Nil when the finding's line and column are where its path leads in the example (the value,
    /// its key, or, for a field that is missing, the deepest part of the path that exists or one of
    /// its parents); otherwise the disagreement.
    static func agree(_ finding: Finding, documents: [YAMLNode]) -> String? {
        guard let (root, itself) = root(of: finding, in: documents) else { return "\(finding.resource) is not in the example" }
        var node = root
        var allowed: [Mark] = itself
        var complete = true
        for step in steps(finding.fieldPath) {
            switch step {
            case .key(let key):
                if let pair = node.pair(key) {
                    allowed += [pair.keyMark, pair.value.mark]
                    node = pair.value
                } else {
                    complete = false
                }
            case .index(let position):
                if let items = node.items, items.indices.contains(position) {
                    node = items[position]
                    allowed.append(node.mark)
                } else {
                    complete = false
                }
            }
            if !complete { break }
        }
        let at = Mark(line: finding.location.line, column: finding.location.column)
        if complete {
            // The value, its key, or (a mapping or a list) anything inside it.
            if at == node.mark || allowed.suffix(2).contains(at) || contains(node, at) { return nil }
        } else if allowed.contains(at) || contains(node, at) {
            return nil
        }
        return "\(finding.fieldPath) is at \(node.mark) in the example, but the finding points at \(at)"
    }

    private static func contains(_ node: YAMLNode, _ mark: Mark) -> Bool {
        if node.mark == mark { return true }
        switch node.content {
        case .scalar: return false
        case .mapping(let pairs): return pairs.contains { $0.keyMark == mark || contains($0.value, mark) }
        case .sequence(let items): return items.contains { contains($0, mark) }
        }
    }

    /// The template with `Metadata: {bulkhead.io/ignore: ...}` on every resource (block YAML as
    /// the examples write it: each resource's `Type:` line gets a sibling).
    static func withMetadataSuppression(_ text: String, check: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.drop { $0 == " " }
            guard trimmed.hasPrefix("Type: AWS::") else { return String(line) }
            let indent = String(repeating: " ", count: line.count - trimmed.count)
            return "\(line)\n\(indent)Metadata: {\"\(Suppressions.key)\": \"\(check) the example test suppresses it\"}"
        }.joined(separator: "\n")
    }
}
