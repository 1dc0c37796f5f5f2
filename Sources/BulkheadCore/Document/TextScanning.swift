/// Pieces the direct loaders (`JSONLoader`, `BlockYAMLLoader`) share with each other.

/// Columns as libyaml counts them: characters, not bytes. The count goes on from the last
/// position asked, so that the values of a long (minified) line are not each counted from the
/// start of the line.
struct ColumnCounter {
    private var anchor = 0
    private var anchorColumn = 0

    /// 0-based column of byte `at`, on the line that starts at byte `lineStart` of `bytes`.
    mutating func column(of at: Int, lineStart: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        if anchor < lineStart || anchor > at {
            anchor = lineStart
            anchorColumn = 0
        }
        var column = anchorColumn
        var position = anchor
        while position < at {
            // Count characters, not bytes: skip UTF-8 continuation bytes.
            if bytes[position] & 0xC0 != 0x80 { column += 1 }
            position += 1
        }
        anchor = at
        anchorColumn = column
        return column
    }
}

enum HexDigits {
    /// The value of `count` hexadecimal digits at `start` of `bytes`, or nil when one is not.
    static func value(_ bytes: UnsafeBufferPointer<UInt8>, at start: Int, count: Int) -> UInt32? {
        guard start + count <= bytes.count else { return nil }
        var value: UInt32 = 0
        for position in start..<(start + count) {
            let byte = bytes[position]
            let digit: UInt8
            switch byte {
            case 0x30...0x39: digit = byte - 0x30
            case 0x41...0x46: digit = byte - 0x41 + 10
            case 0x61...0x66: digit = byte - 0x61 + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        return value
    }
}

/// Characters libyaml refuses or treats as something else (C1 controls, NEL, the byte order mark
/// inside a document, the Unicode line and paragraph separators, non-characters): the fast roads
/// leave input holding them to libyaml, so no tree or diagnostic depends on the road.
enum LibyamlCharacters {
    @inline(__always) static func isSpecial(_ value: UInt32) -> Bool {
        (0x80...0x9F).contains(value) || value == 0xFEFF || value == 0x2028 || value == 0x2029 || value == 0xFFFE || value == 0xFFFF
    }

    static func holdsSpecial(_ text: String) -> Bool {
        text.unicodeScalars.contains { isSpecial($0.value) }
    }
}
