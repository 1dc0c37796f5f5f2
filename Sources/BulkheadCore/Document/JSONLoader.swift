/// Builds the same positioned `YAMLNode` tree as `YAMLLoader` from strict JSON (RFC 8259), several
/// times faster than going through libyaml's event stream, which spends most of its time on YAML's
/// generality. AdmissionReview bodies, `kubectl get -o json` output, CloudFormation JSON templates
/// and Terraform plans are JSON.
///
/// It accepts strict JSON only and gives up (returns nil) on anything else: a syntax error, a
/// control character in a string, invalid UTF-8, nesting deeper than the limits. `YAMLLoader` then
/// reads the input as YAML (JSON with comments or trailing text is still YAML), so the result and
/// every diagnostic are exactly those of the YAML path. One difference, on purpose: a UTF-16
/// surrogate pair in a `\u` escape is read as one character, as JSON and the API server read it
/// (libyaml refuses it: YAML writes such characters as `\U0001F600`). Marks are 1-based lines and columns counted
/// in characters, as libyaml counts them.
package struct JSONLoader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private let file: String
    private let limits: YAMLLoader.Limits
    private var index = 0
    private var line = 1
    private var lineStart = 0
    private var columns = ColumnCounter()
    private var depth = 0
    private var nodes = 0
    private(set) var diagnostics: [Diagnostic] = []

    private struct GiveUp: Error {}

    init(bytes: UnsafeBufferPointer<UInt8>, file: String, limits: YAMLLoader.Limits) {
        self.bytes = bytes
        self.file = file
        self.limits = limits
    }

    /// Whether the input looks like JSON: its first significant byte opens an object or array.
    package static func looksLikeJSON(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        // A UTF-8 byte order mark is accepted by libyaml; leave such input to it.
        while index < bytes.count {
            switch bytes[index] {
            case 0x20, 0x09, 0x0A, 0x0D: index += 1
            case UInt8(ascii: "{"), UInt8(ascii: "["): return true
            default: return false
            }
        }
        return false
    }

    /// The document, or nil when the input is not strict JSON.
    package static func load(bytes: UnsafeBufferPointer<UInt8>, file: String, limits: YAMLLoader.Limits) -> YAMLLoader.Output? {
        var loader = JSONLoader(bytes: bytes, file: file, limits: limits)
        do {
            loader.skipWhitespace()
            let root = try loader.value()
            loader.skipWhitespace()
            guard loader.index == bytes.count else { return nil }
            return YAMLLoader.Output(documents: [YAMLDocument(root: root, index: 0)], diagnostics: loader.diagnostics)
        } catch {
            return nil
        }
    }

    private mutating func skipWhitespace() {
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x20 || byte == 0x09 || byte == 0x0D {
                index += 1
            } else if byte == 0x0A {
                index += 1
                line += 1
                lineStart = index
            } else {
                return
            }
        }
    }

    private mutating func mark() -> Mark {
        Mark(line: line, column: columns.column(of: index, lineStart: lineStart, in: bytes) + 1)
    }

    private mutating func value() throws(GiveUp) -> YAMLNode {
        guard index < bytes.count else { throw GiveUp() }
        nodes += 1
        guard nodes <= limits.maxNodes else { throw GiveUp() }
        let at = mark()
        switch bytes[index] {
        case UInt8(ascii: "{"): return try object(at)
        case UInt8(ascii: "["): return try array(at)
        case UInt8(ascii: "\""):
            return YAMLNode(.scalar(YAMLScalar(value: try string(), style: .quoted)), mark: at)
        case UInt8(ascii: "t"): return try literal("true", at)
        case UInt8(ascii: "f"): return try literal("false", at)
        case UInt8(ascii: "n"): return try literal("null", at)
        default: return try number(at)
        }
    }

    private mutating func literal(_ word: StaticString, _ at: Mark) throws(GiveUp) -> YAMLNode {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count else { throw GiveUp() }
        let expected = word.utf8Start
        for offset in 0..<count where bytes[index + offset] != expected[offset] { throw GiveUp() }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[index..<(index + count)]), as: UTF8.self)
        index += count
        return YAMLNode(.scalar(YAMLScalar(value: text, style: .plain)), mark: at)
    }

    private mutating func number(_ at: Mark) throws(GiveUp) -> YAMLNode {
        let start = index
        func digits(_ loader: inout JSONLoader) -> Int {
            let from = loader.index
            while loader.index < loader.bytes.count, loader.bytes[loader.index] >= 0x30, loader.bytes[loader.index] <= 0x39 { loader.index += 1 }
            return loader.index - from
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        let integerStart = index
        let integerDigits = digits(&self)
        guard integerDigits > 0 else { throw GiveUp() }
        if integerDigits > 1 && bytes[integerStart] == UInt8(ascii: "0") { throw GiveUp() }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard digits(&self) > 0 else { throw GiveUp() }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard digits(&self) > 0 else { throw GiveUp() }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        return YAMLNode(.scalar(YAMLScalar(value: text, style: .plain)), mark: at)
    }

    /// A string starting at the opening quote; the index ends after the closing quote.
    private mutating func string() throws(GiveUp) -> String {
        index += 1
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<index])
                index += 1
                if ascii { return String(decoding: raw, as: UTF8.self) }
                guard let text = String(validating: raw, as: UTF8.self), !LibyamlCharacters.holdsSpecial(text) else { throw GiveUp() }
                return text
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start) }
            // JSON allows DEL and the C1 controls in strings, libyaml does not: such input goes to
            // libyaml, so the diagnostic does not depend on the road.
            if byte < 0x20 || byte == 0x7F { throw GiveUp() }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        throw GiveUp()
    }

    /// The slow path for a string with escapes: `start` is just after the opening quote.
    private mutating func escapedString(from start: Int) throws(GiveUp) -> String {
        var out: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                guard let text = String(validating: out, as: UTF8.self), !LibyamlCharacters.holdsSpecial(text) else { throw GiveUp() }
                return text
            }
            if byte < 0x20 || byte == 0x7F { throw GiveUp() }
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            guard index + 1 < bytes.count else { throw GiveUp() }
            let escape = bytes[index + 1]
            index += 2
            switch escape {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    // A surrogate pair: the low half must follow as another \u escape.
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else { throw GiveUp() }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw GiveUp() }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw GiveUp()
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw GiveUp() }
                if let encoded = UTF8.encode(unicode) { out.append(contentsOf: encoded) }
            default:
                throw GiveUp()
            }
        }
        throw GiveUp()
    }

    private mutating func hex4() throws(GiveUp) -> UInt32 {
        guard let value = HexDigits.value(bytes, at: index, count: 4) else { throw GiveUp() }
        index += 4
        return value
    }

    private mutating func object(_ at: Mark) throws(GiveUp) -> YAMLNode {
        depth += 1
        guard depth <= limits.maxDepth else { throw GiveUp() }
        defer { depth -= 1 }
        index += 1
        var pairs: [YAMLPair] = []
        var keys = KeyIndex()
        var weight = 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "}") {
            index += 1
            return YAMLNode(.mapping(pairs), mark: at, weight: weight)
        }
        while true {
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw GiveUp() }
            let keyMark = mark()
            let key = try string()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else { throw GiveUp() }
            index += 1
            skipWhitespace()
            let value = try value()
            weight += value.weight
            if let problem = keys.duplicate(key, at: keyMark, among: pairs, file: file) { diagnostics.append(problem) }
            pairs.append(YAMLPair(key: key, keyMark: keyMark, value: value))
            guard try anotherMember(before: UInt8(ascii: "}")) else { return YAMLNode(.mapping(pairs), mark: at, weight: weight) }
        }
    }

    /// After a member of an object or array: true past a `,` (another member follows), false past
    /// the closing bracket.
    private mutating func anotherMember(before closing: UInt8) throws(GiveUp) -> Bool {
        skipWhitespace()
        guard index < bytes.count else { throw GiveUp() }
        if bytes[index] == UInt8(ascii: ",") {
            index += 1
            skipWhitespace()
            return true
        }
        guard bytes[index] == closing else { throw GiveUp() }
        index += 1
        return false
    }

    private mutating func array(_ at: Mark) throws(GiveUp) -> YAMLNode {
        depth += 1
        guard depth <= limits.maxDepth else { throw GiveUp() }
        defer { depth -= 1 }
        index += 1
        var items: [YAMLNode] = []
        var weight = 1
        skipWhitespace()
        if index < bytes.count, bytes[index] == UInt8(ascii: "]") {
            index += 1
            return YAMLNode(.sequence(items), mark: at, weight: weight)
        }
        while true {
            let item = try value()
            weight += item.weight
            items.append(item)
            guard try anotherMember(before: UInt8(ascii: "]")) else { return YAMLNode(.sequence(items), mark: at, weight: weight) }
        }
    }
}
