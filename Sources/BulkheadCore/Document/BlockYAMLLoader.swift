/// Builds the same positioned `YAMLNode` tree as `YAMLLoader`'s libyaml road from the block YAML
/// that manifests are written in (what `kubectl`, Helm and Kustomize print, and what people
/// write by hand), about twice as fast: libyaml tokenizes every scalar into a heap buffer and
/// builds events before a tree is made; this reads the bytes once.
///
/// It reads a deliberately small part of YAML: block mappings and sequences (indentless and
/// compact ones included), one-line plain, single- and double-quoted scalars, literal and folded
/// block scalars, one-line flow collections of scalars, comments and `---` document markers. It
/// gives up (returns nil) on everything else and on every error — anchors, aliases, tags,
/// directives, merge keys, multi-line flow scalars, tabs outside quoted and block scalars, carriage
/// returns, control characters, invalid UTF-8, anything libyaml would refuse — and `YAMLLoader` then
/// reads the input through libyaml, so no result and no diagnostic depends on which road was
/// taken. Marks follow libyaml's: 1-based lines and columns counted in characters; an empty value
/// is placed where libyaml places it (just after its `:` or `-`; for an empty document, at the
/// next document marker or the end of the stream).
package struct BlockYAMLLoader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let file: String
    private let limits: YAMLLoader.Limits
    /// Every byte is ASCII: a column is a byte offset from the start of the line.
    private let ascii: Bool
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var columns = ColumnCounter()
    private var depth = 0
    private var nodes = 0
    private(set) var diagnostics: [Diagnostic] = []

    private struct GiveUp: Error {}

    private static let space = UInt8(ascii: " ")
    private static let newline = UInt8(ascii: "\n")
    private static let tab = UInt8(ascii: "\t")
    /// Deeper documents are left to libyaml, which applies `Limits.maxDepth` with its message.
    private static let maxDepth = 128
    /// libyaml refuses a simple key longer than 1024 characters.
    private static let maxKeyLength = 1000

    private init(bytes: UnsafeBufferPointer<UInt8>, file: String, limits: YAMLLoader.Limits, ascii: Bool) {
        self.bytes = bytes
        self.file = file
        self.limits = limits
        self.ascii = ascii
    }

    /// The documents, or nil when the input is outside what this loader reads.
    package static func load(bytes: UnsafeBufferPointer<UInt8>, file: String, limits: YAMLLoader.Limits) -> YAMLLoader.Output? {
        guard let ascii = screen(bytes) else { return nil }
        var loader = BlockYAMLLoader(bytes: bytes, file: file, limits: limits, ascii: ascii)
        do {
            let documents = try loader.stream()
            return YAMLLoader.Output(documents: documents, diagnostics: loader.diagnostics)
        } catch {
            return nil
        }
    }

    /// Whether the input is all ASCII (true), valid UTF-8 with some non-ASCII (false), or holds
    /// something libyaml treats specially or refuses (nil): control characters other than tab
    /// and line feed, carriage returns, byte order marks, invalid UTF-8, the Unicode line breaks
    /// NEL, LS and PS, and non-characters.
    private static func screen(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool? {
        var ascii = true
        for byte in bytes {
            if byte >= 0x80 {
                ascii = false
            } else if byte < 0x20 ? (byte != newline && byte != tab) : byte == 0x7F {
                return nil
            }
        }
        if ascii { return true }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if LibyamlCharacters.isSpecial(scalar.value) { return nil }
            case .emptyInput:
                return false
            case .error:
                return nil
            }
        }
    }

    // MARK: Positions

    @inline(__always) private func byte(_ at: Int) -> UInt8 {
        at < bytes.count ? bytes[at] : 0
    }

    /// A space, a line break or the end of the input. A tab there is left to libyaml.
    @inline(__always) private func isBlankOrEnd(_ at: Int) throws(GiveUp) -> Bool {
        let next = byte(at)
        if next == Self.tab { throw GiveUp() }
        return next == Self.space || next == Self.newline || next == 0
    }

    /// 0-based column of byte `at` on the current line, in characters.
    private mutating func column(_ at: Int) -> Int {
        ascii ? at - lineStart : columns.column(of: at, lineStart: lineStart, in: bytes)
    }

    private mutating func mark(_ at: Int) -> Mark {
        Mark(line: line, column: column(at) + 1)
    }

    /// libyaml's mark for the end of the stream: a new line is forced when the last one is not empty.
    private var endMark: Mark {
        Mark(line: lineStart < bytes.count ? line + 1 : line, column: 1)
    }

    private var atEnd: Bool { index >= bytes.count }

    /// `---` or `...` at the start of a line, followed by a blank or the end.
    private func isDocumentMarker(_ at: Int) -> Bool {
        guard at == lineStart, at + 2 < bytes.count else { return false }
        let first = bytes[at]
        guard first == UInt8(ascii: "-") || first == UInt8(ascii: ".") else { return false }
        guard bytes[at + 1] == first, bytes[at + 2] == first else { return false }
        let after = byte(at + 3)
        return after == Self.space || after == Self.newline || after == 0 || after == Self.tab
    }

    /// Skips spaces, comments and line breaks up to the next content or the end.
    private mutating func skipToContent() throws(GiveUp) {
        while index < bytes.count {
            switch bytes[index] {
            case Self.space:
                index += 1
            case Self.newline:
                index += 1
                line += 1
                lineStart = index
            case UInt8(ascii: "#"):
                while index < bytes.count, bytes[index] != Self.newline { index += 1 }
            default:
                if bytes[index] == Self.tab { throw GiveUp() }
                return
            }
        }
    }

    /// After a value written on its line: only spaces and a comment may follow it on that line.
    private mutating func finishLine() throws(GiveUp) {
        let valueLine = line
        try skipToContent()
        if !atEnd && line == valueLine { throw GiveUp() }
    }

    private mutating func skipSpaces() throws(GiveUp) {
        while byte(index) == Self.space { index += 1 }
        if byte(index) == Self.tab { throw GiveUp() }
    }

    /// Every node and every key counts towards `Limits.maxNodes`, as on the libyaml road.
    private mutating func tally() throws(GiveUp) {
        nodes += 1
        guard nodes <= limits.maxNodes else { throw GiveUp() }
    }

    private mutating func counted(_ node: YAMLNode) throws(GiveUp) -> YAMLNode {
        try tally()
        return node
    }

    private mutating func scalar(_ value: String, _ style: YAMLScalar.Style, at: Mark) throws(GiveUp) -> YAMLNode {
        try counted(YAMLNode(.scalar(YAMLScalar(value: value, style: style)), mark: at))
    }

    private mutating func empty(at: Mark) throws(GiveUp) -> YAMLNode {
        try scalar("", .plain, at: at)
    }

    private func text(_ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
    }

    // MARK: Documents

    private mutating func stream() throws(GiveUp) -> [YAMLDocument] {
        var documents: [YAMLDocument] = []
        try skipToContent()
        while true {
            var explicit = false
            if !atEnd, isDocumentMarker(index) {
                guard bytes[index] == UInt8(ascii: "-") else { throw GiveUp() }
                index += 3
                explicit = true
                try finishLine()
            } else if atEnd {
                break
            } else if !documents.isEmpty {
                throw GiveUp()
            }
            if !atEnd, byte(index) == UInt8(ascii: "%"), index == lineStart { throw GiveUp() }
            let root: YAMLNode
            if atEnd || isDocumentMarker(index) {
                guard explicit else { break }
                root = try empty(at: atEnd ? endMark : mark(index))
            } else {
                root = try node(parentIndent: -1)
                guard !root.isScalarNode else { throw GiveUp() }
            }
            documents.append(YAMLDocument(root: root, index: documents.count))
            if atEnd { break }
            guard isDocumentMarker(index), bytes[index] == UInt8(ascii: "-") else { throw GiveUp() }
        }
        return documents
    }

    // MARK: Block nodes

    /// The node starting at `index` (content), inside a block collection indented `parentIndent`.
    /// Returns with `index` at the next content after it, or at the end. `allowsMapping` is
    /// false for a value on its key's line (`a: b: c` is an error).
    private mutating func node(parentIndent: Int, allowsMapping: Bool = true) throws(GiveUp) -> YAMLNode {
        depth += 1
        defer { depth -= 1 }
        guard depth < Self.maxDepth, depth < limits.maxDepth - 1 else { throw GiveUp() }
        let start = index
        let first = bytes[index]
        switch first {
        case UInt8(ascii: "-") where try isBlankOrEnd(index + 1):
            return try sequence(indent: column(index))
        case UInt8(ascii: "["), UInt8(ascii: "{"):
            let node = try flowNode()
            try skipSpaces()
            if byte(index) == UInt8(ascii: ":") { throw GiveUp() }
            try finishLine()
            return node
        case UInt8(ascii: "|"), UInt8(ascii: ">"):
            return try blockScalar(parentIndent: parentIndent)
        case UInt8(ascii: "\""), UInt8(ascii: "'"):
            let at = mark(start)
            let value = try quoted()
            if try isKeyColon() {
                guard allowsMapping else { throw GiveUp() }
                return try mapping(indent: column(start), firstKey: value, keyMark: at)
            }
            try finishLine()
            return try scalar(value, .quoted, at: at)
        default:
            guard Self.canStartPlain(first, next: byte(index + 1)) else { throw GiveUp() }
            let at = mark(start)
            let (value, isKey) = try plain()
            if isKey {
                guard allowsMapping else { throw GiveUp() }
                return try mapping(indent: column(start), firstKey: value, keyMark: at)
            }
            try finishLine()
            return try scalar(value, .plain, at: at)
        }
    }

    /// Whether a plain scalar may start with `first` (libyaml's rule, less `?` and `:`, which are left to it).
    private static func canStartPlain(_ first: UInt8, next: UInt8) -> Bool {
        switch first {
        case UInt8(ascii: "-"):
            return next != space && next != newline && next != tab && next != 0
        case UInt8(ascii: "?"), UInt8(ascii: ":"), UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"),
             UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: "#"), UInt8(ascii: "&"), UInt8(ascii: "*"),
             UInt8(ascii: "!"), UInt8(ascii: "|"), UInt8(ascii: ">"), UInt8(ascii: "'"), UInt8(ascii: "\""),
             UInt8(ascii: "%"), UInt8(ascii: "@"), UInt8(ascii: "`"), space, newline, tab, 0:
            return false
        default:
            return true
        }
    }

    /// After a quoted key candidate: spaces, then `:` and a blank make it a key (the index is
    /// left after the `:`).
    private mutating func isKeyColon() throws(GiveUp) -> Bool {
        var probe = index
        while byte(probe) == Self.space { probe += 1 }
        guard byte(probe) == UInt8(ascii: ":") else { return false }
        guard try isBlankOrEnd(probe + 1) else { throw GiveUp() }
        index = probe + 1
        return true
    }

    /// A one-line plain scalar in block context. `isKey` when it ends at `: ` (the index is left
    /// after the `:`); otherwise the index is at the end of the line, at a comment, or the end.
    private mutating func plain() throws(GiveUp) -> (String, isKey: Bool) {
        let start = index
        var end = index
        while true {
            let current = byte(index)
            switch current {
            case Self.newline, 0:
                return (text(start, end), false)
            case Self.space:
                var probe = index
                while byte(probe) == Self.space { probe += 1 }
                let after = byte(probe)
                if after == UInt8(ascii: "#") || after == Self.newline || after == 0 {
                    index = probe
                    return (text(start, end), false)
                }
                index = probe
            case Self.tab:
                throw GiveUp()
            case UInt8(ascii: ":"):
                if try isBlankOrEnd(index + 1) {
                    guard end - start <= Self.maxKeyLength else { throw GiveUp() }
                    index += 1
                    return (text(start, end), true)
                }
                index += 1
                end = index
            default:
                index += 1
                end = index
            }
        }
    }

    /// A block mapping whose first key has been read (the index is just after its `:`).
    private mutating func mapping(indent: Int, firstKey: String, keyMark: Mark) throws(GiveUp) -> YAMLNode {
        var pairs: [YAMLPair] = []
        var keys = KeyIndex()
        var weight = 1
        var key = firstKey
        var keyAt = keyMark
        while true {
            guard key != "<<" else { throw GiveUp() }
            try tally()
            let value = try value(parentIndent: indent, emptyAt: mark(index), inMapping: true)
            weight += value.weight
            if let problem = keys.duplicate(key, at: keyAt, among: pairs, file: file) { diagnostics.append(problem) }
            pairs.append(YAMLPair(key: key, keyMark: keyAt, value: value))
            if atEnd || isDocumentMarker(index) { break }
            let next = column(index)
            if next < indent { break }
            guard next == indent else { throw GiveUp() }
            // The next key.
            keyAt = mark(index)
            let first = bytes[index]
            if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
                key = try quoted()
                guard try isKeyColon() else { throw GiveUp() }
            } else {
                guard Self.canStartPlain(first, next: byte(index + 1)) else { throw GiveUp() }
                let (text, isKey) = try plain()
                guard isKey else { throw GiveUp() }
                key = text
            }
        }
        return try counted(YAMLNode(.mapping(pairs), mark: keyMark, weight: weight))
    }

    /// A block sequence; the index is at its first `-`.
    private mutating func sequence(indent: Int) throws(GiveUp) -> YAMLNode {
        let at = mark(index)
        var items: [YAMLNode] = []
        var weight = 1
        while true {
            index += 1 // the `-`
            let item = try value(parentIndent: indent, emptyAt: mark(index), inMapping: false)
            weight += item.weight
            items.append(item)
            if atEnd || isDocumentMarker(index) { break }
            let next = column(index)
            if next < indent { break }
            guard next == indent else { throw GiveUp() }
            guard bytes[index] == UInt8(ascii: "-"), try isBlankOrEnd(index + 1) else { break }
        }
        return try counted(YAMLNode(.sequence(items), mark: at, weight: weight))
    }

    /// The value after a key's `:` or an entry's `-` (the index is just after it): on the same
    /// line (for an entry also a compact mapping or sequence), on the lines below (indented more
    /// than the collection; for a mapping also an indentless sequence at its own indentation),
    /// or empty.
    private mutating func value(parentIndent: Int, emptyAt: Mark, inMapping: Bool) throws(GiveUp) -> YAMLNode {
        try skipSpaces()
        let current = byte(index)
        if current != Self.newline && current != 0 && current != UInt8(ascii: "#") {
            if inMapping, current == UInt8(ascii: "-"), try isBlankOrEnd(index + 1) { throw GiveUp() }
            return try node(parentIndent: parentIndent, allowsMapping: !inMapping)
        }
        try skipToContent()
        if atEnd || isDocumentMarker(index) { return try empty(at: emptyAt) }
        let next = column(index)
        if next > parentIndent { return try node(parentIndent: parentIndent) }
        if inMapping, next == parentIndent, bytes[index] == UInt8(ascii: "-"), try isBlankOrEnd(index + 1) {
            return try sequence(indent: next)
        }
        return try empty(at: emptyAt)
    }

    // MARK: Scalars

    /// A one-line single- or double-quoted scalar; the index ends after the closing quote.
    private mutating func quoted() throws(GiveUp) -> String {
        let quote = bytes[index]
        index += 1
        let start = index
        // Fast path: no escape before the closing quote.
        while index < bytes.count {
            let current = bytes[index]
            if current == quote {
                if quote == UInt8(ascii: "'"), byte(index + 1) == quote { break }
                index += 1
                return text(start, index - 1)
            }
            if current == Self.newline { throw GiveUp() }
            if quote == UInt8(ascii: "\""), current == UInt8(ascii: "\\") { break }
            index += 1
        }
        guard index < bytes.count else { throw GiveUp() }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let current = bytes[index]
            if current == Self.newline { throw GiveUp() }
            if current == quote {
                if quote == UInt8(ascii: "'"), byte(index + 1) == quote {
                    out.append(quote)
                    index += 2
                    continue
                }
                index += 1
                return String(decoding: out, as: UTF8.self)
            }
            if quote == UInt8(ascii: "\""), current == UInt8(ascii: "\\") {
                try escape(into: &out)
                continue
            }
            out.append(current)
            index += 1
        }
        throw GiveUp()
    }

    /// A double-quoted scalar's escape sequence, as libyaml reads them.
    private mutating func escape(into out: inout [UInt8]) throws(GiveUp) {
        let code = byte(index + 1)
        index += 2
        let simple: UInt8?
        switch code {
        case UInt8(ascii: "0"): simple = 0
        case UInt8(ascii: "a"): simple = 0x07
        case UInt8(ascii: "b"): simple = 0x08
        case UInt8(ascii: "t"), Self.tab: simple = 0x09
        case UInt8(ascii: "n"): simple = 0x0A
        case UInt8(ascii: "v"): simple = 0x0B
        case UInt8(ascii: "f"): simple = 0x0C
        case UInt8(ascii: "r"): simple = 0x0D
        case UInt8(ascii: "e"): simple = 0x1B
        case Self.space, UInt8(ascii: "\""), UInt8(ascii: "/"), UInt8(ascii: "'"), UInt8(ascii: "\\"): simple = code
        default: simple = nil
        }
        if let simple {
            out.append(simple)
            return
        }
        let scalarValue: UInt32
        switch code {
        case UInt8(ascii: "N"): scalarValue = 0x85
        case UInt8(ascii: "_"): scalarValue = 0xA0
        case UInt8(ascii: "L"): scalarValue = 0x2028
        case UInt8(ascii: "P"): scalarValue = 0x2029
        case UInt8(ascii: "x"): scalarValue = try hex(2)
        case UInt8(ascii: "u"): scalarValue = try hex(4)
        case UInt8(ascii: "U"): scalarValue = try hex(8)
        default: throw GiveUp()
        }
        guard let unicode = Unicode.Scalar(scalarValue), let encoded = UTF8.encode(unicode) else { throw GiveUp() }
        out.append(contentsOf: encoded)
    }

    private mutating func hex(_ digits: Int) throws(GiveUp) -> UInt32 {
        guard let value = HexDigits.value(bytes, at: index, count: digits) else { throw GiveUp() }
        index += digits
        return value
    }

    /// A literal (`|`) or folded (`>`) block scalar with an optional chomping indicator, read
    /// as libyaml's `yaml_parser_scan_block_scalar` reads it. The index is at the indicator.
    private mutating func blockScalar(parentIndent: Int) throws(GiveUp) -> YAMLNode {
        let at = mark(index)
        let literal = bytes[index] == UInt8(ascii: "|")
        index += 1
        var chomping = 0
        if byte(index) == UInt8(ascii: "-") { chomping = -1; index += 1 } else if byte(index) == UInt8(ascii: "+") { chomping = 1; index += 1 }
        if (0x30...0x39).contains(byte(index)) { throw GiveUp() }
        try skipSpaces()
        if byte(index) == UInt8(ascii: "#") {
            while index < bytes.count, bytes[index] != Self.newline { index += 1 }
        }
        guard byte(index) == Self.newline else { throw GiveUp() }
        newLine()
        // The indentation: from the first non-empty line; leading empty lines are left to libyaml.
        var probe = index
        while byte(probe) == Self.space { probe += 1 }
        let firstColumn = probe - index
        guard byte(probe) != Self.newline, byte(probe) != Self.tab, probe < bytes.count else { throw GiveUp() }
        let indent = max(firstColumn, parentIndent + 1, 1)
        guard firstColumn >= indent else { throw GiveUp() }

        var string: [UInt8] = []
        var leadingBreak = false
        var trailingBreaks = 0
        var leadingBlank = false
        // The index is at the start of a line whose first `indent` bytes are spaces.
        index += indent
        while index < bytes.count {
            let trailingBlank = bytes[index] == Self.space || bytes[index] == Self.tab
            if !literal && leadingBreak && !leadingBlank && !trailingBlank {
                if trailingBreaks == 0 { string.append(Self.space) }
            } else if leadingBreak {
                string.append(Self.newline)
            }
            leadingBreak = false
            for _ in 0..<trailingBreaks { string.append(Self.newline) }
            trailingBreaks = 0
            leadingBlank = trailingBlank
            let contentStart = index
            while index < bytes.count, bytes[index] != Self.newline { index += 1 }
            string.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[contentStart..<index]))
            guard index < bytes.count else { break }
            newLine()
            leadingBreak = true
            // Indentation spaces and empty lines up to the next line with content.
            var more = false
            while index < bytes.count {
                var spaces = 0
                while spaces < indent, byte(index + spaces) == Self.space { spaces += 1 }
                let next = byte(index + spaces)
                if spaces < indent, next == Self.tab { throw GiveUp() }
                if next == Self.newline {
                    index += spaces
                    newLine()
                    trailingBreaks += 1
                    continue
                }
                if spaces == indent, index + spaces < bytes.count {
                    index += spaces
                    more = true
                } else {
                    // A less indented line (or trailing spaces before the end): the scalar ends.
                    index += spaces
                }
                break
            }
            if !more { break }
        }
        if chomping != -1 && leadingBreak { string.append(Self.newline) }
        if chomping == 1 { for _ in 0..<trailingBreaks { string.append(Self.newline) } }
        let node = try scalar(String(decoding: string, as: UTF8.self), .block, at: at)
        try skipToContent()
        return node
    }

    private mutating func newLine() {
        index += 1
        line += 1
        lineStart = index
    }

    // MARK: Flow collections (one line)

    private mutating func flowNode() throws(GiveUp) -> YAMLNode {
        depth += 1
        defer { depth -= 1 }
        guard depth < Self.maxDepth, depth < limits.maxDepth - 1 else { throw GiveUp() }
        let at = mark(index)
        let isSequence = bytes[index] == UInt8(ascii: "[")
        let close = isSequence ? UInt8(ascii: "]") : UInt8(ascii: "}")
        index += 1
        try skipSpaces()
        var items: [YAMLNode] = []
        var pairs: [YAMLPair] = []
        var keys = KeyIndex()
        var weight = 1
        if byte(index) == close {
            index += 1
        } else {
            while true {
                if isSequence {
                    let item = try flowItem()
                    weight += item.weight
                    items.append(item)
                } else {
                    let keyAt = mark(index)
                    let first = byte(index)
                    let key: String
                    if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
                        key = try quoted()
                    } else {
                        guard first != UInt8(ascii: "["), first != UInt8(ascii: "{") else { throw GiveUp() }
                        key = try flowPlain(isKey: true)
                    }
                    try tally()
                    try skipSpaces()
                    guard byte(index) == UInt8(ascii: ":"), byte(index + 1) == Self.space else { throw GiveUp() }
                    index += 1
                    try skipSpaces()
                    let value = try flowItem()
                    weight += value.weight
                    if let problem = keys.duplicate(key, at: keyAt, among: pairs, file: file) { diagnostics.append(problem) }
                    pairs.append(YAMLPair(key: key, keyMark: keyAt, value: value))
                }
                try skipSpaces()
                if byte(index) == UInt8(ascii: ",") {
                    index += 1
                    try skipSpaces()
                    if byte(index) == close { throw GiveUp() }
                    continue
                }
                guard byte(index) == close else { throw GiveUp() }
                index += 1
                break
            }
        }
        let content: YAMLNode.Content = isSequence ? .sequence(items) : .mapping(pairs)
        return try counted(YAMLNode(content, mark: at, weight: weight))
    }

    /// A value inside a flow collection: a nested one-line collection or a scalar.
    private mutating func flowItem() throws(GiveUp) -> YAMLNode {
        let first = byte(index)
        if first == UInt8(ascii: "[") || first == UInt8(ascii: "{") { return try flowNode() }
        let at = mark(index)
        if first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            let value = try quoted()
            var probe = index
            while byte(probe) == Self.space { probe += 1 }
            if byte(probe) == UInt8(ascii: ":") { throw GiveUp() }
            return try scalar(value, .quoted, at: at)
        }
        return try scalar(flowPlain(isKey: false), .plain, at: at)
    }

    /// A non-empty plain scalar inside a flow collection, up to `,` or a closing bracket (a key:
    /// up to `: `); anything subtle (another `:`, `#`, brackets, the end of the line) is left to libyaml.
    private mutating func flowPlain(isKey: Bool) throws(GiveUp) -> String {
        let first = byte(index), next = byte(index + 1)
        guard Self.canStartPlain(first, next: next) else { throw GiveUp() }
        if first == UInt8(ascii: "-"), !(next >= 0x30 && next <= 0x39 || next | 0x20 >= 0x61 && next | 0x20 <= 0x7A) { throw GiveUp() }
        let start = index
        var end = index
        while true {
            switch byte(index) {
            case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"):
                guard !isKey, end > start else { throw GiveUp() }
                return text(start, end)
            case UInt8(ascii: ":") where isKey && byte(index + 1) == Self.space:
                guard end > start else { throw GiveUp() }
                return text(start, end)
            case Self.space:
                index += 1
            case UInt8(ascii: ":"), UInt8(ascii: "#"), UInt8(ascii: "["), UInt8(ascii: "{"), Self.newline, Self.tab, 0:
                throw GiveUp()
            default:
                index += 1
                end = index
            }
        }
    }
}

private extension YAMLNode {
    var isScalarNode: Bool {
        if case .scalar = content { return true }
        return false
    }
}
