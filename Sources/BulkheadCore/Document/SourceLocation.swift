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

/// Where a finding or an error points. One of three places:
/// - a **file position**: a file a person can open, a line and column (the finding's field path
///   names the field inside the object);
/// - a **cloud resource** read from an account (`cloud`: its ARN or ID, type, account, region);
///   `file` then holds its `aws://account/region/type/id` name and the line is 0;
/// - an **event** (`event`: its ID and time, in the stream `file` names), for detections.
public struct SourceLocation: Sendable, Hashable, Codable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var cloud: CloudLocation?
    public var event: EventLocation?

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    public init(file: String, mark: Mark) {
        self.init(file: file, line: mark.line, column: mark.column)
    }

    public init(cloud: CloudLocation) {
        self.init(file: cloud.uri, line: 0, column: 0)
        self.cloud = cloud
    }

    public init(event: EventLocation, in stream: String) {
        self.init(file: stream, line: 0, column: 0)
        self.event = event
    }

    /// Whether the location is a position in a file (rather than a cloud resource or an event).
    public var isFilePosition: Bool { cloud == nil && event == nil }

    /// `file:line:column`, the cloud resource's name, or `stream#event-id@time`.
    public var description: String {
        if let cloud { return cloud.arn ?? cloud.uri }
        if let event { return "\(file)#\(event.id)" + (event.time.map { "@\($0)" } ?? "") }
        return line > 0 ? "\(file):\(line):\(column)" : file
    }
}

/// A resource of a cloud account, as read from its API.
public struct CloudLocation: Sendable, Hashable, Codable {
    public var provider: String
    public var account: String
    public var region: String
    public var type: String
    /// The ID the API gives (a name, a `vpc-...` ID, an ARN).
    public var id: String
    /// The ARN, when the ID is one.
    public var arn: String?

    public init(provider: String = "aws", account: String, region: String, type: String, id: String) {
        self.provider = provider
        self.account = account
        self.region = region
        self.type = type
        self.id = id
        arn = id.hasPrefix("arn:") ? id : nil
    }

    /// `aws://account/region/type/id`.
    public var uri: String { "\(provider)://\(account)/\(region)/\(type)/\(id)" }
}

/// An event of a stream (an audit event, a runtime event, a request).
public struct EventLocation: Sendable, Hashable, Codable {
    public var id: String
    /// RFC 3339, as the event says.
    public var time: String?

    public init(id: String, time: String?) {
        self.id = id
        self.time = time
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
