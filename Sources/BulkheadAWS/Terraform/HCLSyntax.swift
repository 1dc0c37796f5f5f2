import BulkheadCore

/// The syntax tree of HCL's native syntax (Terraform `.tf` files), with positions.
struct HCLBody: Sendable {
    var attributes: [HCLAttribute] = []
    var blocks: [HCLBlock] = []

    func attribute(_ name: String) -> HCLAttribute? { attributes.last { $0.name == name } }
    func blocks(_ type: String) -> [HCLBlock] { blocks.filter { $0.type == type } }
}

struct HCLAttribute: Sendable {
    var name: String
    var mark: Mark
    var expression: HCLExpression
}

struct HCLBlock: Sendable {
    var type: String
    var labels: [String]
    var mark: Mark
    var body: HCLBody
}

indirect enum HCLExpression: Sendable {
    enum Step: Sendable {
        case attribute(String)
        case index(HCLExpression)
        /// `.*` or `[*]`: the rest of the traversal applies to every element.
        case splat
    }

    enum TemplatePart: Sendable {
        case text(String)
        case interpolation(HCLExpression)
        /// `%{ if }`/`%{ for }` directives are not evaluated.
        case directive
    }

    case literal(YAMLNode)
    case template([TemplatePart], Mark)
    case tuple([HCLExpression], Mark)
    case object([(key: HCLExpression, value: HCLExpression)], Mark)
    case variable(String, Mark)
    case traversal(HCLExpression, [Step], Mark)
    case call(String, [HCLExpression], expandLast: Bool, Mark)
    case unary(String, HCLExpression, Mark)
    case binary(String, HCLExpression, HCLExpression, Mark)
    case conditional(HCLExpression, HCLExpression, HCLExpression, Mark)
    /// `[for k, v in coll : value if cond]` and `{for k, v in coll : key => value if cond}`.
    case forExpression(keyName: String?, valueName: String, collection: HCLExpression, key: HCLExpression?, value: HCLExpression,
                       condition: HCLExpression?, grouped: Bool, Mark)

    var mark: Mark {
        switch self {
        case .literal(let node): return node.mark
        case .template(_, let mark), .tuple(_, let mark), .object(_, let mark), .variable(_, let mark), .traversal(_, _, let mark),
             .call(_, _, _, let mark), .unary(_, _, let mark), .binary(_, _, _, let mark), .conditional(_, _, _, let mark):
            return mark
        case .forExpression(_, _, _, _, _, _, _, let mark): return mark
        }
    }
}

/// A syntax error, with where it is.
struct HCLSyntaxError: Error, Sendable {
    var message: String
    var mark: Mark
}

/// A recursive-descent parser of HCL native syntax (the HashiCorp spec: structural body,
/// expressions with operators, templates with interpolation, heredocs, for expressions, splats).
/// Scannerless: templates and heredocs embed expressions, which is simplest to follow this way.
struct HCLParser {
    private let bytes: [UInt8]
    private var index = 0
    private var line = 1
    private var lineStart = 0
    /// Inside (), [] or an object constructor's braces newlines do not end an expression.
    private var nesting = 0

    init(_ text: String) {
        bytes = Array(text.utf8)
    }

    static func parse(_ text: String) -> Result<HCLBody, HCLSyntaxError> {
        var parser = HCLParser(text)
        do {
            return .success(try parser.body(closing: false))
        } catch {
            return .failure(error)
        }
    }

    // MARK: characters

    private var mark: Mark {
        var column = 1
        var position = lineStart
        while position < index {
            if bytes[position] & 0xC0 != 0x80 { column += 1 }
            position += 1
        }
        return Mark(line: line, column: column)
    }

    private func peek(_ offset: Int = 0) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    private func at(_ text: String) -> Bool {
        let utf8 = Array(text.utf8)
        guard index + utf8.count <= bytes.count else { return false }
        for (offset, byte) in utf8.enumerated() where bytes[index + offset] != byte { return false }
        return true
    }

    private mutating func advance(_ count: Int = 1) {
        for _ in 0..<count where index < bytes.count {
            if bytes[index] == UInt8(ascii: "\n") {
                line += 1
                lineStart = index + 1
            }
            index += 1
        }
    }

    private func fail(_ message: String) -> HCLSyntaxError {
        HCLSyntaxError(message: message, mark: mark)
    }

    /// Skips blanks and comments; newlines too when `newlines` (or inside brackets).
    private mutating func skip(newlines: Bool = false) {
        let skipNewlines = newlines || nesting > 0
        while let byte = peek() {
            if byte == 0x20 || byte == 0x09 || byte == 0x0D {
                advance()
            } else if byte == 0x0A {
                guard skipNewlines else { return }
                advance()
            } else if byte == UInt8(ascii: "#") || (byte == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "/")) {
                while let next = peek(), next != 0x0A { advance() }
            } else if byte == UInt8(ascii: "/") && peek(1) == UInt8(ascii: "*") {
                advance(2)
                while index < bytes.count && !at("*/") { advance() }
                advance(2)
            } else {
                return
            }
        }
    }

    private static func isIdentifierStart(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == UInt8(ascii: "_") || byte >= 0x80
    }

    private static func isIdentifierPart(_ byte: UInt8) -> Bool {
        isIdentifierStart(byte) || (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: "-")
    }

    private mutating func identifier() -> String? {
        guard let first = peek(), Self.isIdentifierStart(first) else { return nil }
        let start = index
        while let byte = peek(), Self.isIdentifierPart(byte) { advance() }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(HCLSyntaxError) {
        skip()
        guard peek() == byte else { throw fail("expected \(what)") }
        advance()
    }

    // MARK: structure

    private mutating func body(closing: Bool) throws(HCLSyntaxError) -> HCLBody {
        var body = HCLBody()
        let savedNesting = nesting
        nesting = 0
        defer { nesting = savedNesting }
        while true {
            skip(newlines: true)
            guard let byte = peek() else {
                if closing { throw fail("missing } at the end of the file") }
                return body
            }
            if byte == UInt8(ascii: "}") {
                guard closing else { throw fail("unexpected }") }
                return body
            }
            let start = mark
            guard let name = identifier() else { throw fail("expected an attribute or a block, found \(Character(UnicodeScalar(byte)))") }
            skip()
            if peek() == UInt8(ascii: "="), peek(1) != UInt8(ascii: "=") {
                advance()
                let value = try expression()
                body.attributes.append(HCLAttribute(name: name, mark: start, expression: value))
                skip()
                guard peek() == nil || peek() == 0x0A || peek() == UInt8(ascii: "}") else {
                    throw fail("expected a new line after the value of \(name)")
                }
                continue
            }
            var labels: [String] = []
            while true {
                skip()
                if peek() == UInt8(ascii: "\"") {
                    labels.append(try plainString())
                } else if let label = identifier() {
                    labels.append(label)
                } else {
                    break
                }
            }
            try expect(UInt8(ascii: "{"), "{ or = after \(name)")
            let inner = try self.body(closing: true)
            advance() // }
            body.blocks.append(HCLBlock(type: name, labels: labels, mark: start, body: inner))
        }
    }

    /// A quoted block label (no interpolation).
    private mutating func plainString() throws(HCLSyntaxError) -> String {
        guard case .template(let parts, _) = try template() else { throw fail("expected a string") }
        var text = ""
        for part in parts {
            guard case .text(let piece) = part else { throw fail("a block label cannot contain interpolation") }
            text += piece
        }
        return text
    }

    // MARK: expressions

    mutating func expression() throws(HCLSyntaxError) -> HCLExpression {
        skip()
        let start = mark
        let condition = try binary(0)
        skip()
        guard peek() == UInt8(ascii: "?") else { return condition }
        advance()
        nesting += 1
        let yes = try expression()
        try expect(UInt8(ascii: ":"), ": of a conditional")
        nesting -= 1
        let no = try expression()
        return .conditional(condition, yes, no, start)
    }

    private static let precedence: [(String, Int)] = [
        ("||", 1), ("&&", 2), ("==", 3), ("!=", 3), ("<=", 4), (">=", 4), ("<", 4), (">", 4),
        ("+", 5), ("-", 5), ("*", 6), ("/", 6), ("%", 6),
    ]

    private mutating func binaryOperator() -> (String, Int)? {
        skip()
        for (op, level) in Self.precedence where at(op) {
            // `<<` starts a heredoc, `=>` belongs to for expressions, `->` is not HCL.
            if op == "<" && at("<<") { return nil }
            return (op, level)
        }
        return nil
    }

    private mutating func binary(_ minimum: Int) throws(HCLSyntaxError) -> HCLExpression {
        var left = try unary()
        while let (op, level) = binaryOperator(), level > minimum {
            let start = mark
            advance(op.count)
            let right = try binary(level)
            left = .binary(op, left, right, start)
        }
        return left
    }

    private mutating func unary() throws(HCLSyntaxError) -> HCLExpression {
        skip()
        let start = mark
        if peek() == UInt8(ascii: "!") {
            advance()
            return .unary("!", try unary(), start)
        }
        if peek() == UInt8(ascii: "-"), let next = peek(1), !(next >= 0x30 && next <= 0x39) {
            advance()
            return .unary("-", try unary(), start)
        }
        return try postfix(try primary())
    }

    private mutating func postfix(_ base: HCLExpression) throws(HCLSyntaxError) -> HCLExpression {
        var steps: [HCLExpression.Step] = []
        let start = base.mark
        while true {
            // A traversal does not continue over a newline outside brackets.
            if peek() == UInt8(ascii: "."), let next = peek(1) {
                if next == UInt8(ascii: "*") {
                    advance(2)
                    steps.append(.splat)
                    continue
                }
                advance()
                if let name = identifier() {
                    steps.append(.attribute(name))
                } else if let digit = peek(), digit >= 0x30 && digit <= 0x39 {
                    let begin = index
                    while let byte = peek(), byte >= 0x30 && byte <= 0x39 { advance() }
                    let text = String(decoding: bytes[begin..<index], as: UTF8.self)
                    steps.append(.index(.literal(YAMLNode(.scalar(YAMLScalar(value: text, style: .plain)), mark: start))))
                } else {
                    throw fail("expected a name after .")
                }
                continue
            }
            if peek() == UInt8(ascii: "[") {
                advance()
                nesting += 1
                skip()
                if peek() == UInt8(ascii: "*") {
                    advance()
                    steps.append(.splat)
                } else {
                    steps.append(.index(try expression()))
                }
                try expect(UInt8(ascii: "]"), "]")
                nesting -= 1
                continue
            }
            break
        }
        return steps.isEmpty ? base : .traversal(base, steps, start)
    }

    private mutating func primary() throws(HCLSyntaxError) -> HCLExpression {
        skip()
        let start = mark
        guard let byte = peek() else { throw fail("expected a value, found the end of the file") }
        if byte == 0x0A || byte == 0x0D { throw fail("expected a value, found the end of the line") }
        switch byte {
        case UInt8(ascii: "\""):
            return try template()
        case UInt8(ascii: "<") where at("<<"):
            return try heredoc()
        case UInt8(ascii: "("):
            advance()
            nesting += 1
            let inner = try expression()
            try expect(UInt8(ascii: ")"), ")")
            nesting -= 1
            return inner
        case UInt8(ascii: "["):
            return try tuple(start)
        case UInt8(ascii: "{"):
            return try object(start)
        case UInt8(ascii: "-"), 0x30...0x39:
            return try number(start)
        default:
            guard let name = identifier() else { throw fail("unexpected \(Character(UnicodeScalar(byte)))") }
            switch name {
            case "true", "false", "null":
                return .literal(YAMLNode(.scalar(YAMLScalar(value: name, style: .plain)), mark: start))
            default:
                break
            }
            // A function call: name(args), possibly namespaced provider::x::f.
            var function = name
            while at("::") {
                advance(2)
                function += "::" + (identifier() ?? "")
            }
            if peek() == UInt8(ascii: "(") {
                advance()
                nesting += 1
                var arguments: [HCLExpression] = []
                var expandLast = false
                skip()
                while peek() != UInt8(ascii: ")") {
                    arguments.append(try expression())
                    skip()
                    if at("...") {
                        advance(3)
                        expandLast = true
                        skip()
                    }
                    if peek() == UInt8(ascii: ",") { advance(); skip() } else { break }
                }
                try expect(UInt8(ascii: ")"), ") closing the arguments of \(function)")
                nesting -= 1
                return .call(function, arguments, expandLast: expandLast, start)
            }
            return .variable(name, start)
        }
    }

    private mutating func number(_ start: Mark) throws(HCLSyntaxError) -> HCLExpression {
        let begin = index
        if peek() == UInt8(ascii: "-") { advance() }
        var digits = 0
        while let byte = peek(), (byte >= 0x30 && byte <= 0x39) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "e") || byte == UInt8(ascii: "E") {
            if byte == UInt8(ascii: "."), let next = peek(1), !(next >= 0x30 && next <= 0x39) { break }
            advance()
            digits += 1
        }
        guard digits > 0 else { throw fail("expected a number") }
        let text = String(decoding: bytes[begin..<index], as: UTF8.self)
        return .literal(YAMLNode(.scalar(YAMLScalar(value: text, style: .plain)), mark: start))
    }

    private mutating func forHeader() throws(HCLSyntaxError) -> (String?, String, HCLExpression) {
        advance(3) // for
        skip()
        guard let first = identifier() else { throw fail("expected a name after for") }
        skip()
        var keyName: String?
        var valueName = first
        if peek() == UInt8(ascii: ",") {
            advance()
            skip()
            guard let second = identifier() else { throw fail("expected a name after ,") }
            keyName = first
            valueName = second
            skip()
        }
        guard identifier() == "in" else { throw fail("expected in") }
        let collection = try expression()
        try expect(UInt8(ascii: ":"), ": in a for expression")
        return (keyName, valueName, collection)
    }

    /// The optional `if CONDITION` of a for expression, and its closing bracket.
    private mutating func forCondition(closing: UInt8) throws(HCLSyntaxError) -> HCLExpression? {
        skip()
        var condition: HCLExpression?
        if at("if") {
            advance(2)
            condition = try expression()
        }
        try expect(closing, "\(Character(UnicodeScalar(closing))) closing the for expression")
        return condition
    }

    private func startsFor() -> Bool {
        at("for") && (peek(3).map { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A } ?? false)
    }

    private mutating func tuple(_ start: Mark) throws(HCLSyntaxError) -> HCLExpression {
        advance()
        nesting += 1
        defer { nesting -= 1 }
        skip()
        if startsFor() {
            let (keyName, valueName, collection) = try forHeader()
            let value = try expression()
            let condition = try forCondition(closing: UInt8(ascii: "]"))
            return .forExpression(keyName: keyName, valueName: valueName, collection: collection, key: nil, value: value,
                                  condition: condition, grouped: false, start)
        }
        var items: [HCLExpression] = []
        while peek() != UInt8(ascii: "]") {
            items.append(try expression())
            skip()
            if peek() == UInt8(ascii: ",") { advance(); skip() } else { break }
        }
        try expect(UInt8(ascii: "]"), "] closing the list")
        return .tuple(items, start)
    }

    private mutating func object(_ start: Mark) throws(HCLSyntaxError) -> HCLExpression {
        advance()
        nesting += 1
        defer { nesting -= 1 }
        skip()
        if startsFor() {
            let (keyName, valueName, collection) = try forHeader()
            let key = try expression()
            skip()
            guard at("=>") else { throw fail("expected => in an object for expression") }
            advance(2)
            let value = try expression()
            skip()
            var grouped = false
            if at("...") {
                advance(3)
                grouped = true
            }
            let condition = try forCondition(closing: UInt8(ascii: "}"))
            return .forExpression(keyName: keyName, valueName: valueName, collection: collection, key: key, value: value,
                                  condition: condition, grouped: grouped, start)
        }
        var items: [(key: HCLExpression, value: HCLExpression)] = []
        while peek() != UInt8(ascii: "}") {
            let keyMark = mark
            let key: HCLExpression
            if let byte = peek(), Self.isIdentifierStart(byte) {
                let begin = index
                let name = identifier() ?? ""
                skip()
                if peek() == UInt8(ascii: "=") || peek() == UInt8(ascii: ":") {
                    key = .literal(YAMLNode(.scalar(YAMLScalar(value: name, style: .quoted)), mark: keyMark))
                } else {
                    // An expression key (`var.x = ...` is invalid HCL; (var.x) must be parenthesized) — re-read as one.
                    index = begin
                    key = try expression()
                }
            } else {
                key = try expression()
            }
            skip()
            guard peek() == UInt8(ascii: "=") || peek() == UInt8(ascii: ":") else { throw fail("expected = or : after an object key") }
            advance()
            let value = try expression()
            items.append((key, value))
            skip()
            if peek() == UInt8(ascii: ",") { advance() }
            skip()
        }
        try expect(UInt8(ascii: "}"), "} closing the object")
        return .object(items, start)
    }

    // MARK: templates

    private mutating func template() throws(HCLSyntaxError) -> HCLExpression {
        let start = mark
        advance() // "
        var parts: [HCLExpression.TemplatePart] = []
        var text: [UInt8] = []
        while true {
            guard let byte = peek() else { throw fail("unterminated string") }
            if byte == 0x0A { throw fail("unterminated string (a quoted string cannot span lines)") }
            if byte == UInt8(ascii: "\"") {
                advance()
                break
            }
            if byte == UInt8(ascii: "\\") {
                advance()
                guard let escape = peek() else { throw fail("unterminated string") }
                advance()
                switch escape {
                case UInt8(ascii: "n"): text.append(0x0A)
                case UInt8(ascii: "t"): text.append(0x09)
                case UInt8(ascii: "r"): text.append(0x0D)
                case UInt8(ascii: "\""): text.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): text.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "u"), UInt8(ascii: "U"):
                    let width = escape == UInt8(ascii: "u") ? 4 : 8
                    guard index + width <= bytes.count,
                          let value = UInt32(String(decoding: bytes[index..<(index + width)], as: UTF8.self), radix: 16),
                          let scalar = Unicode.Scalar(value) else { throw fail("invalid \\u escape") }
                    advance(width)
                    text.append(contentsOf: Array(String(Character(scalar)).utf8))
                default: throw fail("invalid escape \\\(Character(UnicodeScalar(escape)))")
                }
                continue
            }
            if try templateSequence(&parts, &text) { continue }
            text.append(byte)
            advance()
        }
        if !text.isEmpty { parts.append(.text(String(decoding: text, as: UTF8.self))) }
        return .template(parts, start)
    }

    /// `${...}`, `%{...}` and their `$${`/`%%{` escapes at the current position; false if none.
    private mutating func templateSequence(_ parts: inout [HCLExpression.TemplatePart], _ text: inout [UInt8]) throws(HCLSyntaxError) -> Bool {
        if at("$${") || at("%%{") {
            text.append(contentsOf: [bytes[index], UInt8(ascii: "{")])
            advance(3)
            return true
        }
        if at("${") {
            if !text.isEmpty { parts.append(.text(String(decoding: text, as: UTF8.self))); text = [] }
            advance(2)
            let saved = nesting
            nesting = 1
            skip()
            if peek() == UInt8(ascii: "~") { advance() }
            let inner = try expression()
            skip()
            if peek() == UInt8(ascii: "~") { advance() }
            try expect(UInt8(ascii: "}"), "} closing the interpolation")
            nesting = saved
            parts.append(.interpolation(inner))
            return true
        }
        if at("%{") {
            if !text.isEmpty { parts.append(.text(String(decoding: text, as: UTF8.self))); text = [] }
            while let byte = peek(), byte != UInt8(ascii: "}") { advance() }
            advance()
            parts.append(.directive)
            return true
        }
        return false
    }

    private mutating func heredoc() throws(HCLSyntaxError) -> HCLExpression {
        let start = mark
        advance(2)
        if peek() == UInt8(ascii: "-") { advance() }
        guard let marker = identifier() else { throw fail("expected a heredoc marker after <<") }
        while let byte = peek(), byte != 0x0A { advance() }
        advance()
        var parts: [HCLExpression.TemplatePart] = []
        var text: [UInt8] = []
        var lineBegin = true
        while true {
            guard peek() != nil else { throw fail("heredoc \(marker) is not closed") }
            if lineBegin {
                var probe = index
                while probe < bytes.count && (bytes[probe] == 0x20 || bytes[probe] == 0x09) { probe += 1 }
                let end = probe + marker.utf8.count
                var after = end
                while after < bytes.count && (bytes[after] == 0x20 || bytes[after] == 0x09) { after += 1 }
                if end <= bytes.count, String(decoding: bytes[probe..<end], as: UTF8.self) == marker,
                   after == bytes.count || bytes[after] == 0x0A || bytes[after] == 0x0D {
                    advance(after - index)
                    break
                }
            }
            if try templateSequence(&parts, &text) { lineBegin = false; continue }
            let byte = bytes[index]
            text.append(byte)
            lineBegin = byte == 0x0A
            advance()
        }
        if !text.isEmpty { parts.append(.text(String(decoding: text, as: UTF8.self))) }
        return .template(parts, start)
    }
}
