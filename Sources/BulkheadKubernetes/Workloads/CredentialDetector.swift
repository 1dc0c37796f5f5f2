import BulkheadCore
import Foundation

/// Recognises values that look like credentials: by pattern (AWS access key IDs, private keys,
/// well-known token formats) or, for names that say "secret", by entropy. Values are never
/// printed: `mask` keeps a preview of the first characters and the length.
public enum CredentialDetector {
    public struct Match: Sendable {
        public var kind: String
        /// True for the AWS documentation's example keys and placeholders: not a live credential,
        /// but the real value is meant to go in the same place.
        public var isDocumentationExample: Bool
    }

    /// The access key ID and secret key the AWS documentation uses in every example.
    public static let awsDocumentationKeys: Set<String> = ["AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"]

    static let awsKeyPrefixes = ["AKIA", "ASIA", "AGPA", "AIDA", "AROA", "ANPA"]
    static let sensitiveWords = ["password", "passwd", "secret", "token", "credential", "auth", "apikey", "api_key", "api-key", "keycontent", "key_content"]
    static let sensitiveParts: Set<Substring> = ["key", "pwd", "pass"]
    static let placeholders: Set<String> = ["changeme", "change-me", "placeholder", "example", "redacted"]
    static let settings: Set<String> = ["true", "false", "yes", "no", "none", "null", "nil"]

    /// Names that say "this is a secret": password, token, api_key, AZURE_BATCH_KEY...
    static func isSensitiveName(_ name: String) -> Bool {
        let lower = name.lowercased()
        let bytes = Array(lower.utf8)
        if sensitiveWords.contains(where: { contains(bytes, $0) }) { return true }
        return lower.split(whereSeparator: { $0 == "_" || $0 == "-" || $0 == "." }).contains { sensitiveParts.contains($0) }
    }

    /// Whether `needle` (ASCII) occurs in `haystack`: a plain byte search, far cheaper than the
    /// string-processing generics for these short words.
    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard !pattern.isEmpty, haystack.count >= pattern.count else { return pattern.isEmpty }
        let first = pattern[0]
        var index = 0
        let last = haystack.count - pattern.count
        while index <= last {
            if haystack[index] == first {
                var offset = 1
                while offset < pattern.count && haystack[index + offset] == pattern[offset] { offset += 1 }
                if offset == pattern.count { return true }
            }
            index += 1
        }
        return false
    }

    static func trim(_ text: String) -> String {
        let characters = Substring(text)
        let start = characters.firstIndex { !$0.isWhitespace } ?? characters.endIndex
        let end = characters.lastIndex { !$0.isWhitespace }.map { characters.index(after: $0) } ?? start
        return start < end ? String(characters[start..<end]) : ""
    }

    static func all(_ text: String, _ allowed: (Character) -> Bool) -> Bool { text.allSatisfy(allowed) }
    static func alphanumeric(_ character: Character) -> Bool { character.isASCII && (character.isLetter || character.isNumber) }

    public static func inspect(name: String, value: String) -> Match? {
        let trimmed = trim(value)
        guard !trimmed.isEmpty else { return nil }
        if awsDocumentationKeys.contains(trimmed) { return Match(kind: "AWS documentation example key", isDocumentationExample: true) }
        if trimmed.utf8.count > 20, contains(Array(trimmed.utf8), "BEGIN"), contains(Array(trimmed.utf8), "PRIVATE KEY") {
            return Match(kind: "private key", isDocumentationExample: false)
        }
        if trimmed.count == 20, awsKeyPrefixes.contains(where: { trimmed.hasPrefix($0) }),
           all(trimmed, { $0.isASCII && ($0.isUppercase || $0.isNumber) }) {
            return Match(kind: "AWS access key ID", isDocumentationExample: false)
        }
        if trimmed.count >= 40, ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"].contains(where: { trimmed.hasPrefix($0) }),
           all(trimmed.dropFirst(4).description, alphanumeric) {
            return Match(kind: "GitHub token", isDocumentationExample: false)
        }
        if trimmed.count >= 14, ["xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-"].contains(where: { trimmed.hasPrefix($0) }) {
            return Match(kind: "Slack token", isDocumentationExample: false)
        }
        if trimmed.count >= 26, trimmed.hasPrefix("glpat-") { return Match(kind: "GitLab token", isDocumentationExample: false) }
        if trimmed.hasPrefix("eyJ"), trimmed.split(separator: ".").count == 3, !trimmed.contains(" ") {
            return Match(kind: "JSON web token", isDocumentationExample: false)
        }
        guard isSensitiveName(name) else { return nil }
        // A name that says "secret" with a value that is not a reference or a path.
        if trimmed.hasPrefix("$(") || trimmed.hasPrefix("${") || trimmed.hasPrefix("/")
            || (contains(Array(trimmed.utf8), "://") && !trimmed.contains("@")) {
            return nil
        }
        // Booleans and numbers (ports, sizes, TTLs) are settings about a secret, not the secret.
        let lower = trimmed.lowercased()
        if settings.contains(lower) { return nil }
        if let first = trimmed.first, first.isNumber, all(trimmed, { $0.isNumber || "smhdkKMGi".contains($0) }) { return nil }
        // A placeholder says where the real secret will be written: here, which is the problem.
        if placeholders.contains(lower) || all(lower, { $0 == "x" }) || all(trimmed, { $0 == "*" })
            || (trimmed.hasPrefix("<") && trimmed.hasSuffix(">")) || (trimmed.hasPrefix("{{") && trimmed.hasSuffix("}}")) {
            return Match(kind: "placeholder", isDocumentationExample: true)
        }
        if trimmed.count == 40, all(trimmed, { alphanumeric($0) || $0 == "+" || $0 == "/" }), entropy(trimmed) > 4.0 {
            return Match(kind: "AWS secret access key", isDocumentationExample: false)
        }
        // Whatever its strength, a literal value under a name that says "password" is a committed secret.
        return Match(kind: entropy(trimmed) >= 3.0 ? "credential-like value" : "literal secret value", isDocumentationExample: false)
    }

    /// Shannon entropy in bits per character.
    static func entropy(_ text: String) -> Double {
        var counts: [Character: Int] = [:]
        for character in text { counts[character, default: 0] += 1 }
        let length = Double(text.count)
        return counts.values.reduce(0) { total, count in
            let p = Double(count) / length
            return total - p * log2(p)
        }
    }

    /// "AK…(20 chars)": enough to recognise a value, never enough to use it.
    public static func mask(_ value: String) -> String {
        "\(value.prefix(2))…(\(value.count) chars)"
    }
}
