import CYaml

/// Builds positioned `YAMLNode` trees from libyaml's event stream.
///
/// What it guards against, because manifests come from anywhere:
/// - syntax errors: reported with line and column; parsing resumes at the next `---` so the
///   documents after a broken one are still read;
/// - duplicate keys: reported (Kubernetes' strict decoder rejects them); the last value is kept;
/// - alias bombs: expansion is counted and a document over `Limits.maxNodes` is rejected;
/// - runaway nesting: a document deeper than `Limits.maxDepth` is rejected.
/// YAML 1.1 merge keys (`<<: *base`) are applied, as Kubernetes' decoder does.
public struct YAMLLoader: Sendable {
    public struct Limits: Sendable {
        /// Nodes one document may expand to, aliases included.
        public var maxNodes: Int
        public var maxDepth: Int

        public init(maxNodes: Int = 2_000_000, maxDepth: Int = 512) {
            self.maxNodes = maxNodes
            self.maxDepth = maxDepth
        }
    }

    public struct Output: Sendable {
        public var documents: [YAMLDocument]
        public var diagnostics: [Diagnostic]
    }

    public var limits: Limits
    /// Read strict JSON input with `JSONLoader` (same tree, same diagnostics, faster). Off only to
    /// compare the two roads in tests and benchmarks.
    public var jsonFastPath: Bool
    /// Read block YAML within `BlockYAMLLoader`'s reach with it (same tree, same diagnostics,
    /// faster), and the rest with libyaml. Off only to compare the two roads in tests and benchmarks.
    public var blockFastPath: Bool
    /// Keep the local tag of a mapping or list (`!If [...]`, `!Sub [...]` in a CloudFormation
    /// template) by wrapping the node in a one-pair mapping `{"!If": [...]}`, the way
    /// CloudFormation's own long form (`{"Fn::If": [...]}`) writes it. A scalar's tag is always
    /// kept in `YAMLScalar.tag`. Off for Kubernetes manifests, whose decoder ignores such tags.
    public var wrapsLocalTags: Bool

    public init(limits: Limits = Limits(), jsonFastPath: Bool = true, blockFastPath: Bool = true, wrapsLocalTags: Bool = false) {
        self.limits = limits
        self.jsonFastPath = jsonFastPath
        self.blockFastPath = blockFastPath
        self.wrapsLocalTags = wrapsLocalTags
    }

    public func load(_ text: String, file: String) -> Output {
        var text = text
        return text.withUTF8 { load(bytes: $0, file: file) }
    }

    public func load(bytes: UnsafeBufferPointer<UInt8>, file: String) -> Output {
        // Strict JSON takes a faster road to the same tree; anything else (and every error) is
        // left to libyaml, so diagnostics do not depend on which road was tried.
        if jsonFastPath, JSONLoader.looksLikeJSON(bytes), let output = JSONLoader.load(bytes: bytes, file: file, limits: limits) {
            return output
        }
        // Block YAML (what manifests are written in) has its own road; anything it does not read,
        // errors included, goes to libyaml below.
        if blockFastPath, let output = BlockYAMLLoader.load(bytes: bytes, file: file, limits: limits) {
            return output
        }
        var output = Output(documents: [], diagnostics: [])
        var start = 0
        var lineOffset = 0
        var documentIndex = 0
        while start <= bytes.count {
            let slice = UnsafeBufferPointer(rebasing: bytes[start...])
            var pass = Pass(file: file, lineOffset: lineOffset, limits: limits, firstDocumentIndex: documentIndex)
            pass.wrapsLocalTags = wrapsLocalTags
            let failure = pass.run(slice)
            output.documents += pass.documents
            output.diagnostics += pass.diagnostics
            documentIndex = pass.nextDocumentIndex
            guard let failure else { break }
            output.diagnostics.append(failure.diagnostic)
            // Resume at the next document marker after the error, so one broken document does
            // not hide the rest of a `helm template` stream.
            guard let resume = Self.nextDocumentStart(in: slice, afterLine: failure.line0) else { break }
            lineOffset += resume.lines
            start += resume.offset
            documentIndex += 1
        }
        return output
    }

    /// Byte offset (and number of lines skipped) of the first line starting with `---` that is
    /// after line `afterLine` (0-based) of `bytes`.
    static func nextDocumentStart(in bytes: UnsafeBufferPointer<UInt8>, afterLine: Int) -> (offset: Int, lines: Int)? {
        var line = 0
        var index = 0
        let count = bytes.count
        while index < count {
            if line > afterLine, index + 2 < count,
               bytes[index] == UInt8(ascii: "-"), bytes[index + 1] == UInt8(ascii: "-"), bytes[index + 2] == UInt8(ascii: "-") {
                let after = index + 3 < count ? bytes[index + 3] : UInt8(ascii: "\n")
                if after == UInt8(ascii: "\n") || after == UInt8(ascii: " ") || after == UInt8(ascii: "\r") || after == UInt8(ascii: "\t") {
                    return (index, line)
                }
            }
            // advance to the next line
            while index < count && bytes[index] != UInt8(ascii: "\n") { index += 1 }
            index += 1
            line += 1
        }
        return nil
    }
}

private struct Failure {
    var diagnostic: Diagnostic
    /// 0-based line within the pass' slice.
    var line0: Int
}

private struct Pass {
    let file: String
    let lineOffset: Int
    let limits: YAMLLoader.Limits
    var documents: [YAMLDocument] = []
    var diagnostics: [Diagnostic] = []
    var nextDocumentIndex: Int
    var wrapsLocalTags = false

    init(file: String, lineOffset: Int, limits: YAMLLoader.Limits, firstDocumentIndex: Int) {
        self.file = file
        self.lineOffset = lineOffset
        self.limits = limits
        self.nextDocumentIndex = firstDocumentIndex
    }

    /// An open mapping or sequence. One struct for both so the top of the stack is mutated in
    /// place (an enum payload would be copied out and back on every event).
    private struct Frame {
        var isMapping: Bool
        var mark: Mark
        var anchor: String?
        /// A local tag (`!If`) to keep, when `wrapsLocalTags` is on.
        var localTag: String? = nil
        var pairs: [YAMLPair] = []
        var items: [YAMLNode] = []
        var pendingKey: String?
        var pendingKeyMark = Mark(line: 0, column: 0)
        var pendingIsMerge = false
        var keys = KeyIndex()
        var merged: [YAMLPair] = []
        var weight = 1
    }

    private var stack: [Frame] = []
    private var anchors: [String: YAMLNode] = [:]
    private var documentRoot: YAMLNode?
    private var documentWeight = 0
    private var documentFailed = false

    private func mark(_ raw: yaml_mark_t) -> Mark {
        Mark(line: Int(raw.line) + 1 + lineOffset, column: Int(raw.column) + 1)
    }

    mutating func run(_ bytes: UnsafeBufferPointer<UInt8>) -> Failure? {
        var parser = yaml_parser_t()
        guard yaml_parser_initialize(&parser) == 1 else {
            return Failure(diagnostic: Diagnostic(file: file, message: "could not initialise the YAML parser"), line0: 0)
        }
        defer { yaml_parser_delete(&parser) }
        yaml_parser_set_input_string(&parser, bytes.baseAddress, bytes.count)
        // Manifests are UTF-8; saying so skips libyaml's encoding detection (a UTF-8 BOM is still accepted).
        yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)

        var event = yaml_event_t()
        while true {
            guard yaml_parser_parse(&parser, &event) == 1 else {
                return parserFailure(parser)
            }
            let type = event.type
            if type == YAML_STREAM_END_EVENT {
                yaml_event_delete(&event)
                return nil
            }
            handle(&event)
            yaml_event_delete(&event)
        }
    }

    private func parserFailure(_ parser: yaml_parser_t) -> Failure {
        let problem = parser.problem.map { String(cString: $0) } ?? "malformed input"
        var message = "YAML syntax error: \(problem)"
        if let context = parser.context.map({ String(cString: $0) }) {
            message += " (\(context) at line \(Int(parser.context_mark.line) + 1 + lineOffset), column \(Int(parser.context_mark.column) + 1))"
        }
        let at = mark(parser.problem_mark)
        return Failure(
            diagnostic: Diagnostic(file: file, line: at.line, column: at.column, message: message),
            line0: Int(parser.problem_mark.line)
        )
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    private mutating func handle(_ event: inout yaml_event_t) {
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            stack.removeAll(keepingCapacity: true)
            anchors.removeAll()
            documentRoot = nil
            documentWeight = 0
            documentFailed = false
        case YAML_DOCUMENT_END_EVENT:
            if let root = documentRoot, !documentFailed {
                documents.append(YAMLDocument(root: root, index: nextDocumentIndex))
            }
            nextDocumentIndex += 1
            documentRoot = nil
        case YAML_SCALAR_EVENT:
            guard !documentFailed else { return }
            let data = event.data.scalar
            let value = String(decoding: UnsafeBufferPointer(start: data.value, count: Int(data.length)), as: UTF8.self)
            let style: YAMLScalar.Style
            switch data.style {
            case YAML_PLAIN_SCALAR_STYLE: style = .plain
            case YAML_LITERAL_SCALAR_STYLE, YAML_FOLDED_SCALAR_STYLE: style = .block
            default: style = .quoted
            }
            var tag = Self.string(data.tag)
            if tag == "!" { tag = nil }
            let node = YAMLNode(.scalar(YAMLScalar(value: value, style: style, tag: tag)), mark: mark(event.start_mark))
            if let anchor = Self.string(data.anchor) { anchors[anchor] = node }
            add(node, isPlainKeyCandidate: style == .plain, expands: 1)
        case YAML_ALIAS_EVENT:
            guard !documentFailed else { return }
            let name = Self.string(event.data.alias.anchor) ?? ""
            let at = mark(event.start_mark)
            guard var node = anchors[name] else {
                fail(at, "unknown alias *\(name)")
                return
            }
            node.mark = at
            add(node, isPlainKeyCandidate: false, expands: node.weight)
        case YAML_MAPPING_START_EVENT:
            guard !documentFailed else { return }
            guard stack.count < limits.maxDepth else {
                fail(mark(event.start_mark), "document nested deeper than \(limits.maxDepth) levels")
                return
            }
            stack.append(Frame(isMapping: true, mark: mark(event.start_mark), anchor: Self.string(event.data.mapping_start.anchor),
                               localTag: localTag(event.data.mapping_start.tag)))
        case YAML_SEQUENCE_START_EVENT:
            guard !documentFailed else { return }
            guard stack.count < limits.maxDepth else {
                fail(mark(event.start_mark), "document nested deeper than \(limits.maxDepth) levels")
                return
            }
            stack.append(Frame(isMapping: false, mark: mark(event.start_mark), anchor: Self.string(event.data.sequence_start.anchor),
                               localTag: localTag(event.data.sequence_start.tag)))
        case YAML_MAPPING_END_EVENT:
            guard !documentFailed, var frame = stack.popLast(), frame.isMapping else { return }
            if !frame.merged.isEmpty {
                // Merge keys: keys written in the mapping itself win over merged ones.
                var present = Set(frame.pairs.map(\.key))
                for pair in frame.merged where !present.contains(pair.key) {
                    frame.pairs.append(pair)
                    present.insert(pair.key)
                }
            }
            let node = wrapped(YAMLNode(.mapping(frame.pairs), mark: frame.mark, weight: frame.weight), in: frame.localTag)
            if let anchor = frame.anchor { anchors[anchor] = node }
            add(node, isPlainKeyCandidate: false, expands: 1)
        case YAML_SEQUENCE_END_EVENT:
            guard !documentFailed, let frame = stack.popLast(), !frame.isMapping else { return }
            let node = wrapped(YAMLNode(.sequence(frame.items), mark: frame.mark, weight: frame.weight), in: frame.localTag)
            if let anchor = frame.anchor { anchors[anchor] = node }
            add(node, isPlainKeyCandidate: false, expands: 1)
        default:
            break
        }
    }

    private func localTag(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        guard wrapsLocalTags, let tag = Self.string(pointer), tag.hasPrefix("!"), tag != "!" else { return nil }
        return tag
    }

    private func wrapped(_ node: YAMLNode, in tag: String?) -> YAMLNode {
        guard let tag else { return node }
        return YAMLNode(.mapping([YAMLPair(key: tag, keyMark: node.mark, value: node)]), mark: node.mark, weight: node.weight + 1)
    }

    private mutating func fail(_ at: Mark, _ message: String) {
        diagnostics.append(Diagnostic(file: file, line: at.line, column: at.column, message: message))
        documentFailed = true
        stack.removeAll()
    }

    /// `expands`: how many nodes this event adds to the expanded document (1, or an alias' whole subtree).
    private mutating func add(_ node: YAMLNode, isPlainKeyCandidate: Bool, expands: Int) {
        documentWeight += expands
        if documentWeight > limits.maxNodes {
            fail(node.mark, "document expands to more than \(limits.maxNodes) nodes (alias expansion limit; a \"billion laughs\" alias bomb?)")
            return
        }
        guard !stack.isEmpty else {
            documentRoot = node
            return
        }
        let top = stack.count - 1
        stack[top].weight += node.weight
        guard stack[top].isMapping else {
            stack[top].items.append(node)
            return
        }
        guard let key = stack[top].pendingKey else {
            let key: String
            switch node.content {
            case .scalar(let scalar): key = scalar.value
            case .mapping, .sequence: key = "<complex key>"
            }
            stack[top].weight -= node.weight // a key is not part of the value's weight
            stack[top].pendingKey = key
            stack[top].pendingKeyMark = node.mark
            stack[top].pendingIsMerge = isPlainKeyCandidate && key == "<<"
            return
        }
        let keyMark = stack[top].pendingKeyMark
        stack[top].pendingKey = nil
        if stack[top].pendingIsMerge {
            if let problem = Self.merge(node, into: &stack[top], file: file) { diagnostics.append(problem) }
            return
        }
        if let problem = stack[top].keys.duplicate(key, at: keyMark, among: stack[top].pairs, file: file) {
            diagnostics.append(problem)
        }
        stack[top].pairs.append(YAMLPair(key: key, keyMark: keyMark, value: node))
    }

    private static func merge(_ node: YAMLNode, into frame: inout Frame, file: String) -> Diagnostic? {
        switch node.content {
        case .mapping(let pairs):
            for pair in pairs where !frame.merged.contains(where: { $0.key == pair.key }) {
                frame.merged.append(pair)
            }
            return nil
        case .sequence(let items):
            for item in items {
                if let problem = merge(item, into: &frame, file: file) { return problem }
            }
            return nil
        case .scalar:
            return Diagnostic(file: file, line: node.mark.line, column: node.mark.column, field: "<<",
                              message: "merge key \"<<\" needs a mapping or a list of mappings")
        }
    }
}

/// Finds duplicate keys of a mapping as it is built: a linear scan while the mapping is small,
/// a dictionary once it grows. Shared by `YAMLLoader` and `JSONLoader`, which report duplicates
/// alike (Kubernetes' strict decoder rejects them; the last value is used).
struct KeyIndex {
    private static let linearScanLimit = 16
    /// Keys seen so far, only once a mapping grows past `linearScanLimit` pairs.
    private var seen: [String: Mark]?

    /// The diagnostic for `key` when it is already among `pairs` (the pairs added so far); records it otherwise.
    mutating func duplicate(_ key: String, at keyMark: Mark, among pairs: [YAMLPair], file: String) -> Diagnostic? {
        let first: Mark?
        if seen != nil {
            first = seen?[key]
            if first == nil { seen?[key] = keyMark }
        } else {
            first = pairs.first { $0.key == key }?.keyMark
            if first == nil && pairs.count >= Self.linearScanLimit {
                var index: [String: Mark] = [:]
                for pair in pairs where index[pair.key] == nil { index[pair.key] = pair.keyMark }
                index[key] = keyMark
                seen = index
            }
        }
        guard let first else { return nil }
        return Diagnostic(file: file, line: keyMark.line, column: keyMark.column, field: key,
                          message: "duplicate key \"\(key)\" (first defined at line \(first.line)); the last value is used")
    }
}
