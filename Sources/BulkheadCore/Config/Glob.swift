/// Shell-style patterns for exceptions: `*` matches within one path segment, `**` across
/// segments, `?` one character. Used for namespaces, `Kind/name` and file paths alike.
public struct Glob: Sendable, Hashable {
    public let pattern: String
    private let parts: [Character]

    public init(_ pattern: String) {
        self.pattern = pattern
        self.parts = Array(pattern)
    }

    public func matches(_ text: String) -> Bool {
        Self.match(parts[...], Array(text)[...])
    }

    private static func match(_ pattern: ArraySlice<Character>, _ text: ArraySlice<Character>) -> Bool {
        guard let first = pattern.first else { return text.isEmpty }
        if first == "*" {
            let doubled = pattern.dropFirst().first == "*"
            let rest = pattern.dropFirst(doubled ? 2 : 1)
            // `a/**/b` also matches `a/b`.
            if doubled, rest.first == "/", match(rest.dropFirst(), text) { return true }
            var index = text.startIndex
            while true {
                if match(rest, text[index...]) { return true }
                guard index < text.endIndex else { return false }
                if !doubled && text[index] == "/" { return false }
                index = text.index(after: index)
            }
        }
        guard let character = text.first else { return false }
        if first == "?" ? character != "/" : first == character {
            return match(pattern.dropFirst(), text.dropFirst())
        }
        return false
    }
}
