import BulkheadCore

/// One instruction of a Dockerfile, with where it starts.
public struct Instruction: Sendable, Hashable {
    /// Upper case: `RUN`, `FROM`.
    public var keyword: String
    /// The arguments as written, continuation lines joined with a space (flags included).
    public var arguments: String
    /// Exec form (`["a", "b"]`), when the arguments are a JSON array.
    public var exec: [String]?
    /// `--from=build`, `--chown=1000`, `--platform=…`, `--checksum=…`, `--mount=…` (repeatable, joined by newlines).
    public var flags: [String: String]
    /// The arguments after the flags, split as the shell would on spaces (quotes kept together).
    public var words: [String]
    public var line: Int
    public var column: Int
    /// Which build stage (0-based; FROM starts a new one).
    public var stage: Int
    /// Bodies of heredocs (`RUN <<EOF … EOF`).
    public var heredocs: [String]
    /// `# bulkhead.io/ignore: <check> <reason>` on the line above.
    public var suppression: SuppressionMarker?

    public var mark: Mark { Mark(line: line, column: column) }

    /// The shell commands of a RUN (exec form joined; heredoc bodies included).
    public var commandText: String {
        ((exec.map { $0.joined(separator: " ") } ?? words.joined(separator: " ")) + " " + heredocs.joined(separator: "\n"))
    }
}

/// A Dockerfile/Containerfile read into its instructions (BuildKit's syntax: parser directives,
/// the escape character, line continuations, comments between continued lines, heredocs).
public struct Dockerfile: InputModel, Sendable {
    public var file: String
    public var instructions: [Instruction]

    public var stages: [[Instruction]] {
        var result: [[Instruction]] = []
        for instruction in instructions {
            if instruction.keyword == "FROM" || result.isEmpty { result.append([]) }
            result[result.count - 1].append(instruction)
        }
        return result
    }

    static let keywords: Set<String> = ["FROM", "RUN", "CMD", "LABEL", "MAINTAINER", "EXPOSE", "ENV", "ADD", "COPY", "ENTRYPOINT", "VOLUME",
                                        "USER", "WORKDIR", "ARG", "ONBUILD", "STOPSIGNAL", "HEALTHCHECK", "SHELL"]

    public static func parse(_ text: String, file: String) -> (Dockerfile, [Diagnostic]) {
        var diagnostics: [Diagnostic] = []
        var escape: Character = "\\"
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        var instructions: [Instruction] = []
        var index = 0
        var directives = true
        var stage = -1
        var pendingSuppression: SuppressionMarker?
        while index < lines.count {
            let raw = lines[index]
            let trimmed = raw.trimmingWhitespace
            if trimmed.isEmpty {
                index += 1
                continue
            }
            if trimmed.hasPrefix("#") {
                let comment = trimmed.dropFirst().trimmingWhitespace
                if directives, let equals = comment.firstIndex(of: "="), comment[comment.startIndex..<equals].trimmingWhitespace.lowercased() == "escape" {
                    let value = comment[comment.index(after: equals)...].trimmingWhitespace
                    if value == "`" { escape = "`" }
                } else if comment.hasPrefix(Suppressions.key) {
                    let value = comment.dropFirst(Suppressions.key.count).drop { $0 == ":" || $0 == "=" || $0 == " " }
                    pendingSuppression = SuppressionMarker(value: String(value), mark: Mark(line: index + 1, column: 1), field: "comment")
                }
                index += 1
                continue
            }
            directives = false
            let startLine = index + 1
            let column = (raw.firstIndex { !$0.isWhitespace }.map { raw.distance(from: raw.startIndex, to: $0) } ?? 0) + 1
            // Join continuation lines; comment lines inside a continuation are dropped.
            var logical = trimmed
            while logical.last == escape, index + 1 < lines.count {
                logical.removeLast()
                index += 1
                while index < lines.count, lines[index].trimmingWhitespace.hasPrefix("#") { index += 1 }
                guard index < lines.count else { break }
                logical += " " + lines[index].trimmingWhitespace
            }
            index += 1
            let keywordEnd = logical.firstIndex { $0.isWhitespace } ?? logical.endIndex
            let keyword = logical[logical.startIndex..<keywordEnd].uppercased()
            let arguments = logical[keywordEnd...].trimmingWhitespace
            guard keywords.contains(keyword) else {
                diagnostics.append(Diagnostic(file: file, line: startLine, column: column, field: keyword, message: "unknown instruction \(keyword)"))
                pendingSuppression = nil
                continue
            }
            if keyword == "FROM" { stage += 1 }
            var instruction = Instruction(keyword: keyword, arguments: arguments, exec: nil, flags: [:], words: [], line: startLine, column: column,
                                          stage: max(stage, 0), heredocs: [], suppression: pendingSuppression)
            pendingSuppression = nil
            var words = split(arguments)
            while let first = words.first, first.hasPrefix("--") {
                let flag = first.dropFirst(2)
                let parts = flag.split(separator: "=", maxSplits: 1)
                let name = String(parts.first ?? "")
                let value = parts.count == 2 ? String(parts[1]) : ""
                instruction.flags[name] = instruction.flags[name].map { $0 + "\n" + value } ?? value
                words.removeFirst()
            }
            instruction.words = words
            let rest = words.joined(separator: " ")
            if rest.hasPrefix("["), let exec = parseExec(rest) { instruction.exec = exec }
            // Heredocs: `<<EOF` / `<<-EOF` / `<<"EOF"`; the body runs to the delimiter line.
            for word in words where word.hasPrefix("<<") {
                var delimiter = String(word.dropFirst(2))
                if delimiter.hasPrefix("-") { delimiter.removeFirst() }
                delimiter = delimiter.trimmingCharacters("\"'")
                guard !delimiter.isEmpty, delimiter.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else { continue }
                var body: [String] = []
                while index < lines.count, lines[index].trimmingWhitespace != delimiter {
                    body.append(lines[index])
                    index += 1
                }
                if index >= lines.count {
                    diagnostics.append(Diagnostic(file: file, line: startLine, column: column, field: keyword, message: "heredoc <<\(delimiter) is never closed"))
                }
                index += 1
                instruction.heredocs.append(body.joined(separator: "\n"))
            }
            instructions.append(instruction)
        }
        if !instructions.isEmpty, instructions.first(where: { $0.keyword != "ARG" })?.keyword != "FROM" {
            diagnostics.append(Diagnostic(level: .warning, file: file, line: instructions[0].line, column: 1, message: "the first instruction (after ARGs) is not FROM"))
        }
        return (Dockerfile(file: file, instructions: instructions), diagnostics)
    }

    /// Words as the shell splits them on spaces, quotes kept together (and removed).
    static func split(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character?
        var inWord = false
        for character in text {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            if character == "\"" || character == "'" {
                quote = character
                inWord = true
                continue
            }
            if character.isWhitespace {
                if inWord { words.append(current) }
                current = ""
                inWord = false
                continue
            }
            current.append(character)
            inWord = true
        }
        if inWord { words.append(current) }
        return words
    }

    static func parseExec(_ text: String) -> [String]? {
        let output = Array(text.utf8).withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: "exec") }
        guard output.diagnostics.isEmpty, let items = output.documents.first?.root.items else { return nil }
        let strings = items.compactMap(\.string)
        return strings.count == items.count ? strings : nil
    }
}

/// Files named `Dockerfile`, `Containerfile`, `*.Dockerfile`, `Dockerfile.*`, `*.containerfile`.
public struct DockerfileFormat: InputFormat {
    public var name: String { "Dockerfile" }
    public var fileExtensions: Set<String> { ["dockerfile", "containerfile"] }
    public func picks(fileName: String) -> Bool { Self.isDockerfile(fileName) }

    public init() {}

    public static func isDockerfile(_ path: String) -> Bool {
        let base = ImagePath.base(path)
        let lower = base.lowercased()
        if lower == "dockerfile" || lower == "containerfile" || lower.hasSuffix(".dockerfile") || lower.hasSuffix(".containerfile") { return true }
        // Dockerfile.dev, Containerfile.prod; not Dockerfile.yaml or Dockerfile.md.
        guard lower.hasPrefix("dockerfile.") || lower.hasPrefix("containerfile.") else { return false }
        return !["yaml", "yml", "json", "md", "txt", "sh", "py"].contains(lower.split(separator: ".").last.map(String.init) ?? "")
    }

    public func claims(file: String, head: UnsafeBufferPointer<UInt8>) -> Bool { Self.isDockerfile(file) }

    public func read(file: String, bytes: UnsafeBufferPointer<UInt8>, context: ReadContext) -> InputRead {
        let (dockerfile, diagnostics) = Dockerfile.parse(String(decoding: bytes, as: UTF8.self), file: file)
        return InputRead(models: [dockerfile], diagnostics: diagnostics, documents: 1)
    }
}
