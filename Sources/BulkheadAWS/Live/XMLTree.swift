import BulkheadCore

/// AWS's XML answers (IAM, STS, EC2, S3) as trees: an element with text is a string, an element
/// with children a mapping, and children repeated under one name a list (`<member>`, `<item>`).
/// `parse` returns the content of the document element.
///
/// The answers are simple XML — elements, text, the five predefined entities and character
/// references, comments, CDATA, an XML declaration — so a small reader of our own reads them and
/// the binary needs no libxml2 (FoundationXML drags libxml2 and ICU into every install). A document
/// type declaration is refused (no entity expansion, ever), as is anything malformed: `parse` returns
/// nil and the caller reports the answer as unreadable.
public enum XMLTree {
    /// Deeper than any AWS answer; bounds the reader's stack on hostile input.
    static let maximumDepth = 64

    public static func parse(_ bytes: [UInt8]) -> YAMLNode? {
        var reader = Reader(bytes: bytes)
        return reader.document()
    }

    /// The items of a list element: its `member`/`item` children, one or many.
    static func items(_ node: YAMLNode?, _ name: String = "member") -> [YAMLNode] {
        guard let node, let child = node[name] else { return [] }
        return child.oneOrMany
    }

    private struct Frame {
        var name: [UInt8]
        var children: [(String, YAMLNode)] = []
        var text: [UInt8] = []
    }

    private struct Reader {
        let bytes: [UInt8]
        var index = 0
        let mark = Mark(line: 1, column: 1)

        init(bytes: [UInt8]) {
            // A UTF-8 byte-order mark before the declaration is allowed.
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
                self.bytes = Array(bytes.dropFirst(3))
            } else {
                self.bytes = bytes
            }
        }

        mutating func document() -> YAMLNode? {
            var stack: [Frame] = []
            var root: YAMLNode?
            while index < bytes.count {
                if bytes[index] != UInt8(ascii: "<") {
                    let start = index
                    while index < bytes.count, bytes[index] != UInt8(ascii: "<") { index += 1 }
                    let run = bytes[start..<index]
                    if stack.isEmpty {
                        // Only whitespace may stand outside the document element.
                        guard run.allSatisfy(Self.isSpace) else { return nil }
                    } else {
                        guard let text = Self.decode(run) else { return nil }
                        stack[stack.count - 1].text += text
                    }
                    continue
                }
                if has("<?") {
                    guard skip(past: "?>") else { return nil }
                } else if has("<!--") {
                    guard skip(past: "-->") else { return nil }
                } else if has("<![CDATA[") {
                    guard !stack.isEmpty else { return nil }
                    index += 9
                    let start = index
                    guard skip(past: "]]>") else { return nil }
                    stack[stack.count - 1].text += bytes[start..<(index - 3)]
                } else if has("<!") {
                    return nil // DOCTYPE and other declarations: never expanded, never accepted
                } else if has("</") {
                    index += 2
                    guard let name = name(), var frame = stack.popLast(), name == frame.name else { return nil }
                    skipSpace()
                    guard expect(">") else { return nil }
                    let node = Self.node(&frame, mark: mark)
                    if stack.isEmpty {
                        guard root == nil else { return nil }
                        root = node
                    } else {
                        stack[stack.count - 1].children.append((String(decoding: frame.name, as: UTF8.self), node))
                    }
                } else {
                    index += 1
                    guard root == nil, stack.count < XMLTree.maximumDepth, let name = name() else { return nil }
                    guard let selfClosing = attributes() else { return nil }
                    var frame = Frame(name: name)
                    if selfClosing {
                        let node = Self.node(&frame, mark: mark)
                        if stack.isEmpty {
                            root = node
                        } else {
                            stack[stack.count - 1].children.append((String(decoding: name, as: UTF8.self), node))
                        }
                    } else {
                        stack.append(frame)
                    }
                }
            }
            return stack.isEmpty ? root : nil
        }

        private static func node(_ frame: inout Frame, mark: Mark) -> YAMLNode {
            if frame.children.isEmpty {
                var text = frame.text[...]
                while let first = text.first, isSpace(first) { text.removeFirst() }
                while let last = text.last, isSpace(last) { text.removeLast() }
                let value = String(decoding: text, as: UTF8.self)
                return YAMLNode(.scalar(YAMLScalar(value: value, style: .quoted)), mark: mark)
            }
            var pairs: [YAMLPair] = []
            var positions: [String: Int] = [:]
            for (name, child) in frame.children {
                if let position = positions[name] {
                    let existing = pairs[position].value
                    let items = existing.items.map { $0 + [child] } ?? [existing, child]
                    pairs[position].value = YAMLNode(.sequence(items), mark: mark)
                } else {
                    positions[name] = pairs.count
                    pairs.append(YAMLPair(key: name, keyMark: mark, value: child))
                }
            }
            return YAMLNode(.mapping(pairs), mark: mark)
        }

        private func has(_ literal: StaticString) -> Bool {
            let count = literal.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            return literal.withUTF8Buffer { buffer in
                for offset in 0..<count where bytes[index + offset] != buffer[offset] { return false }
                return true
            }
        }

        private mutating func skip(past literal: StaticString) -> Bool {
            while index < bytes.count {
                if has(literal) {
                    index += literal.utf8CodeUnitCount
                    return true
                }
                index += 1
            }
            return false
        }

        private mutating func expect(_ literal: StaticString) -> Bool {
            guard has(literal) else { return false }
            index += literal.utf8CodeUnitCount
            return true
        }

        private mutating func skipSpace() {
            while index < bytes.count, Self.isSpace(bytes[index]) { index += 1 }
        }

        private static func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
        }

        private static func isNameByte(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
                 UInt8(ascii: "."), UInt8(ascii: ":"):
                return true
            default:
                return byte >= 0x80
            }
        }

        /// An element name as written (a namespace prefix kept, as XMLParser reports it without
        /// namespace processing).
        private mutating func name() -> [UInt8]? {
            let start = index
            while index < bytes.count, Self.isNameByte(bytes[index]) { index += 1 }
            guard index > start else { return nil }
            let first = bytes[start]
            guard !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first), first != UInt8(ascii: "-"),
                  first != UInt8(ascii: ".") else { return nil }
            return Array(bytes[start..<index])
        }

        /// Attributes are read (to find the tag's end) and dropped: no AWS answer carries data in one
        /// (`xmlns` only). Returns whether the tag closed itself, nil when malformed.
        private mutating func attributes() -> Bool? {
            while true {
                skipSpace()
                guard index < bytes.count else { return nil }
                if expect("/>") { return true }
                if expect(">") { return false }
                guard name() != nil else { return nil }
                skipSpace()
                guard expect("=") else { return nil }
                skipSpace()
                guard index < bytes.count else { return nil }
                let quote = bytes[index]
                guard quote == UInt8(ascii: "\"") || quote == UInt8(ascii: "'") else { return nil }
                index += 1
                let start = index
                while index < bytes.count, bytes[index] != quote {
                    if bytes[index] == UInt8(ascii: "<") { return nil }
                    index += 1
                }
                guard index < bytes.count, Self.decode(bytes[start..<index]) != nil else { return nil }
                index += 1
            }
        }

        /// Text with its entity and character references replaced; nil for an unknown entity or a
        /// reference to a character XML does not allow.
        private static func decode(_ run: ArraySlice<UInt8>) -> [UInt8]? {
            guard run.contains(UInt8(ascii: "&")) else { return Array(run) }
            var out: [UInt8] = []
            out.reserveCapacity(run.count)
            var position = run.startIndex
            while position < run.endIndex {
                let byte = run[position]
                guard byte == UInt8(ascii: "&") else {
                    out.append(byte)
                    position += 1
                    continue
                }
                guard let end = run[position...].firstIndex(of: UInt8(ascii: ";")), end - position <= 12 else { return nil }
                let reference = String(decoding: run[(position + 1)..<end], as: UTF8.self)
                switch reference {
                case "lt": out.append(UInt8(ascii: "<"))
                case "gt": out.append(UInt8(ascii: ">"))
                case "amp": out.append(UInt8(ascii: "&"))
                case "quot": out.append(UInt8(ascii: "\""))
                case "apos": out.append(UInt8(ascii: "'"))
                default:
                    guard reference.hasPrefix("#") else { return nil }
                    let digits = reference.dropFirst()
                    let value = digits.hasPrefix("x") ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits, radix: 10)
                    guard let value, value != 0, let scalar = Unicode.Scalar(value) else { return nil }
                    out += Array(String(Character(scalar)).utf8)
                }
                position = end + 1
            }
            return out
        }
    }
}
