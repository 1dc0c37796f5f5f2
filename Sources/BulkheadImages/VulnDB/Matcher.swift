import BulkheadCore

/// A package affected by an advisory.
public struct Vulnerability: Sendable, Hashable {
    public var advisory: Advisory
    public var package: Package
    /// The version compared: the source package's for distribution packages.
    public var comparedVersion: String
    /// The first fixed version after the installed one; nil: no fix yet.
    public var fixedVersion: String?
}

/// Matches an image's packages against the database with each ecosystem's version order and
/// OSV's range semantics: a version is affected when an affected entry lists it, or when it lies
/// in a range — events sorted by version (`introduced: 0` first), `introduced` opening,
/// `fixed` closing (exclusive), `last_affected` closing (inclusive); `limit` belongs to GIT ranges
/// and is ignored. Distribution advisories match on the source package and its version.
public struct VulnerabilityMatcher {
    public let lookup: any AdvisoryLookup

    public init(lookup: any AdvisoryLookup) {
        self.lookup = lookup
    }

    public struct Result: Sendable {
        public var vulnerabilities: [Vulnerability] = []
        /// Packages that could not be matched, with why (no OS release, version not of its scheme).
        public var notMatched: [(Package, String)] = []
    }

    /// (ecosystem as the database names it, name, version) for a package.
    public static func key(_ package: Package, os: OperatingSystem?) -> (String, String, String)? {
        switch package.ecosystem {
        case .debian, .ubuntu, .alpine, .wolfi:
            guard let (_, name) = os?.ecosystem else { return nil }
            return (name, package.sourceName ?? package.name, package.sourceVersion ?? package.version)
        case .rpm:
            return nil
        case .pypi:
            return ("PyPI", PackageCatalog.normalizePyPI(package.name), package.version)
        case .go:
            return ("Go", package.name, Go.semver(package.version))
        case .npm:
            return ("npm", package.name, package.version)
        case .cargo:
            return ("crates.io", package.name, package.version)
        case .maven:
            return ("Maven", package.name, package.version)
        }
    }

    public func match(_ inventory: PackageInventory) throws -> Result {
        var result = Result()
        var cache: [String: [Advisory]] = [:]
        for package in inventory.packages {
            guard let (ecosystem, name, version) = Self.key(package, os: inventory.operatingSystem) else {
                result.notMatched.append((package, package.ecosystem == .rpm ? "RPM advisories are not in the database yet"
                    : "the image's operating system release is unknown (no /etc/os-release)"))
                continue
            }
            let cacheKey = ecosystem + "\u{0}" + name
            let advisories: [Advisory]
            if let cached = cache[cacheKey] {
                advisories = cached
            } else {
                advisories = try lookup.advisories(ecosystem: ecosystem, name: name)
                cache[cacheKey] = advisories
            }
            var seen: Set<String> = []
            for advisory in advisories {
                for affected in advisory.affected {
                    guard let verdict = Self.affects(version, affected, ecosystem: package.ecosystem) else { continue }
                    guard seen.insert(advisory.id).inserted else { continue }
                    result.vulnerabilities.append(Vulnerability(advisory: advisory, package: package, comparedVersion: version, fixedVersion: verdict.fixed))
                }
            }
        }
        return result
    }

    /// Nil when not affected; else the fixed version (nil: no fix yet).
    public static func affects(_ version: String, _ affected: Advisory.Affected, ecosystem: Ecosystem) -> (fixed: String?, Void)? {
        let compare = { (a: String, b: String) -> Int? in
            if a == b { return 0 }
            if a == "0" { return -1 }
            if b == "0" { return 1 }
            return VersionOrder.compare(a, b, ecosystem: ecosystem)
        }
        var listed = affected.versions.contains(version)
        if !listed, ecosystem == .go { listed = affected.versions.contains { Go.semver($0) == version } }
        var fixedForListed: String?
        for range in affected.ranges where range.type == "ECOSYSTEM" || range.type == "SEMVER" {
            let events = range.events.filter { if case .limit = $0 { return false } else { return true } }
            // Sort by version; a range whose versions are not of the scheme cannot be judged.
            let parses = { (v: String) in v == "0" || VersionOrder.compare(v, v, ecosystem: ecosystem) != nil }
            guard events.allSatisfy({ parses($0.version) }) else { continue }
            let sorted = events.sorted { a, b in
                let c = compare(a.version, b.version) ?? 0
                if c != 0 { return c < 0 }
                return order(a) < order(b)
            }
            guard parses(version) else { continue }
            var affectedNow = false
            var fixed: String?
            for event in sorted {
                switch event {
                case .introduced(let v):
                    if v == "0" || (compare(version, v) ?? -1) >= 0 { affectedNow = true; fixed = nil }
                case .fixed(let v):
                    if (compare(version, v) ?? -1) >= 0 { affectedNow = false } else if affectedNow, fixed == nil { fixed = v }
                case .lastAffected(let v):
                    if (compare(version, v) ?? -1) > 0 { affectedNow = false }
                case .limit:
                    break
                }
            }
            if affectedNow { return (fixed, ()) }
            if listed, fixedForListed == nil {
                fixedForListed = sorted.compactMap { if case .fixed(let v) = $0, (compare(v, version) ?? 0) > 0 { return v } else { return nil } }.first
            }
        }
        return listed ? (fixedForListed, ()) : nil
    }

    /// At one version, events apply in this order: a fix and an introduction at the same version
    /// (a re-introduced bug) leave it affected.
    static func order(_ event: Advisory.Event) -> Int {
        switch event {
        case .fixed: return 0
        case .lastAffected: return 1
        case .introduced: return 2
        case .limit: return 3
        }
    }
}

/// Where the matcher finds advisories: the database, or records in memory.
public protocol AdvisoryLookup: Sendable {
    func advisories(ecosystem: String, name: String) throws -> [Advisory]
}

extension VulnerabilityDatabase: AdvisoryLookup {}

/// Advisories in memory (an image description's own), each narrowed to the entry asked for.
public struct AdvisoryList: AdvisoryLookup {
    let advisories: [Advisory]

    public init(_ advisories: [Advisory]) { self.advisories = advisories }

    public func advisories(ecosystem: String, name: String) throws -> [Advisory] {
        advisories.compactMap { advisory in
            let affected = advisory.affected.filter { $0.ecosystem == ecosystem && $0.name == name }
            guard !affected.isEmpty else { return nil }
            var narrowed = advisory
            narrowed.affected = affected
            return narrowed
        }
    }
}

public struct CombinedLookup: AdvisoryLookup {
    let sources: [any AdvisoryLookup]

    public init(_ sources: [any AdvisoryLookup]) { self.sources = sources }

    public func advisories(ecosystem: String, name: String) throws -> [Advisory] {
        var seen: Set<String> = []
        return try sources.flatMap { try $0.advisories(ecosystem: ecosystem, name: name) }.filter { seen.insert($0.id).inserted }
    }
}
