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

    static let sensitiveName = try? NSRegularExpression(
        pattern: "(passw(or)?d|passwd|secret|token|credential|auth|api[_-]?key|(^|[_.-])(key|pwd|pass)([_.-]|$)|key[_-]?content)", options: [.caseInsensitive])

    public static func inspect(name: String, value: String) -> Match? {
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { return nil }
        if awsDocumentationKeys.contains(trimmed) { return Match(kind: "AWS documentation example key", isDocumentationExample: true) }
        if trimmed.contains("BEGIN") && trimmed.contains("PRIVATE KEY") { return Match(kind: "private key", isDocumentationExample: false) }
        if matches(trimmed, "^(AKIA|ASIA|AGPA|AIDA|AROA|ANPA)[A-Z0-9]{16}$") { return Match(kind: "AWS access key ID", isDocumentationExample: false) }
        if matches(trimmed, "^gh[pousr]_[A-Za-z0-9]{36,}$") { return Match(kind: "GitHub token", isDocumentationExample: false) }
        if matches(trimmed, "^xox[abposr]-[A-Za-z0-9-]{10,}$") { return Match(kind: "Slack token", isDocumentationExample: false) }
        if matches(trimmed, "^glpat-[A-Za-z0-9_-]{20,}$") { return Match(kind: "GitLab token", isDocumentationExample: false) }
        if matches(trimmed, "^eyJ[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]{10,}\\.[A-Za-z0-9_-]+$") { return Match(kind: "JSON web token", isDocumentationExample: false) }
        let range = NSRange(name.startIndex..., in: name)
        guard sensitiveName?.firstMatch(in: name, range: range) != nil else { return nil }
        // A name that says "secret" with a value that is not a reference, a path or a placeholder.
        if trimmed.hasPrefix("$(") || trimmed.hasPrefix("${") || trimmed.hasPrefix("/") || trimmed.contains("://") && !trimmed.contains("@") {
            return nil
        }
        // Booleans and numbers (ports, sizes, TTLs) are settings about a secret, not the secret.
        if matches(trimmed, "^(?i)(true|false|yes|no|none|null|nil)$") || matches(trimmed, "^[0-9]+[smhdkKMG]?i?$") { return nil }
        // A placeholder says where the real secret will be written: here, which is the problem.
        if matches(trimmed, "^(?i)(changeme|change-me|placeholder|example|redacted|x+|\\*+|<[^>]*>|\\{\\{.*\\}\\})$") {
            return Match(kind: "placeholder", isDocumentationExample: true)
        }
        if matches(trimmed, "^[A-Za-z0-9+/]{40}$") && entropy(trimmed) > 4.0 { return Match(kind: "AWS secret access key", isDocumentationExample: false) }
        // Whatever its strength, a literal value under a name that says "password" is a committed secret.
        return Match(kind: entropy(trimmed) >= 3.0 ? "credential-like value" : "literal secret value", isDocumentationExample: false)
    }

    static func matches(_ text: String, _ pattern: String) -> Bool {
        text.range(of: pattern, options: .regularExpression) != nil
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
