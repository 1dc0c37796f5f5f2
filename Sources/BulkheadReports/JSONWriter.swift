import BulkheadCore

/// Writes JSON text directly (two-space indentation, keys in the order given). Reports with tens of
/// thousands of findings are written several times faster than through `JSONEncoder`, and handed
/// to `sink` in pieces of about `ReportChunk.size` bytes after each array element, so a
/// report is never held whole.
struct JSONWriter {
    private var bytes: [UInt8] = []
    private var depth = 0
    private var needsComma = [false]
    private let sink: ReportSink

    init(sink: @escaping ReportSink) {
        self.sink = sink
        bytes.reserveCapacity(ReportChunk.size + ReportChunk.size / 4)
    }

    /// Hands what is left to the sink, with the closing newline.
    mutating func finish() {
        bytes.append(UInt8(ascii: "\n"))
        flush()
    }

    private mutating func flush() {
        bytes.withUnsafeBytes { sink($0) }
        bytes.removeAll(keepingCapacity: true)
    }

    private static let spaces = [UInt8](repeating: UInt8(ascii: " "), count: 64)

    /// A line break and the indentation of the current depth, in pieces rather than byte by byte.
    private mutating func newline() {
        bytes.append(UInt8(ascii: "\n"))
        var remaining = 2 * depth
        while remaining > 0 {
            let width = min(remaining, Self.spaces.count)
            bytes.append(contentsOf: Self.spaces[0..<width])
            remaining -= width
        }
    }

    private mutating func separator() {
        if needsComma[needsComma.count - 1] { bytes.append(UInt8(ascii: ",")) }
        needsComma[needsComma.count - 1] = true
        if depth > 0 { newline() }
    }

    private mutating func key(_ name: String) {
        separator()
        JSONText.appendQuoted(name, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
        bytes.append(UInt8(ascii: " "))
    }

    private mutating func open(_ bracket: UInt8) {
        bytes.append(bracket)
        depth += 1
        needsComma.append(false)
    }

    private mutating func close(_ bracket: UInt8) {
        let hadItems = needsComma.removeLast()
        depth -= 1
        if hadItems { newline() }
        bytes.append(bracket)
    }

    mutating func object(_ body: (inout JSONWriter) -> Void) {
        open(UInt8(ascii: "{"))
        body(&self)
        close(UInt8(ascii: "}"))
    }

    mutating func object(_ name: String, _ body: (inout JSONWriter) -> Void) {
        key(name)
        object(body)
    }

    mutating func array(_ name: String, _ body: (inout JSONWriter) -> Void) {
        key(name)
        open(UInt8(ascii: "["))
        body(&self)
        close(UInt8(ascii: "]"))
    }

    /// An element of the enclosing array.
    mutating func element(_ body: (inout JSONWriter) -> Void) {
        separator()
        object(body)
        if bytes.count >= ReportChunk.size { flush() }
    }

    mutating func element(_ value: String) {
        separator()
        JSONText.appendQuoted(value, to: &bytes)
    }

    mutating func field(_ name: String, _ value: String) {
        key(name)
        JSONText.appendQuoted(value, to: &bytes)
    }

    mutating func field(_ name: String, _ value: String?) {
        if let value { field(name, value) }
    }

    mutating func field(_ name: String, _ value: Int) {
        key(name)
        bytes.append(contentsOf: String(value).utf8)
    }

    mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bytes.append(contentsOf: (value ? "true" : "false").utf8)
    }

    mutating func field(_ name: String, _ values: [String]) {
        array(name) { writer in
            for value in values { writer.element(value) }
        }
    }
}
