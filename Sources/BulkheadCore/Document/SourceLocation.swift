/// A position in an input file. Lines and columns are 1-based, as editors and SARIF count them.
/// Stored in 32 bits each: every node of every tree carries one.
public struct Mark: Sendable, Hashable, Comparable, CustomStringConvertible {
    private var storedLine: Int32
    private var storedColumn: Int32

    public var line: Int {
        get { Int(storedLine) }
        set { storedLine = Int32(clamping: newValue) }
    }

    public var column: Int {
        get { Int(storedColumn) }
        set { storedColumn = Int32(clamping: newValue) }
    }

    public init(line: Int, column: Int) {
        storedLine = Int32(clamping: line)
        storedColumn = Int32(clamping: column)
    }

    public var description: String { "\(line):\(column)" }

    public static func < (lhs: Mark, rhs: Mark) -> Bool {
        (lhs.line, lhs.column) < (rhs.line, rhs.column)
    }
}

/// Where a finding or an error points: a file a person can open, a line and column, and the
/// field path inside the object (`spec.template.spec.containers[1].securityContext.privileged`).
public struct SourceLocation: Sendable, Hashable, Codable {
    public var file: String
    public var line: Int
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public init(file: String, mark: Mark) {
        self.init(file: file, line: mark.line, column: mark.column)
    }
}

/// A problem with the input itself (unreadable file, malformed YAML, wrong type of a field).
/// Diagnostics never stop a scan: the rest of the input is still read, and the exit code says
/// something went wrong.
public struct Diagnostic: Sendable, Hashable, Codable, Error, CustomStringConvertible {
    public enum Level: String, Sendable, Codable {
        case error
        case warning
    }

    public var level: Level
    public var file: String
    /// 0 when the problem concerns the whole file (unreadable, too large).
    public var line: Int
    public var column: Int
    /// The field path the problem is about, when there is one.
    public var field: String?
    public var message: String

    public init(level: Level = .error, file: String, line: Int = 0, column: Int = 0, field: String? = nil, message: String) {
        self.level = level
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
    }

    public var description: String {
        var place = file
        if line > 0 { place += ":\(line):\(column)" }
        if let field { return "\(place): \(level.rawValue): \(field): \(message)" }
        return "\(place): \(level.rawValue): \(message)"
    }
}
