/// Java archives (jar, war, ear): `META-INF/maven/<group>/<artifact>/pom.properties` of the archive
/// and of the archives nested in it (`BOOT-INF/lib/`, `WEB-INF/lib/`), else the manifest's
/// `Implementation-Title`/`Implementation-Version` (no group: named by the archive, matched only
/// by exact name). Read as the layer streams by; the archive's bytes are dropped afterwards.
public struct JavaArtifact: Sendable, Hashable {
    public var group: String?
    public var artifact: String
    public var version: String
    /// `app.jar!BOOT-INF/lib/x.jar`.
    public var path: String

    public var name: String { group.map { "\($0):\(artifact)" } ?? artifact }
}

enum JavaArchive {
    static let extensions = [".jar", ".war", ".ear", ".par", ".sar", ".jpi", ".hpi"]

    static func isArchive(_ path: String) -> Bool {
        let lower = path.lowercased()
        return extensions.contains { lower.hasSuffix($0) }
    }

    static func properties(_ text: String) -> [String: String] {
        var result: [String: String] = [:]
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" }) {
            let trimmed = line.trimmingWhitespace
            guard !trimmed.hasPrefix("#"), let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            result[trimmed[trimmed.startIndex..<separator].trimmingWhitespace] = trimmed[trimmed.index(after: separator)...].trimmingWhitespace
        }
        return result
    }

    static func artifacts(_ bytes: [UInt8], path: String, depth: Int = 0) throws -> [JavaArtifact] {
        let zip = try ZipArchive(bytes, place: path)
        var found: [JavaArtifact] = []
        for entry in zip.entries where entry.name.hasPrefix("META-INF/maven/") && entry.name.hasSuffix("/pom.properties") {
            let values = properties(String(decoding: try zip.contents(entry, limit: 1 << 20), as: UTF8.self))
            guard let artifact = values["artifactId"], let version = values["version"] else { continue }
            found.append(JavaArtifact(group: values["groupId"], artifact: artifact, version: version, path: path))
        }
        if found.isEmpty, let manifest = zip.entries.first(where: { $0.name == "META-INF/MANIFEST.MF" }) {
            let values = properties(String(decoding: try zip.contents(manifest, limit: 1 << 20), as: UTF8.self))
            if let version = values["Implementation-Version"] ?? values["Bundle-Version"] {
                let base = ImagePath.base(path.split(separator: "!").last.map(String.init) ?? path)
                let title = values["Implementation-Title"] ?? values["Bundle-SymbolicName"] ?? String(base.prefix { $0 != "." })
                found.append(JavaArtifact(group: values["Implementation-Vendor-Id"], artifact: title, version: version, path: path))
            }
        }
        if depth < 3 {
            for entry in zip.entries where isArchive(entry.name) {
                let nested = "\(path)!\(entry.name)"
                if let inner = try? zip.contents(entry, limit: 128 << 20) {
                    found += (try? artifacts(inner, path: nested, depth: depth + 1)) ?? []
                }
            }
        }
        return found
    }
}
