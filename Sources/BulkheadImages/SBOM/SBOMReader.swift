import BulkheadCore

/// A package URL taken apart (purl spec: `pkg:type/namespace/name@version?qualifiers#subpath`).
public struct PackageURL: Sendable, Hashable {
    public var type: String
    public var namespace: String?
    public var name: String
    public var version: String?
    public var qualifiers: [String: String]

    public init?(_ text: String) {
        guard text.hasPrefix("pkg:") else { return nil }
        var rest = Substring(text.dropFirst(4))
        if let hash = rest.firstIndex(of: "#") { rest = rest[rest.startIndex..<hash] }
        qualifiers = [:]
        if let question = rest.firstIndex(of: "?") {
            for pair in rest[rest.index(after: question)...].split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { qualifiers[String(parts[0]).lowercased()] = Self.decode(parts[1]) }
            }
            rest = rest[rest.startIndex..<question]
        }
        if let at = rest.lastIndex(of: "@") {
            version = Self.decode(rest[rest.index(after: at)...])
            rest = rest[rest.startIndex..<at]
        }
        var parts = rest.split(separator: "/").map { Self.decode($0) }
        guard parts.count >= 2 else { return nil }
        type = parts.removeFirst().lowercased()
        name = parts.removeLast()
        namespace = parts.isEmpty ? nil : parts.joined(separator: "/")
    }

    static func decode(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        var index = text.utf8.startIndex
        let utf8 = text.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            if byte == UInt8(ascii: "%"), let high = utf8.index(index, offsetBy: 1, limitedBy: utf8.endIndex), high < utf8.endIndex,
               let low = utf8.index(index, offsetBy: 2, limitedBy: utf8.endIndex), low < utf8.endIndex,
               let value = UInt8(String(decoding: [utf8[high], utf8[low]], as: UTF8.self), radix: 16) {
                bytes.append(value)
                index = utf8.index(after: low)
                continue
            }
            bytes.append(byte)
            index = utf8.index(after: index)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

/// Reads packages from an SBOM — CycloneDX JSON or SPDX JSON, Bulkhead's, Syft's or Trivy's —
/// into the inventory the matcher takes. Source packages come from wherever the producer put
/// them: the purl's `upstream` qualifier (Syft, Bulkhead), CycloneDX `pedigree.ancestors`
/// (Bulkhead), Trivy's `aquasecurity:trivy:SrcName`/`SrcVersion` properties, or SPDX
/// `GENERATED_FROM` relationships and `sourceInfo`. The OS comes from the distro qualifier or an
/// operating-system component.
public enum SBOMReader {
    public static func read(_ bytes: [UInt8], file: String) throws -> PackageInventory {
        let output = bytes.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: file) }
        guard let root = output.documents.first?.root, root.isMapping else {
            throw Diagnostic(file: file, message: "not a JSON SBOM: \(output.diagnostics.first?.message ?? "empty")")
        }
        var packages: [Package] = []
        var os: OperatingSystem?
        var problems: [String] = []
        if root["bomFormat"]?.string == "CycloneDX" {
            var pending = root["components"]?.items ?? []
            while let component = pending.popLast() {
                pending += component["components"]?.items ?? []
                if component["type"]?.string == "operating-system", let name = component["name"]?.string {
                    os = OperatingSystem(id: name.lowercased(), versionID: component["version"]?.string, prettyName: component["description"]?.string, codename: nil)
                    continue
                }
                guard let purlText = component["purl"]?.string else { continue }
                guard let purl = PackageURL(purlText) else {
                    problems.append("\(file): component \(component["name"]?.string ?? "?"): purl \(purlText) cannot be read")
                    continue
                }
                var properties: [String: String] = [:]
                for property in component["properties"]?.items ?? [] {
                    if let name = property["name"]?.string, let value = property["value"]?.string { properties[name] = value }
                }
                // Bulkhead lists each source package once as its own component: not installed itself.
                if purl.qualifiers["arch"] == "source" || properties["bulkhead:package:binary"] != nil { continue }
                let ancestor = component["pedigree"]?["ancestors"]?.items?.first
                let source = properties["aquasecurity:trivy:SrcName"] ?? properties["bulkhead:package:source"] ?? ancestor?["name"]?.string
                // Trivy splits the source version: [SrcEpoch:]SrcVersion[-SrcRelease].
                let sourceVersion = properties["aquasecurity:trivy:SrcVersion"].map { version in
                    let full = properties["aquasecurity:trivy:SrcRelease"].map { "\(version)-\($0)" } ?? version
                    return properties["aquasecurity:trivy:SrcEpoch"].map { $0 == "0" ? full : "\($0):\(full)" } ?? full
                } ?? properties["bulkhead:package:sourceVersion"] ?? ancestor?["version"]?.string
                if let package = package(purl, source: source, sourceVersion: sourceVersion,
                                         path: properties["bulkhead:package:path"] ?? properties["syft:location:0:path"] ?? properties["aquasecurity:trivy:FilePath"] ?? file,
                                         layer: properties["bulkhead:layer:index"].flatMap { Int($0) }) {
                    packages.append(package)
                }
            }
        } else if root["spdxVersion"] != nil {
            var byID: [String: YAMLNode] = [:]
            for item in root["packages"]?.items ?? [] { if let id = item["SPDXID"]?.string { byID[id] = item } }
            var sources: [String: YAMLNode] = [:]
            for relationship in root["relationships"]?.items ?? [] where relationship["relationshipType"]?.string == "GENERATED_FROM" {
                if let element = relationship["spdxElementId"]?.string, let related = relationship["relatedSpdxElement"]?.string, let source = byID[related] {
                    sources[element] = source
                }
            }
            let sourceIDs = Set(sources.values.compactMap { $0["SPDXID"]?.string })
            for item in root["packages"]?.items ?? [] {
                guard let id = item["SPDXID"]?.string, !sourceIDs.contains(id), item["primaryPackagePurpose"]?.string != "SOURCE" else { continue }
                if item["primaryPackagePurpose"]?.string == "OPERATING-SYSTEM", item["externalRefs"] == nil, let name = item["name"]?.string {
                    os = OperatingSystem(id: name.lowercased(), versionID: item["versionInfo"]?.string, prettyName: nil, codename: nil)
                    continue
                }
                let purlText = (item["externalRefs"]?.items ?? []).first { $0["referenceType"]?.string == "purl" }?["referenceLocator"]?.string
                guard let purlText, let purl = PackageURL(purlText) else { continue }
                if purl.qualifiers["arch"] == "source" { continue }
                let source = sources[id]
                var sourceName = source?["name"]?.string
                var sourceVersion = source?["versionInfo"]?.string
                // Syft writes "built package from: openssl 3.0.11-1~deb12u2" in sourceInfo.
                if sourceName == nil, let info = item["sourceInfo"]?.string, let range = info.firstRange(of: "built package from: ") {
                    let words = info[range.upperBound...].split(separator: " ")
                    sourceName = words.first.map(String.init)
                    sourceVersion = words.dropFirst().first.map(String.init)
                }
                if let package = package(purl, source: sourceName, sourceVersion: sourceVersion, path: file, layer: nil) { packages.append(package) }
            }
        } else {
            throw Diagnostic(file: file, message: "neither CycloneDX (bomFormat) nor SPDX (spdxVersion)")
        }
        if os == nil, let distro = packages.lazy.compactMap(\.distro).first {
            let parts = distro.split(separator: "-", maxSplits: 1)
            os = OperatingSystem(id: String(parts[0]), versionID: parts.count == 2 ? String(parts[1]) : nil, prettyName: nil, codename: nil)
        }
        if let os { for index in packages.indices where packages[index].ecosystem.isOperatingSystem && packages[index].distro == nil { packages[index].distro = os.distro } }
        return PackageInventory(operatingSystem: os, packages: packages.reversed(), problems: problems)
    }

    static func package(_ purl: PackageURL, source: String?, sourceVersion: String?, path: String, layer: Int?) -> Package? {
        guard var version = purl.version else { return nil }
        // deb and rpm purls carry the epoch as a qualifier (Syft, Trivy).
        if let epoch = purl.qualifiers["epoch"], epoch != "0", !version.contains(":") { version = "\(epoch):\(version)" }
        let ecosystem: Ecosystem
        var name = purl.name
        switch purl.type {
        case "deb": ecosystem = purl.namespace == "ubuntu" ? .ubuntu : .debian
        case "apk": ecosystem = purl.namespace == "wolfi" || purl.namespace == "chainguard" ? .wolfi : .alpine
        case "rpm": ecosystem = .rpm
        case "pypi": ecosystem = .pypi
        case "npm":
            ecosystem = .npm
            if let namespace = purl.namespace { name = namespace + "/" + name }
        case "golang":
            ecosystem = .go
            if let namespace = purl.namespace { name = namespace + "/" + name }
        case "cargo": ecosystem = .cargo
        case "maven":
            ecosystem = .maven
            if let namespace = purl.namespace { name = namespace + ":" + name }
        default: return nil
        }
        var sourceName = source
        var sourceVersionValue = sourceVersion
        if let upstream = purl.qualifiers["upstream"] {
            // `openssl@3.0.11-1~deb12u2` (Bulkhead), `libssh2` or `libssh2 (1.10.0-3)`-like forms (Syft).
            let parts = upstream.split(separator: "@", maxSplits: 1)
            sourceName = sourceName ?? String(parts[0]).split(separator: " ").first.map(String.init)
            if parts.count == 2 { sourceVersionValue = sourceVersionValue ?? String(parts[1]) }
        }
        if ecosystem == .debian || ecosystem == .ubuntu || ecosystem == .alpine || ecosystem == .wolfi {
            sourceName = sourceName ?? name
            sourceVersionValue = sourceVersionValue ?? version
        }
        var package = Package(name: name, version: version, ecosystem: ecosystem, sourceName: ecosystem.isOperatingSystem ? sourceName : nil,
                              sourceVersion: ecosystem.isOperatingSystem ? sourceVersionValue : nil, architecture: purl.qualifiers["arch"],
                              layer: layer, path: path, distro: purl.qualifiers["distro"])
        if ecosystem == .go, name == "stdlib", !version.hasPrefix("go") { package.version = "go" + version.drop { $0 == "v" } }
        return package
    }
}
