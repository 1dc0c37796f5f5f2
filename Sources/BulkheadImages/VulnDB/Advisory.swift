import BulkheadCore

/// One advisory, as OSV models it (every source is read into this shape: OSV records, Alpine
/// secdb, the Debian Security Tracker).
public struct Advisory: Sendable, Hashable {
    public struct Affected: Sendable, Hashable {
        /// `PyPI`, `Go`, `Debian:12`, `Alpine:v3.11`.
        public var ecosystem: String
        /// As the matcher looks it up (PyPI names normalised).
        public var name: String
        public var ranges: [Range]
        public var versions: [String]
    }

    public struct Range: Sendable, Hashable {
        /// `ECOSYSTEM`, `SEMVER` (GIT ranges are dropped at import: they name commits, not versions).
        public var type: String
        public var events: [Event]
    }

    public enum Event: Sendable, Hashable {
        case introduced(String)
        case fixed(String)
        case lastAffected(String)
        case limit(String)

        public var version: String {
            switch self {
            case .introduced(let v), .fixed(let v), .lastAffected(let v), .limit(let v): return v
            }
        }
    }

    public var id: String
    /// Aliases and upstream IDs (CVE, GHSA...).
    public var aliases: [String]
    public var summary: String?
    /// Severity as the source states it or as computed from the CVSS vector.
    public var severity: Severity?
    public var score: Double?
    public var vector: String?
    public var modified: String?
    public var published: String?
    /// Where it came from: `osv`, `alpine-secdb`, `debian-tracker`.
    public var source: String
    public var affected: [Affected]
}

/// Reads advisories from the documents each source publishes.
public enum AdvisoryParser {
    /// An OSV record (JSON or YAML). Withdrawn records return nil (they must be ignored).
    public static func osv(_ node: YAMLNode, file: String) throws -> Advisory? {
        guard let id = node["id"]?.string, !id.isEmpty else { throw Diagnostic(file: file, line: node.mark.line, field: "id", message: "an OSV record without an id") }
        if let withdrawn = node["withdrawn"]?.string, !withdrawn.isEmpty { return nil }
        var advisory = Advisory(id: id, aliases: [], summary: node["summary"]?.string ?? node["details"]?.string.map { String($0.prefix(200)) },
                                severity: nil, score: nil, vector: nil, modified: node["modified"]?.string, published: node["published"]?.string,
                                source: "osv", affected: [])
        advisory.aliases = (node["aliases"]?.items ?? []).compactMap(\.string) + (node["upstream"]?.items ?? []).compactMap(\.string)
        for entry in node["severity"]?.items ?? [] {
            guard let type = entry["type"]?.string, let score = entry["score"]?.string else { continue }
            if type == "CVSS_V3", let value = CVSS.v3BaseScore(score) {
                advisory.score = value
                advisory.vector = score
                advisory.severity = CVSS.rating(value)
            } else if advisory.vector == nil {
                advisory.vector = score
            }
        }
        if advisory.severity == nil, let text = node["database_specific"]?["severity"]?.string { advisory.severity = rating(text) }
        guard let affected = node["affected"]?.items else {
            throw Diagnostic(file: file, line: node.mark.line, field: "affected", message: "\(id): no affected list")
        }
        var merged: [String: Int] = [:]
        for (position, entry) in affected.enumerated() {
            guard let ecosystem = entry["package"]?["ecosystem"]?.string, let rawName = entry["package"]?["name"]?.string else {
                throw Diagnostic(file: file, line: entry.mark.line, field: "affected[\(position)].package", message: "\(id): package without ecosystem or name")
            }
            if advisory.severity == nil, let text = entry["ecosystem_specific"]?["severity"]?.string ?? entry["database_specific"]?["severity"]?.string {
                advisory.severity = rating(text)
            }
            let name = normalize(rawName, ecosystem: ecosystem)
            var ranges: [Advisory.Range] = []
            for range in entry["ranges"]?.items ?? [] {
                let type = range["type"]?.string ?? ""
                guard type != "GIT" else { continue }
                var events: [Advisory.Event] = []
                for event in range["events"]?.items ?? [] {
                    if let v = event["introduced"]?.string { events.append(.introduced(v)) }
                    if let v = event["fixed"]?.string { events.append(.fixed(v)) }
                    if let v = event["last_affected"]?.string { events.append(.lastAffected(v)) }
                    if let v = event["limit"]?.string { events.append(.limit(v)) }
                }
                ranges.append(Advisory.Range(type: type, events: events))
            }
            let versions = (entry["versions"]?.items ?? []).compactMap(\.string)
            guard !ranges.isEmpty || !versions.isEmpty else { continue }
            // The same package twice (Go: two import paths of one module): one entry, ranges merged.
            let key = ecosystem + "\u{0}" + name
            if let existing = merged[key] {
                advisory.affected[existing].ranges += ranges
                advisory.affected[existing].versions += versions
            } else {
                merged[key] = advisory.affected.count
                advisory.affected.append(Advisory.Affected(ecosystem: ecosystem, name: name, ranges: ranges, versions: versions))
            }
        }
        return advisory
    }

    /// The name the matcher looks up: PyPI names normalised (PEP 503); others as written.
    public static func normalize(_ name: String, ecosystem: String) -> String {
        ecosystem == "PyPI" ? PackageCatalog.normalizePyPI(name) : name
    }

    static func rating(_ text: String) -> Severity? {
        switch text.lowercased() {
        case "critical": return .critical
        case "high", "important": return .high
        case "moderate", "medium": return .medium
        case "low", "negligible", "unimportant": return .low
        default: return nil
        }
    }

    /// Alpine secdb (YAML or JSON): `{distroversion, reponame, packages: [{pkg: {name, secfixes: {version: [ids]}}}]}`.
    /// Names are origin (source) packages; a fixed version `0` means never affected. Ids carry
    /// extra text at times (`CVE-2017-2887 TALOS-2017-0394`): the first CVE (else GHSA, else the
    /// first word) is the id.
    public static func alpineSecDB(_ node: YAMLNode, file: String, ecosystemName: String = "Alpine") throws -> [Advisory] {
        // Wolfi's feed has no release; an Alpine file with `packages:` empty holds no fixes.
        let version = node["distroversion"]?.string
        guard version != nil || ecosystemName == "Wolfi" else {
            throw Diagnostic(file: file, line: node.mark.line, field: "distroversion", message: "not an Alpine secdb document (no distroversion)")
        }
        let packages = node["packages"]?.items ?? []
        let ecosystem = ecosystemName == "Wolfi" ? "Wolfi" : "\(ecosystemName):\((version ?? "").hasPrefix("v") ? version ?? "" : "v" + (version ?? ""))"
        var byID: [String: Advisory] = [:]
        var order: [String] = []
        for entry in packages {
            guard let name = entry["pkg"]?["name"]?.string else { continue }
            for fix in entry["pkg"]?["secfixes"]?.pairs ?? [] {
                let fixed = fix.key
                if fixed == "0" { continue }
                for idNode in fix.value.items ?? [] {
                    guard let text = idNode.string, let id = primaryID(text) else { continue }
                    let affected = Advisory.Affected(ecosystem: ecosystem, name: name,
                                                     ranges: [Advisory.Range(type: "ECOSYSTEM", events: [.introduced("0"), .fixed(fixed)])], versions: [])
                    let key = ecosystem + "/" + id
                    if byID[key] == nil {
                        order.append(key)
                        byID[key] = Advisory(id: id, aliases: [], summary: nil, severity: nil, score: nil, vector: nil, modified: nil,
                                             published: nil, source: "alpine-secdb", affected: [])
                    }
                    byID[key]?.affected.append(affected)
                }
            }
        }
        return order.compactMap { byID[$0] }
    }

    static func primaryID(_ text: String) -> String? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "(" || $0 == ")" }).map { String($0).replacingOccurrences("_", "-") }
        return words.first { $0.hasPrefix("CVE-") } ?? words.first { $0.hasPrefix("GHSA-") } ?? words.first
    }

    /// Debian codenames → release numbers (the tracker names releases by codename).
    static let debianReleases: [String: String] = ["buster": "10", "bullseye": "11", "bookworm": "12", "trixie": "13", "forky": "14",
                                                   "stretch": "9", "jessie": "8"]

    /// The Debian Security Tracker's JSON (`{source: {CVE: {releases: {codename: {status,
    /// fixed_version, urgency}}}}}`): resolved → fixed at that version (`0`: never affected);
    /// open → affected, no fix yet.
    public static func debianTracker(_ node: YAMLNode, file: String) -> [Advisory] {
        var byID: [String: Advisory] = [:]
        var order: [String] = []
        for source in node.pairs ?? [] {
            for vulnerability in source.value.pairs ?? [] {
                let id = vulnerability.key
                for release in vulnerability.value["releases"]?.pairs ?? [] {
                    guard let number = debianReleases[release.key], let status = release.value["status"]?.string else { continue }
                    var events: [Advisory.Event] = [.introduced("0")]
                    switch status {
                    case "resolved":
                        guard let fixed = release.value["fixed_version"]?.string, fixed != "0" else { continue }
                        events.append(.fixed(fixed))
                    case "open", "undetermined":
                        break
                    default:
                        continue
                    }
                    let affected = Advisory.Affected(ecosystem: "Debian:\(number)", name: source.key, ranges: [Advisory.Range(type: "ECOSYSTEM", events: events)], versions: [])
                    if byID[id] == nil {
                        order.append(id)
                        byID[id] = Advisory(id: id, aliases: [], summary: vulnerability.value["description"]?.string.map { String($0.prefix(200)) },
                                            severity: release.value["urgency"]?.string.flatMap { rating($0.replacingOccurrences("*", " ").trimmingWhitespace) },
                                            score: nil, vector: nil, modified: nil, published: nil, source: "debian-tracker", affected: [])
                    }
                    byID[id]?.affected.append(affected)
                }
            }
        }
        return order.compactMap { byID[$0] }
    }
}

/// CVSS v3.x base scores from the vector (the specification's formulas, v3.1 rounding).
public enum CVSS {
    public static func v3BaseScore(_ vector: String) -> Double? {
        guard vector.hasPrefix("CVSS:3") else { return nil }
        var metrics: [String: String] = [:]
        for part in vector.split(separator: "/").dropFirst() {
            let pair = part.split(separator: ":")
            if pair.count == 2 { metrics[String(pair[0])] = String(pair[1]) }
        }
        guard let av = ["N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2][metrics["AV"] ?? ""],
              let ac = ["L": 0.77, "H": 0.44][metrics["AC"] ?? ""],
              let ui = ["N": 0.85, "R": 0.62][metrics["UI"] ?? ""],
              let scope = metrics["S"], scope == "U" || scope == "C",
              let c = ["H": 0.56, "L": 0.22, "N": 0.0][metrics["C"] ?? ""],
              let i = ["H": 0.56, "L": 0.22, "N": 0.0][metrics["I"] ?? ""],
              let a = ["H": 0.56, "L": 0.22, "N": 0.0][metrics["A"] ?? ""] else { return nil }
        let changed = scope == "C"
        guard let pr = (changed ? ["N": 0.85, "L": 0.68, "H": 0.5] : ["N": 0.85, "L": 0.62, "H": 0.27])[metrics["PR"] ?? ""] else { return nil }
        let iss = 1 - (1 - c) * (1 - i) * (1 - a)
        let impact = changed ? 7.52 * (iss - 0.029) - 3.25 * pow15(iss - 0.02) : 6.42 * iss
        let exploitability = 8.22 * av * ac * pr * ui
        guard impact > 0 else { return 0 }
        return roundUp(min(changed ? 1.08 * (impact + exploitability) : impact + exploitability, 10))
    }

    static func pow15(_ x: Double) -> Double {
        var result = 1.0
        for _ in 0..<15 { result *= x }
        return result
    }

    static func roundUp(_ value: Double) -> Double {
        let integer = Int((value * 100_000).rounded())
        if integer % 10_000 == 0 { return Double(integer) / 100_000 }
        return (Double(integer / 10_000) + 1) / 10
    }

    public static func rating(_ score: Double) -> Severity {
        switch score {
        case 9...: return .critical
        case 7..<9: return .high
        case 4..<7: return .medium
        case 0.1..<4: return .low
        default: return .info
        }
    }
}
