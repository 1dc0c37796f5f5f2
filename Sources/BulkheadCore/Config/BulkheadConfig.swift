import Foundation

/// `.bulkhead.yaml`: project defaults and exceptions.
///
/// ```yaml
/// failOn: high
/// podSecurity: {level: baseline, version: v1.30}
/// images:
///   allowedRegistries: ["*.dkr.ecr.*.amazonaws.com", "public.ecr.aws"]
///   digestSeverity: medium
/// exceptions:
///   - checks: [privileged, hostPathVolumes]    # "*" for every check
///     namespaces: [monitoring]                  # globs; omitted = any
///     resources: ["DaemonSet/node-exporter"]    # Kind/name globs; omitted = any
///     paths: ["charts/monitoring/**"]           # file globs; omitted = any
///     reason: node-exporter reads host metrics
///     expires: 2027-03-31                       # optional; after this date it stops suppressing
/// ```
public struct BulkheadConfig: Sendable {
    public var file: String
    public var failOn: Severity?
    public var podSecurityLevel: String?
    public var podSecurityVersion: String?
    /// `images.allowedRegistries`: registry globs images must come from (empty = not checked).
    public var allowedRegistries: [String] = []
    /// `images.digestSeverity`: severity of "image not pinned by digest".
    public var imageDigestSeverity: Severity?
    public var exceptions: [ConfigException]

    public init(file: String, failOn: Severity? = nil, podSecurityLevel: String? = nil, podSecurityVersion: String? = nil,
                exceptions: [ConfigException] = []) {
        self.file = file
        self.failOn = failOn
        self.podSecurityLevel = podSecurityLevel
        self.podSecurityVersion = podSecurityVersion
        self.exceptions = exceptions
    }

    public static let fileName = ".bulkhead.yaml"

    /// Reads a config file. Problems are returned as diagnostics; what could be read is kept.
    public static func load(path: String) -> (BulkheadConfig?, [Diagnostic]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            return (nil, [Diagnostic(file: path, message: "cannot read config file")])
        }
        return parse(String(decoding: data, as: UTF8.self), file: path)
    }

    public static func parse(_ text: String, file: String) -> (BulkheadConfig?, [Diagnostic]) {
        let loaded = YAMLLoader().load(text, file: file)
        var diagnostics = loaded.diagnostics
        var config = BulkheadConfig(file: file)
        guard let root = loaded.documents.first?.root, !root.isNull else {
            return (config, diagnostics)
        }
        guard let pairs = root.pairs else {
            diagnostics.append(Diagnostic(file: file, line: root.mark.line, column: root.mark.column,
                                          message: "expected a mapping at the top of the config, found \(root.typeName)"))
            return (nil, diagnostics)
        }
        func problem(_ node: YAMLNode, _ field: String, _ message: String) {
            diagnostics.append(Diagnostic(file: file, line: node.mark.line, column: node.mark.column, field: field, message: message))
        }
        for pair in pairs {
            switch pair.key {
            case "failOn":
                if let value = pair.value.string, let severity = Severity(rawValue: value.lowercased()) {
                    config.failOn = severity
                } else {
                    problem(pair.value, "failOn", "expected one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
                }
            case "podSecurity":
                config.podSecurityLevel = pair.value["level"]?.string
                config.podSecurityVersion = pair.value["version"]?.string
            case "admission":
                // Read by the admission webhook (AdmissionPolicy), which validates it.
                if !pair.value.isMapping && !pair.value.isNull {
                    problem(pair.value, "admission", "expected a mapping, found \(pair.value.typeName)")
                }
            case "images":
                guard pair.value.isMapping else {
                    problem(pair.value, "images", "expected a mapping, found \(pair.value.typeName)")
                    continue
                }
                for setting in pair.value.pairs ?? [] {
                    switch setting.key {
                    case "allowedRegistries":
                        if let items = setting.value.items {
                            config.allowedRegistries = items.compactMap(\.string)
                        } else {
                            problem(setting.value, "images.allowedRegistries", "expected a list of registry globs")
                        }
                    case "digestSeverity":
                        if let value = setting.value.string, let severity = Severity(rawValue: value.lowercased()) {
                            config.imageDigestSeverity = severity
                        } else {
                            problem(setting.value, "images.digestSeverity", "expected one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                    default:
                        problem(setting.value, "images.\(setting.key)", "unknown config field")
                    }
                }
            case "exceptions":
                guard let items = pair.value.items else {
                    if !pair.value.isNull { problem(pair.value, "exceptions", "expected a list, found \(pair.value.typeName)") }
                    continue
                }
                for (index, item) in items.enumerated() {
                    let field = "exceptions[\(index)]"
                    guard item.isMapping else {
                        problem(item, field, "expected a mapping, found \(item.typeName)")
                        continue
                    }
                    func strings(_ key: String) -> [String] {
                        guard let node = item[key], !node.isNull else { return [] }
                        if let single = node.string { return [single] }
                        guard let list = node.items else {
                            problem(node, "\(field).\(key)", "expected a string or a list of strings, found \(node.typeName)")
                            return []
                        }
                        return list.compactMap { element in
                            if let value = element.string { return value }
                            problem(element, "\(field).\(key)", "expected a string, found \(element.typeName)")
                            return nil
                        }
                    }
                    let checks = strings("checks") + strings("check")
                    guard !checks.isEmpty else {
                        problem(item, field, "an exception needs `checks` (use \"*\" for every check)")
                        continue
                    }
                    guard let reason = item["reason"]?.string, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
                        problem(item, field, "an exception needs a `reason`")
                        continue
                    }
                    var expires: DateComponents?
                    var expiresText: String?
                    if let node = item["expires"], !node.isNull {
                        expiresText = node.string
                        expires = expiresText.flatMap(Self.parseDate)
                        if expires == nil {
                            problem(node, "\(field).expires", "expected a date as YYYY-MM-DD")
                            continue
                        }
                    }
                    let unknown = item.pairs?.map(\.key).filter {
                        !["checks", "check", "namespaces", "resources", "paths", "reason", "expires"].contains($0)
                    } ?? []
                    for key in unknown { problem(item, "\(field).\(key)", "unknown field") }
                    config.exceptions.append(ConfigException(
                        checks: checks, namespaces: strings("namespaces").map(Glob.init),
                        resources: strings("resources").map(Glob.init), paths: strings("paths").map(Glob.init),
                        reason: reason, expires: expiresText, expiryDate: expires, file: file, line: item.mark.line))
                }
            default:
                problem(pair.value, pair.key, "unknown config field")
            }
        }
        return (config, diagnostics)
    }

    static func parseDate(_ text: String) -> DateComponents? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        return DateComponents(year: year, month: month, day: day)
    }
}

public struct ConfigException: Sendable {
    public var checks: [String]
    public var namespaces: [Glob]
    public var resources: [Glob]
    public var paths: [Glob]
    public var reason: String
    public var expires: String?
    var expiryDate: DateComponents?
    public var file: String
    public var line: Int

    /// An exception is valid through the whole of its `expires` day (UTC).
    public func isExpired(today: DateComponents) -> Bool {
        guard let expiry = expiryDate, let year = today.year, let month = today.month, let day = today.day,
              let expiryYear = expiry.year, let expiryMonth = expiry.month, let expiryDay = expiry.day else { return false }
        return (year, month, day) > (expiryYear, expiryMonth, expiryDay)
    }

    public func matches(_ finding: Finding, relativePath: String) -> Bool {
        guard checks.contains(where: { $0 == "*" || $0.lowercased() == finding.checkID.lowercased() }) else { return false }
        if !namespaces.isEmpty {
            let namespace = finding.resource.namespace ?? ""
            guard namespaces.contains(where: { $0.matches(namespace) }) else { return false }
        }
        if !resources.isEmpty {
            let name = "\(finding.resource.kind)/\(finding.resource.name)"
            guard resources.contains(where: { $0.matches(name) }) else { return false }
        }
        if !paths.isEmpty {
            guard paths.contains(where: { $0.matches(relativePath) || $0.matches(finding.location.file) }) else { return false }
        }
        return true
    }
}
