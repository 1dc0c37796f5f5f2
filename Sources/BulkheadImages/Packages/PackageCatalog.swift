import BulkheadCore

/// Package ecosystems, named as OSV names them.
public enum Ecosystem: String, Sendable, Hashable, Codable, CaseIterable {
    case debian = "Debian"
    case ubuntu = "Ubuntu"
    case alpine = "Alpine"
    case wolfi = "Wolfi"
    case rpm = "RPM"
    case pypi = "PyPI"
    case npm = "npm"
    case go = "Go"
    case cargo = "crates.io"
    case maven = "Maven"

    public var isOperatingSystem: Bool { [.debian, .ubuntu, .alpine, .wolfi, .rpm].contains(self) }

    /// The purl type (`pkg:deb/...`).
    public var purlType: String {
        switch self {
        case .debian, .ubuntu: return "deb"
        case .alpine, .wolfi: return "apk"
        case .rpm: return "rpm"
        case .pypi: return "pypi"
        case .npm: return "npm"
        case .go: return "golang"
        case .cargo: return "cargo"
        case .maven: return "maven"
        }
    }
}

/// One installed package, with the evidence it was read from.
public struct Package: Sendable, Hashable {
    public var name: String
    public var version: String
    public var ecosystem: Ecosystem
    /// The source package (Debian `Source:`, Alpine origin); nil when it is the package itself.
    public var sourceName: String?
    public var sourceVersion: String?
    public var architecture: String?
    public var licenses: [String] = []
    /// The layer that added it (its first appearance with this version).
    public var layer: Int?
    /// The file it was read from (`var/lib/dpkg/status`, a METADATA, a binary).
    public var path: String
    /// For OS packages: `debian-12`, so purls carry the distro qualifier.
    public var distro: String?

    public init(name: String, version: String, ecosystem: Ecosystem, sourceName: String? = nil, sourceVersion: String? = nil,
                architecture: String? = nil, layer: Int? = nil, path: String, distro: String? = nil) {
        self.name = name
        self.version = version
        self.ecosystem = ecosystem
        self.sourceName = sourceName
        self.sourceVersion = sourceVersion
        self.architecture = architecture
        self.layer = layer
        self.path = path
        self.distro = distro
    }

    /// The package URL (purl spec): namespace for OS packages is the distro ID; qualifiers
    /// `arch`, `distro` and (Debian) `upstream` for the source package.
    public var purl: String {
        var namespace: String?
        var purlName = name
        switch ecosystem {
        case .debian: namespace = "debian"
        case .ubuntu: namespace = "ubuntu"
        case .alpine: namespace = "alpine"
        case .wolfi: namespace = "wolfi"
        case .rpm: namespace = distro.map { String($0.prefix { $0 != "-" }) }
        case .pypi: purlName = PackageCatalog.normalizePyPI(name)
        case .go, .npm, .maven:
            if let slash = name.lastIndex(of: "/") {
                namespace = String(name[name.startIndex..<slash])
                purlName = String(name[name.index(after: slash)...])
            }
            if ecosystem == .maven, let colon = name.firstIndex(of: ":") {
                namespace = String(name[name.startIndex..<colon])
                purlName = String(name[name.index(after: colon)...])
            }
        case .cargo: break
        }
        var text = "pkg:\(ecosystem.purlType)/"
        if let namespace { text += namespace.split(separator: "/").map { Purl.encode(String($0)) }.joined(separator: "/") + "/" }
        text += Purl.encode(purlName) + "@" + Purl.encode(version)
        var qualifiers: [(String, String)] = []
        if let architecture { qualifiers.append(("arch", architecture)) }
        if let distro, ecosystem.isOperatingSystem { qualifiers.append(("distro", distro)) }
        if ecosystem.isOperatingSystem, let sourceName {
            qualifiers.append(("upstream", sourceName + (sourceVersion.map { "@\($0)" } ?? "")))
        }
        if !qualifiers.isEmpty {
            text += "?" + qualifiers.sorted { $0.0 < $1.0 }.map { "\($0.0)=\(Purl.encode($0.1))" }.joined(separator: "&")
        }
        return text
    }
}

enum Purl {
    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let character = Character(Unicode.Scalar(byte))
            if byte < 0x80, character.isLetter || character.isNumber || "-._~".contains(character) || (byte == UInt8(ascii: "+")) {
                out.append(character)
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(2)
            }
        }
        return out
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// `/etc/os-release`.
public struct OperatingSystem: Sendable, Hashable {
    public var id: String
    public var versionID: String?
    public var prettyName: String?
    public var codename: String?

    /// The OSV ecosystem of its packages: `Debian:12`, `Alpine:v3.11`, `Ubuntu:22.04`.
    public var ecosystem: (Ecosystem, String)? {
        switch id {
        case "debian":
            guard let major = versionID?.split(separator: ".").first else { return nil }
            return (.debian, "Debian:\(major)")
        case "ubuntu":
            return versionID.map { (.ubuntu, "Ubuntu:\($0)") }
        case "alpine":
            guard let version = versionID else { return nil }
            let parts = version.split(separator: ".")
            return (.alpine, "Alpine:v\(parts.prefix(2).joined(separator: "."))")
        case "wolfi", "chainguard":
            return (.wolfi, "Wolfi")
        default:
            return nil
        }
    }

    /// `debian-12`, `alpine-3.11.5`: the purl `distro` qualifier.
    public var distro: String { [id, versionID].compactMap { $0 }.joined(separator: "-") }
}

/// What an image holds: its operating system and its packages, with where each was read.
public struct PackageInventory: Sendable {
    public var operatingSystem: OperatingSystem?
    public var packages: [Package]
    /// Files that looked like package data but could not be read (named, with why).
    public var problems: [String]
    /// Package databases present but not read (Berkeley DB rpmdb): their packages are not assessed.
    public var unread: [String] = []
}

/// The package readers. `interest` says, as a layer streams by, which files they need.
public enum PackageCatalog {
    static let osFiles: Set<String> = ["etc/os-release", "usr/lib/os-release", "etc/alpine-release", "etc/debian_version", "etc/passwd", "etc/group"]
    static let databases: Set<String> = ["var/lib/dpkg/status", "lib/apk/db/installed"]

    /// Files the checks read for credentials (names that hold them by convention).
    static func isCredentialCandidate(_ path: String, base: String) -> Bool {
        if base == ".env" || base.hasPrefix(".env.") || base.hasSuffix(".env") { return true }
        if ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", ".git-credentials", ".netrc", ".npmrc", ".pypirc", "credentials",
            "secrets.json", "secrets.yaml", "secrets.yml", ".dockercfg"].contains(base) {
            return base != "credentials" || path.hasSuffix(".aws/credentials")
        }
        if path.hasSuffix(".docker/config.json") { return true }
        if base.hasSuffix(".pem") || base.hasSuffix(".key") {
            // The distribution's CA bundle is certificates, never keys.
            return !path.hasPrefix("etc/ssl/certs/") && !path.hasPrefix("usr/share/ca-certificates/") && !path.hasPrefix("usr/lib/python3")
        }
        return false
    }

    public static let interest: @Sendable (String, Int, UInt32) -> Interest = { path, size, mode in
        if osFiles.contains(path) { return .contents(limit: 1 << 20) }
        if databases.contains(path) || path.hasPrefix("var/lib/dpkg/status.d/") { return .contents(limit: 64 << 20) }
        if RPMDatabase.sqlitePaths.contains(path) { return .contents(limit: 512 << 20) }
        let base = ImagePath.base(path)
        let parent = ImagePath.base(ImagePath.parent(path))
        if base == "METADATA", parent.hasSuffix(".dist-info") { return .contents(limit: 4 << 20) }
        if base == "PKG-INFO", parent.hasSuffix(".egg-info") { return .contents(limit: 4 << 20) }
        if base.hasSuffix(".egg-info"), mode & 0o111 == 0 { return .contents(limit: 4 << 20) }
        if base == "package-lock.json" || base == "npm-shrinkwrap.json" || base == "Cargo.lock" { return .contents(limit: 64 << 20) }
        if isLockFile(base) { return .contents(limit: 16 << 20) }
        if base == "package.json", parent != "", path.contains("node_modules/") { return .contents(limit: 1 << 20) }
        if isCredentialCandidate(path, base: base) { return .contents(limit: 1 << 20) }
        if JavaArchive.isArchive(path), size >= 22 { return .javaArchive }
        if mode & 0o111 != 0, size >= 4096 { return .goBuildInfo }
        return .none
    }

    /// Python and Go lock and module files: requirements*.txt, poetry.lock, Pipfile.lock, go.mod.
    static func isLockFile(_ base: String) -> Bool {
        base == "poetry.lock" || base == "Pipfile.lock" || base == "go.mod"
            || (base.hasPrefix("requirements") && base.hasSuffix(".txt"))
    }

    public static func inventory(of image: ContainerImage) -> PackageInventory {
        var problems: [String] = []
        var unread: [String] = []
        let os = operatingSystem(image)
        var packages: [Package] = []
        packages += dpkg(image, os: os, problems: &problems)
        packages += RPMDatabase.packages(image, os: os, problems: &problems, unread: &unread)
        packages += apk(image, os: os, problems: &problems)
        packages += python(image)
        packages += goBinaries(image)
        packages += npm(image, problems: &problems)
        packages += cargo(image)
        packages += java(image)
        packages += lockFiles(image, installed: Set(packages.map { "\($0.ecosystem.rawValue)/\($0.ecosystem == .pypi ? normalizePyPI($0.name) : $0.name)@\(Go.semver($0.version))" }))
        var inventory = PackageInventory(operatingSystem: os, packages: packages, problems: problems)
        inventory.unread = unread
        return inventory
    }

    static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    static func operatingSystem(_ image: ContainerImage) -> OperatingSystem? {
        guard let bytes = image.contents("etc/os-release") ?? image.contents("usr/lib/os-release") else {
            if let alpine = image.contents("etc/alpine-release") {
                return OperatingSystem(id: "alpine", versionID: text(alpine).trimmingWhitespace, prettyName: nil, codename: nil)
            }
            return nil
        }
        var fields: [String: String] = [:]
        for line in text(bytes).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            var value = line[line.index(after: equals)...].trimmingWhitespace
            if value.count >= 2, let first = value.first, first == "\"" || first == "'", value.last == first {
                value = String(value.dropFirst().dropLast())
            }
            fields[String(line[line.startIndex..<equals]).trimmingWhitespace] = value
        }
        guard let id = fields["ID"] else { return nil }
        return OperatingSystem(id: id, versionID: fields["VERSION_ID"], prettyName: fields["PRETTY_NAME"], codename: fields["VERSION_CODENAME"])
    }

    /// Debian/Ubuntu: `var/lib/dpkg/status` (and distroless `status.d/*`). The layer of a package
    /// is the first layer whose status file lists it at this version.
    static func dpkg(_ image: ContainerImage, os: OperatingSystem?, problems: inout [String]) -> [Package] {
        var files: [String] = []
        if image.tree.files["var/lib/dpkg/status"] != nil { files.append("var/lib/dpkg/status") }
        files += image.tree.files.keys.filter { $0.hasPrefix("var/lib/dpkg/status.d/") && !$0.hasSuffix(".md5sums") }.sorted()
        let ecosystem: Ecosystem = os?.id == "ubuntu" ? .ubuntu : .debian
        var packages: [Package] = []
        var layerKeys: [String: Set<String>] = [:]
        for file in files {
            guard let bytes = image.contents(file) else { continue }
            for paragraph in paragraphs(text(bytes)) {
                guard let name = paragraph["Package"], let version = paragraph["Version"] else {
                    if !paragraph.isEmpty { problems.append("\(file): a paragraph without Package or Version") }
                    continue
                }
                if let status = paragraph["Status"], !status.hasSuffix(" installed") { continue }
                var source: String?
                var sourceVersion: String?
                if let field = paragraph["Source"] {
                    let parts = field.split(separator: " ", maxSplits: 1)
                    source = parts.first.map(String.init)
                    if parts.count == 2 { sourceVersion = String(parts[1]).trimmingCharacters("() ") }
                }
                var package = Package(name: name, version: version, ecosystem: ecosystem, sourceName: source ?? name,
                                      sourceVersion: sourceVersion ?? version, architecture: paragraph["Architecture"],
                                      path: file, distro: os?.distro)
                package.layer = firstLayer(image, file: file, key: "\(name)\u{0}\(version)", keys: &layerKeys) { bytes in
                    Set(paragraphs(text(bytes)).compactMap { p in p["Package"].flatMap { n in p["Version"].map { "\(n)\u{0}\($0)" } } })
                }
                packages.append(package)
            }
        }
        return packages
    }

    /// The first layer whose copy of `file` lists `key` (each layer's copy read into its keys once).
    static func firstLayer(_ image: ContainerImage, file: String, key: String, keys: inout [String: Set<String>],
                           _ read: ([UInt8]) -> Set<String>) -> Int? {
        for (number, layer) in image.layerIndexes.enumerated() {
            guard let bytes = layer.captured[file] else { continue }
            let cacheKey = "\(number)\u{0}\(file)"
            if keys[cacheKey] == nil { keys[cacheKey] = read(bytes) }
            if keys[cacheKey]?.contains(key) == true { return number }
        }
        return image.tree.files[file]?.layer
    }

    /// RFC 822-style paragraphs (dpkg status); continuation lines folded into their field.
    static func paragraphs(_ text: String) -> [[String: String]] {
        var result: [[String: String]] = []
        var current: [String: String] = [:]
        var lastKey: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingWhitespace.isEmpty {
                if !current.isEmpty { result.append(current) }
                current = [:]
                lastKey = nil
                continue
            }
            if line.first == " " || line.first == "\t" {
                if let lastKey { current[lastKey, default: ""] += "\n" + line.trimmingWhitespace }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = String(line[line.startIndex..<colon])
            current[key] = line[line.index(after: colon)...].trimmingWhitespace
            lastKey = key
        }
        if !current.isEmpty { result.append(current) }
        return result
    }

    /// Alpine/Wolfi: `lib/apk/db/installed` (`P:` name, `V:` version, `o:` origin, `A:` arch, `L:` licence).
    static func apk(_ image: ContainerImage, os: OperatingSystem?, problems: inout [String]) -> [Package] {
        let file = "lib/apk/db/installed"
        guard let bytes = image.contents(file) else { return [] }
        let ecosystem: Ecosystem = os?.id == "wolfi" || os?.id == "chainguard" ? .wolfi : .alpine
        var packages: [Package] = []
        var layerKeys: [String: Set<String>] = [:]
        var fields: [Character: String] = [:]
        func flush() {
            defer { fields = [:] }
            guard let name = fields["P"], let version = fields["V"] else {
                if !fields.isEmpty { problems.append("\(file): a record without P: or V:") }
                return
            }
            var package = Package(name: name, version: version, ecosystem: ecosystem, sourceName: fields["o"] ?? name,
                                  sourceVersion: version, architecture: fields["A"], path: file, distro: os?.distro)
            package.licenses = fields["L"].map { [$0] } ?? []
            package.layer = firstLayer(image, file: file, key: "\(name)\u{0}\(version)", keys: &layerKeys) { bytes in
                var keys: Set<String> = []
                var name: Substring?
                for line in text(bytes).split(separator: "\n") {
                    if line.hasPrefix("P:") { name = line.dropFirst(2) }
                    if line.hasPrefix("V:"), let name { keys.insert("\(name)\u{0}\(line.dropFirst(2))") }
                }
                return keys
            }
            packages.append(package)
        }
        for line in text(bytes).split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty {
                flush()
                continue
            }
            guard line.count >= 2, let key = line.first, line.dropFirst().first == ":" else { continue }
            if fields[key] == nil { fields[key] = String(line.dropFirst(2)) }
        }
        flush()
        return packages
    }

    /// PEP 503 normalisation: lower case, runs of `-`, `_`, `.` → `-`.
    public static func normalizePyPI(_ name: String) -> String {
        var out = ""
        var lastWasSeparator = false
        for character in name.lowercased() {
            if character == "-" || character == "_" || character == "." {
                if !lastWasSeparator { out.append("-") }
                lastWasSeparator = true
            } else {
                out.append(character)
                lastWasSeparator = false
            }
        }
        return out
    }

    /// Python: `*.dist-info/METADATA`, `*.egg-info/PKG-INFO` (`Name:`, `Version:`, `License:`).
    static func python(_ image: ContainerImage) -> [Package] {
        var packages: [Package] = []
        for path in image.tree.files.keys.sorted() {
            let base = ImagePath.base(path)
            let parent = ImagePath.base(ImagePath.parent(path))
            guard (base == "METADATA" && parent.hasSuffix(".dist-info")) || (base == "PKG-INFO" && parent.hasSuffix(".egg-info"))
                    || (base.hasSuffix(".egg-info") && image.tree.files[path]?.kind == .file),
                  let bytes = image.contents(path) else { continue }
            var name: String?
            var version: String?
            var license: String?
            for line in text(bytes).split(separator: "\n", omittingEmptySubsequences: false) {
                if line.isEmpty { break }
                if line.hasPrefix("Name:") { name = line.dropFirst(5).trimmingWhitespace }
                if line.hasPrefix("Version:") { version = line.dropFirst(8).trimmingWhitespace }
                if line.hasPrefix("License:") { license = line.dropFirst(8).trimmingWhitespace }
            }
            guard let name, let version else { continue }
            var package = Package(name: name, version: version, ecosystem: .pypi, layer: image.tree.files[path]?.layer, path: path)
            if let license, !license.isEmpty, license != "UNKNOWN" { package.licenses = [license] }
            packages.append(package)
        }
        return packages
    }

    /// Go: the modules (and the toolchain, as `stdlib`) in each binary's build information.
    static func goBinaries(_ image: ContainerImage) -> [Package] {
        var packages: [Package] = []
        for (number, layer) in image.layerIndexes.enumerated() {
            for (path, info) in layer.goBuildInfo.sorted(by: { $0.key < $1.key }) {
                guard let record = image.tree.files[path], record.layer == number else { continue }
                packages.append(Package(name: "stdlib", version: info.goVersion, ecosystem: .go, layer: number, path: path))
                if let main = info.main, main.version != "(devel)", !main.version.isEmpty {
                    packages.append(Package(name: main.path, version: main.version, ecosystem: .go, layer: number, path: path))
                }
                for dependency in info.dependencies {
                    packages.append(Package(name: dependency.path, version: dependency.version, ecosystem: .go, layer: number, path: path))
                }
            }
        }
        return packages
    }

    /// npm: `package-lock.json` v1 (nested `dependencies`), v2/v3 (`packages`), and the
    /// `package.json` of each installed module under `node_modules`.
    static func npm(_ image: ContainerImage, problems: inout [String]) -> [Package] {
        var packages: [Package] = []
        var seen: Set<String> = []
        for path in image.tree.files.keys.sorted() {
            let base = ImagePath.base(path)
            guard let bytes = image.contents(path) else { continue }
            let layer = image.tree.files[path]?.layer
            if base == "package-lock.json" || base == "npm-shrinkwrap.json" {
                if path.contains("node_modules/") { continue }
                let output = bytes.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: path) }
                guard let root = output.documents.first?.root, root.isMapping else {
                    problems.append("\(path): not a JSON lock file")
                    continue
                }
                if let entries = root["packages"]?.pairs {
                    for entry in entries where !entry.key.isEmpty {
                        guard let version = entry.value["version"]?.string else { continue }
                        let name = entry.value["name"]?.string ?? String(entry.key.components("node_modules/").last ?? Substring(entry.key))
                        if entry.value["link"]?.bool == true { continue }
                        if seen.insert("\(name)@\(version)@\(path)").inserted {
                            packages.append(Package(name: name, version: version, ecosystem: .npm, layer: layer, path: path))
                        }
                    }
                } else {
                    var pending = root["dependencies"]?.pairs ?? []
                    while let entry = pending.popLast() {
                        if let version = entry.value["version"]?.string, seen.insert("\(entry.key)@\(version)@\(path)").inserted {
                            packages.append(Package(name: entry.key, version: version, ecosystem: .npm, layer: layer, path: path))
                        }
                        pending += entry.value["dependencies"]?.pairs ?? []
                    }
                }
            } else if base == "package.json", path.contains("node_modules/") {
                let output = bytes.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: path) }
                guard let root = output.documents.first?.root, let name = root["name"]?.string, let version = root["version"]?.string else { continue }
                packages.append(Package(name: name, version: version, ecosystem: .npm, layer: layer, path: path))
            }
        }
        return packages
    }

    /// Lock files: what an application pins, for packages not already found installed (an image
    /// usually holds both the lock file and what it installed; the installed copy is the evidence).
    static func lockFiles(_ image: ContainerImage, installed: Set<String>) -> [Package] {
        var packages: [Package] = []
        var seen = installed
        func add(_ name: String, _ version: String, _ ecosystem: Ecosystem, _ path: String) {
            let key = "\(ecosystem.rawValue)/\(ecosystem == .pypi ? normalizePyPI(name) : name)@\(Go.semver(version))"
            guard seen.insert(key).inserted else { return }
            packages.append(Package(name: name, version: version, ecosystem: ecosystem, layer: image.tree.files[path]?.layer, path: path))
        }
        for path in image.tree.files.keys.sorted() where isLockFile(ImagePath.base(path)) {
            guard let bytes = image.contents(path) else { continue }
            let base = ImagePath.base(path)
            let content = text(bytes)
            switch base {
            case "poetry.lock":
                var name: String?
                for line in content.split(separator: "\n") {
                    let trimmed = line.trimmingWhitespace
                    if trimmed.hasPrefix("[") { name = trimmed == "[[package]]" ? nil : name; continue }
                    guard let equals = trimmed.firstIndex(of: "=") else { continue }
                    let key = trimmed[trimmed.startIndex..<equals].trimmingWhitespace
                    let value = trimmed[trimmed.index(after: equals)...].trimmingWhitespace.trimmingCharacters("\"")
                    if key == "name" { name = value }
                    if key == "version", let current = name {
                        add(current, value, .pypi, path)
                        name = nil
                    }
                }
            case "Pipfile.lock":
                let root = bytes.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: path) }.documents.first?.root
                for section in ["default", "develop"] {
                    for entry in root?[section]?.pairs ?? [] {
                        guard let version = entry.value["version"]?.string, version.hasPrefix("==") else { continue }
                        add(entry.key, String(version.dropFirst(2)), .pypi, path)
                    }
                }
            case "go.mod":
                var inBlock = false
                for line in content.split(separator: "\n") {
                    var trimmed = line.trimmingWhitespace
                    if let comment = trimmed.firstRange(of: "//") { trimmed = trimmed[trimmed.startIndex..<comment.lowerBound].trimmingWhitespace }
                    if trimmed == "require (" { inBlock = true; continue }
                    if inBlock && trimmed == ")" { inBlock = false; continue }
                    if trimmed.hasPrefix("require ") { trimmed = String(trimmed.dropFirst(8)).trimmingWhitespace } else if !inBlock { continue }
                    let words = trimmed.split(separator: " ")
                    if words.count >= 2, words[1].hasPrefix("v") { add(String(words[0]), String(words[1]), .go, path) }
                }
            default:
                // requirements*.txt: only exact pins say what is installed (`name==1.2.3`, extras and markers allowed).
                for line in content.split(separator: "\n") {
                    var trimmed = line.trimmingWhitespace
                    if let hash = trimmed.firstRange(of: " #") { trimmed = trimmed[trimmed.startIndex..<hash.lowerBound].trimmingWhitespace }
                    if let marker = trimmed.firstIndex(of: ";") { trimmed = trimmed[trimmed.startIndex..<marker].trimmingWhitespace }
                    if trimmed.hasPrefix("#") || trimmed.hasPrefix("-") { continue }
                    guard let pin = trimmed.firstRange(of: "==") else { continue }
                    var name = trimmed[trimmed.startIndex..<pin.lowerBound].trimmingWhitespace
                    if let bracket = name.firstIndex(of: "[") { name = String(name[name.startIndex..<bracket]) }
                    let version = trimmed[pin.upperBound...].split(separator: " ").first.map(String.init)?.trimmingCharacters("\\") ?? ""
                    if !name.isEmpty, !version.isEmpty, !version.contains("*") { add(name, version, .pypi, path) }
                }
            }
        }
        return packages
    }

    /// Java: the Maven artifacts of each archive (and the archives nested in it).
    static func java(_ image: ContainerImage) -> [Package] {
        var packages: [Package] = []
        for (number, layer) in image.layerIndexes.enumerated() {
            for (path, artifacts) in layer.javaArtifacts.sorted(by: { $0.key < $1.key }) {
                guard let record = image.tree.files[path], record.layer == number else { continue }
                for artifact in artifacts {
                    packages.append(Package(name: artifact.name, version: artifact.version, ecosystem: .maven, layer: number, path: artifact.path))
                }
            }
        }
        return packages
    }

    /// Rust: `Cargo.lock` (`[[package]]` tables with `name` and `version`), and binaries built with
    /// cargo-auditable.
    static func cargo(_ image: ContainerImage) -> [Package] {
        var packages: [Package] = []
        for (number, layer) in image.layerIndexes.enumerated() {
            for (path, crates) in layer.crates.sorted(by: { $0.key < $1.key }) where image.tree.files[path]?.layer == number {
                packages += crates.map { Package(name: $0.path, version: $0.version, ecosystem: .cargo, layer: number, path: path) }
            }
        }
        for path in image.tree.files.keys.sorted() where ImagePath.base(path) == "Cargo.lock" {
            guard let bytes = image.contents(path) else { continue }
            let layer = image.tree.files[path]?.layer
            var name: String?
            var version: String?
            var registry = false
            func flush() {
                if let name, let version, registry { packages.append(Package(name: name, version: version, ecosystem: .cargo, layer: layer, path: path)) }
                name = nil
                version = nil
                registry = false
            }
            for line in text(bytes).split(separator: "\n") {
                let trimmed = line.trimmingWhitespace
                if trimmed == "[[package]]" {
                    flush()
                    continue
                }
                guard let equals = trimmed.firstIndex(of: "=") else { continue }
                let key = trimmed[trimmed.startIndex..<equals].trimmingWhitespace
                let value = trimmed[trimmed.index(after: equals)...].trimmingWhitespace.trimmingCharacters("\"")
                if key == "name" { name = value }
                if key == "version" { version = value }
                // Workspace members have no source; only published crates are matched.
                if key == "source" { registry = value.hasPrefix("registry+") || value.hasPrefix("sparse+") }
            }
            flush()
        }
        return packages
    }
}

extension StringProtocol {
    var trimmingWhitespace: String {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return start < end ? String(self[start..<end]) : ""
    }

    func trimmingCharacters(_ set: String) -> String {
        let start = firstIndex { !set.contains($0) } ?? endIndex
        let end = lastIndex { !set.contains($0) }.map { index(after: $0) } ?? start
        return start < end ? String(self[start..<end]) : ""
    }

    func components(_ separator: String) -> [Substring] {
        var parts: [Substring] = []
        var rest = Substring(self)
        while let range = rest.firstRange(of: separator) {
            parts.append(rest[rest.startIndex..<range.lowerBound])
            rest = rest[range.upperBound...]
        }
        parts.append(rest)
        return parts
    }
}
