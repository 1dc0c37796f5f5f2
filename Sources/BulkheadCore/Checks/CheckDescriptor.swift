/// Everything a check says about itself: what it looks for, how bad it is, which control it
/// evidences, how to fix it, and manifests that must and must not trigger it. `bulkhead checks`,
/// `bulkhead explain` and the SARIF rules are all generated from this one value, and one test
/// runs every example of every check.
public struct CheckDescriptor: Sendable, Hashable {
    /// What a check needs to see to give a verdict.
    public enum Scope: String, Sendable, Hashable {
        /// The object under review alone: such a check also runs in the admission webhook.
        case object
        /// Other objects of the input too (bindings, policies, service accounts, mounts): it runs on
        /// a whole input, never on a single object at admission, where the rest is not visible.
        case cluster
    }

    public var id: String
    public var title: String
    public var severity: Severity
    /// Free-form grouping shown in listings: "pod-security/baseline", "pod-security/restricted".
    public var category: String
    public var description: String
    public var remediation: String
    /// IDs from `ControlCatalog`.
    public var controls: [String]
    public var frameworks: [FrameworkReference]
    /// Where the rule comes from (the standard's own page).
    public var helpURI: String?
    public var scope: Scope
    public var examples: [CheckExample]
    /// The kinds or resource types the check judges (see `CheckSuite.examines`).
    public var examines: Set<String> = []

    public init(id: String, title: String, severity: Severity, category: String, description: String, remediation: String,
                controls: [String], frameworks: [FrameworkReference] = [], helpURI: String? = nil, scope: Scope = .object,
                examples: [CheckExample]) {
        self.id = id
        self.title = title
        self.severity = severity
        self.category = category
        self.description = description
        self.remediation = remediation
        self.controls = controls
        self.frameworks = frameworks
        self.helpURI = helpURI
        self.scope = scope
        self.examples = examples
    }
}

extension CheckDescriptor {
    /// Whether `--only` selectors pick this check: by ID, or by category prefix (`pod-security`
    /// selects baseline and restricted, `aws` every AWS check).
    public func matches(_ selectors: [String]) -> Bool {
        selectors.contains { id.lowercased() == $0.lowercased() || category.hasPrefix($0.lowercased()) }
    }
}

public struct CheckExample: Sendable, Hashable {
    public enum Expectation: String, Sendable {
        /// The check must report at least one finding on this input.
        case violation
        /// The check must report nothing on this input.
        case compliant
    }

    public var expect: Expectation
    /// The input, with the markers taken out.
    public var manifest: String
    /// Scan options the example needs (e.g. a Pod Security version), as command-line flags would give them.
    public var options: ScanOptions
    public var note: String?
    /// A violating example says where its findings must point, one of two ways: a `↓` written in
    /// the manifest just before each offending value (SwiftLint's marker; `marks` holds their
    /// positions once removed), or the field paths of the findings (`at`), which the example test
    /// also resolves in the manifest to check the line and column.
    public var marks: [Mark]
    public var at: [String]
    /// The file name the example is read as (`Dockerfile`); nil: a YAML manifest.
    public var file: String?

    public static let marker: Character = "↓"

    public init(_ expect: Expectation, _ manifest: String, options: ScanOptions = ScanOptions(), note: String? = nil, at: [String] = [], file: String? = nil) {
        self.expect = expect
        self.file = file
        self.options = options
        self.note = note
        self.at = at
        // Every descriptor is built at start-up: only a manifest with a marker is walked.
        var text = manifest
        guard text.withUTF8({ ByteSearch.contains($0, String(Self.marker)) }) else {
            self.manifest = manifest
            self.marks = []
            return
        }
        var clean = ""
        var marks: [Mark] = []
        var line = 1
        var column = 1
        for character in manifest {
            if character == Self.marker {
                marks.append(Mark(line: line, column: column))
                continue
            }
            clean.append(character)
            if character == "\n" {
                line += 1
                column = 1
            } else {
                column += character.utf8.count
            }
        }
        self.manifest = clean
        self.marks = marks
    }
}
