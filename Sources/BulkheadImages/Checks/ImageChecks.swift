import BulkheadCore
import BulkheadKubernetes
#if canImport(Glibc)
import Glibc
#endif

/// A verdict about an image, with where in it: the layer and the file (and line), and the field
/// path (`config.User`, `config.Env[1]`, `history[3].created_by`, `layers[2]:/app/.env`).
public struct ImageVerdict: Sendable {
    public var verdict: Verdict
    public var layer: Int?
    public var file: String?
    public var line: Int

    public init(_ verdict: Verdict, layer: Int? = nil, file: String? = nil, line: Int = 0) {
        self.verdict = verdict
        self.layer = layer
        self.file = file
        self.line = line
    }
}

/// What an image check sees: the image, its packages, and (when a database was given) the matched
/// vulnerabilities.
public struct ImageFacts: Sendable {
    public var image: ContainerImage
    public var inventory: PackageInventory
    public var vulnerabilities: VulnerabilityMatcher.Result?
    /// Why vulnerabilities were not matched (no database), when they were not.
    public var vulnerabilitiesNotAssessed: String?
    /// Seconds since 1970, for end-of-life dates.
    public var now: Int
}

public protocol ImageCheck: Sendable {
    var descriptor: CheckDescriptor { get }
    func judge(_ facts: ImageFacts) -> [ImageVerdict]
}

/// Where one image verdict points.
struct ImageSpot: Judged {
    let image: ContainerImage
    let verdict: ImageVerdict

    var ref: ResourceRef { image.ref }

    func location(_ mark: Mark?) -> SourceLocation {
        if let described = image.described {
            if let mark { return SourceLocation(file: described.file, mark: mark) }
            return image.location(layer: nil, path: nil, field: verdict.verdict.path)
        }
        return image.location(layer: verdict.layer, path: verdict.file, line: verdict.line, field: verdict.verdict.path)
    }
}

/// The image checks, as one suite: images come from `bulkhead image scan` (an `InputSource`) or
/// from YAML descriptions in any scan (`ImageDescriptionFormat`).
public struct ImageSuite: CheckSuite {
    public let checks: [any ImageCheck]
    /// The vulnerability database the scan matches packages against (nil: vulnerabilities not assessed).
    public let database: VulnerabilityDatabase?

    public init(checks: [any ImageCheck] = ImageChecks.all, database: VulnerabilityDatabase? = nil) {
        self.checks = checks
        self.database = database
    }

    public var descriptors: [CheckDescriptor] { checks.map(\.descriptor) }
    public var formats: [any InputFormat] { [ImageDescriptionFormat()] }

    public func selecting(_ keep: (CheckDescriptor) -> Bool) -> any CheckSuite {
        ImageSuite(checks: checks.filter { keep($0.descriptor) }, database: database)
    }

    public func examines(_ descriptor: CheckDescriptor) -> Set<String> { ["Image", "ImageDescription"] }

    public func facts(_ image: ContainerImage) -> ImageFacts {
        let inventory = image.sbomInventory ?? PackageCatalog.inventory(of: image)
        var facts = ImageFacts(image: image, inventory: inventory, vulnerabilities: nil, vulnerabilitiesNotAssessed: nil, now: Int(time(nil)))
        var sources: [any AdvisoryLookup] = []
        if let database { sources.append(database) }
        if !image.bundledAdvisories.isEmpty { sources.append(AdvisoryList(image.bundledAdvisories)) }
        if !sources.isEmpty {
            do {
                facts.vulnerabilities = try VulnerabilityMatcher(lookup: CombinedLookup(sources)).match(inventory)
            } catch {
                facts.vulnerabilitiesNotAssessed = "the vulnerability database could not be read: \(error)"
            }
        } else {
            facts.vulnerabilitiesNotAssessed = "no vulnerability database (build one with `bulkhead db import`)"
        }
        return facts
    }

    public func evaluate(_ context: ScanContext) -> SuiteOutcome {
        var outcome = SuiteOutcome()
        for image in context.models.of(ContainerImage.self) {
            let facts = facts(image)
            for check in checks {
                if image.sbomInventory != nil, !(check is VulnerablePackage) {
                    // An SBOM lists packages: the configuration and files these checks judge are not in it.
                    outcome.record(.notAssessed("an SBOM holds no image configuration or files", at: nil, "sbom"), of: check.descriptor,
                                   on: ImageSpot(image: image, verdict: ImageVerdict(.notAssessed("", at: nil, "sbom"))))
                    continue
                }
                for verdict in check.judge(facts) {
                    outcome.record(verdict.verdict, of: check.descriptor, on: ImageSpot(image: image, verdict: verdict))
                }
            }
            if let described = image.described {
                // The description is also an object of the inventory: it was judged.
                for index in context.inventory.byKind["ImageDescription"] ?? [] {
                    let resource = context.inventory.resources[index]
                    if resource.file == described.file && resource.name == described.ref.name { outcome.checked.insert(index) }
                }
            } else {
                outcome.subjects.append(Subject(resource: image.ref, location: image.location(layer: nil, path: nil, field: "")))
            }
        }
        return outcome
    }
}

/// The field path of a file of an image: its entry in a description, else `layers[N]:/path`.
func filePath(_ image: ContainerImage, layer: Int, path: String) -> String {
    image.describedFiles["\(layer):\(path)"] ?? "layers[\(layer)]:/\(path)"
}

public enum ImageChecks {
    public static let all: [any ImageCheck] = [
        VulnerablePackage(), RunsAsRoot(), SecretInEnvironment(), CredentialFile(), SSHExposed(), AddFromURL(), SetuidAdded(), EndOfLifeOS(),
        BuildHistory(),
    ]

    static let cisImages = [FrameworkReference(.cisEKS, "5.1.1"), FrameworkReference(.nist800190, "5.1.1")]

    static func describe(_ body: String) -> String {
        "apiVersion: bulkhead.io/v1\nkind: ImageDescription\nmetadata:\n  name: app\n" + body
    }
}

// MARK: - Vulnerabilities

struct VulnerablePackage: ImageCheck {
    let descriptor = CheckDescriptor(
        id: "imageVulnerablePackage", title: "Image holds a package with a known vulnerability", severity: .high, category: "image/vulnerabilities",
        description: "A package in the image is affected by an advisory in the vulnerability database (OSV, Alpine secdb, Debian tracker), matched with its ecosystem's version order; distribution packages match on their source package. The finding's severity is the advisory's (from its CVSS vector where given).",
        remediation: "Upgrade the package to the fixed version (rebuild on an updated base image for distribution packages); where no fix exists, judge the exposure and record an exception with an expiry.",
        controls: [ControlCatalog.imageSecurity],
        frameworks: ImageChecks.cisImages + [FrameworkReference(.pciDSS, "6.3.3"), FrameworkReference(.soc2, "CC7.1")],
        scope: .cluster,
        examples: [
            CheckExample(.violation, ImageChecks.describe("""
                layers:
                - files:
                  - ↓path: usr/lib/python3/dist-packages/requests-2.19.1.dist-info/METADATA
                    content: "Name: requests\\nVersion: 2.19.1\\n"
                advisories:
                - {id: PYSEC-2018-28, affected: [{package: {ecosystem: PyPI, name: requests}, ranges: [{type: ECOSYSTEM, events: [{introduced: "0"}, {fixed: 2.20.0}]}]}]}
                """), note: "a description may bring advisories along (OSV records), to try the matcher without a database"),
            CheckExample(.compliant, ImageChecks.describe("""
                layers:
                - files:
                  - path: usr/lib/python3/dist-packages/requests-2.32.0.dist-info/METADATA
                    content: "Name: requests\\nVersion: 2.32.0\\n"
                advisories:
                - {id: PYSEC-2018-28, affected: [{package: {ecosystem: PyPI, name: requests}, ranges: [{type: ECOSYSTEM, events: [{introduced: "0"}, {fixed: 2.20.0}]}]}]}
                """)),
        ])

    func judge(_ facts: ImageFacts) -> [ImageVerdict] {
        let unread = facts.inventory.unread.map { ImageVerdict(.notAssessed($0, at: nil, "packages")) }
        return unread + judgeMatches(facts)
    }

    func judgeMatches(_ facts: ImageFacts) -> [ImageVerdict] {
        guard let result = facts.vulnerabilities else {
            guard !facts.inventory.packages.isEmpty, let reason = facts.vulnerabilitiesNotAssessed else { return [] }
            return [ImageVerdict(.notAssessed(reason, at: nil, "packages"))]
        }
        var verdicts: [ImageVerdict] = result.vulnerabilities.map { vulnerability in
            let package = vulnerability.package
            let layer = package.layer ?? 0
            let source = package.sourceName.map { $0 != package.name ? " (source \($0) \(vulnerability.comparedVersion))" : "" } ?? ""
            let fix = vulnerability.fixedVersion.map { "fixed in \($0)" } ?? "no fix yet"
            let aliases = vulnerability.advisory.aliases.isEmpty ? "" : " [\(vulnerability.advisory.aliases.prefix(3).joined(separator: ", "))]"
            let severity = vulnerability.advisory.severity
            let message = "\(vulnerability.advisory.id)\(aliases): \(package.name) \(package.version)\(source) — \(fix)"
                + (severity == nil ? " (severity not stated by the advisory)" : "")
                + (vulnerability.advisory.summary.map { ": \($0.prefix(120))" } ?? "")
            return ImageVerdict(.violation(message, at: nil, filePath(facts.image, layer: layer, path: package.path), severity: severity ?? .medium),
                                layer: package.layer, file: package.path)
        }
        for (package, reason) in result.notMatched {
            verdicts.append(ImageVerdict(.notAssessed("\(package.name) \(package.version): \(reason)", at: nil,
                                                      filePath(facts.image, layer: package.layer ?? 0, path: package.path)),
                                         layer: package.layer, file: package.path))
        }
        return verdicts
    }
}

// MARK: - Configuration

struct RunsAsRoot: ImageCheck {
    let descriptor = CheckDescriptor(
        id: "imageRunsAsRoot", title: "Image runs as root", severity: .high, category: "image/config",
        description: "The image's configuration sets no user, or sets root (`root`, `0`, `0:0`): a container started from it runs as root unless the pod's securityContext says otherwise.",
        remediation: "Add a non-root user and `USER <uid>` (numeric, so `runAsNonRoot` can verify it) as the last user instruction.",
        controls: [ControlCatalog.containerConfiguration],
        frameworks: [FrameworkReference(.cisEKS, "4.2.6"), FrameworkReference(.nist800190, "5.4.3")],
        scope: .cluster,
        examples: [
            CheckExample(.violation, ImageChecks.describe("config:\n  User: ↓root\n")),
            CheckExample(.violation, ImageChecks.describe("config:\n  ↓Env: [\"PATH=/usr/bin\"]\n"), note: "no USER at all"),
            CheckExample(.compliant, ImageChecks.describe("config:\n  User: \"65532\"\n")),
        ])

    func judge(_ facts: ImageFacts) -> [ImageVerdict] {
        let user = facts.image.config.user ?? ""
        let name = user.split(separator: ":").first.map(String.init) ?? ""
        if name.isEmpty { return [ImageVerdict(.violation("no USER: the image runs as root", at: nil, "config"))] }
        if name == "root" || name == "0" { return [ImageVerdict(.violation("USER \(user): the image runs as root", at: nil, "config.User"))] }
        return []
    }
}

struct SecretInEnvironment: ImageCheck {
    let descriptor = CheckDescriptor(
        id: "imageSecretInEnv", title: "Secret in the image's environment or labels", severity: .critical, category: "image/secrets",
        description: "An environment variable or label of the image holds what looks like a credential (an AWS key, a token, a private key, a literal password). Anyone who can pull the image can read it; the value is never printed.",
        remediation: "Remove the value from ENV/LABEL (and from the build's ARGs); give it to the container at run time from a Secret or AWS Secrets Manager, and rotate it.",
        controls: [ControlCatalog.secrets, ControlCatalog.imageSecurity],
        frameworks: [FrameworkReference(.nist800190, "5.1.4"), FrameworkReference(.pciDSS, "8.6.2")],
        scope: .cluster,
        examples: [
            CheckExample(.violation, ImageChecks.describe("config:\n  User: \"1000\"\n  Env:\n  - PATH=/usr/bin\n  - ↓DB_PASSWORD=hunter2hunter2\n")),
            CheckExample(.compliant, ImageChecks.describe("config:\n  User: \"1000\"\n  Env:\n  - PATH=/usr/bin\n  - DB_PASSWORD_FILE=/run/secrets/db\n")),
        ])

    func judge(_ facts: ImageFacts) -> [ImageVerdict] {
        var verdicts: [ImageVerdict] = []
        for (index, entry) in facts.image.config.env.enumerated() {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, let match = CredentialDetector.inspect(name: String(parts[0]), value: String(parts[1])) else { continue }
            let note = match.isDocumentationExample ? " (a documentation example value, where a real one would go)" : ""
            verdicts.append(ImageVerdict(.violation("ENV \(parts[0]) holds a \(match.kind)\(note): \(CredentialDetector.mask(String(parts[1])))", at: nil, "config.Env[\(index)]")))
        }
        for (key, value) in facts.image.config.labels {
            guard let match = CredentialDetector.inspect(name: key, value: value), !match.isDocumentationExample || match.kind != "placeholder" else { continue }
            verdicts.append(ImageVerdict(.violation("LABEL \(key) holds a \(match.kind): \(CredentialDetector.mask(value))", at: nil, "config.Labels.\(key)")))
        }
        return verdicts
    }
}

struct CredentialFile: ImageCheck {
    let descriptor = CheckDescriptor(
        id: "imageCredentialFile", title: "Credential file in an image layer", severity: .critical, category: "image/secrets",
        description: "A layer holds a file with a credential: a `.env` or config file with a key or password, a private key, `.aws/credentials`, `.npmrc`/`.pypirc`/`.git-credentials` tokens. Deleting it in a later layer does not remove it from the image. Values are never printed.",
        remediation: "Keep credentials out of the build context (.dockerignore), use build secrets (`RUN --mount=type=secret`) for build-time needs, rebuild the image, and rotate the credential.",
        controls: [ControlCatalog.secrets, ControlCatalog.imageSecurity],
        frameworks: [FrameworkReference(.nist800190, "5.1.4"), FrameworkReference(.pciDSS, "8.6.2")],
        scope: .cluster,
        examples: [
            CheckExample(.violation, ImageChecks.describe("""
                layers:
                - files:
                  - ↓path: app/.env
                    content: "DEBUG=false\\nAWS_SECRET_ACCESS_KEY=Zq4mX9tR2vB7nK1pL8sD3fG6hJ0wE5yU2iO4aC7x\\n"
                """)),
            CheckExample(.compliant, ImageChecks.describe("""
                layers:
                - files:
                  - path: app/.env
                    content: "DEBUG=false\\nLOG_LEVEL=info\\n"
                """)),
        ])

    func judge(_ facts: ImageFacts) -> [ImageVerdict] {
        var verdicts: [ImageVerdict] = []
        // Every layer's copy: a file deleted later is still in the image's blobs.
        for (layer, index) in facts.image.layerIndexes.enumerated() {
            for (path, bytes) in index.captured.sorted(by: { $0.key < $1.key }) {
                guard PackageCatalog.isCredentialCandidate(path, base: ImagePath.base(path)) else { continue }
                let text = String(decoding: bytes, as: UTF8.self)
                if text.contains("PRIVATE KEY-----") {
                    let line = 1 + text.prefix { $0 != "-" }.filter { $0 == "\n" }.count
                    verdicts.append(ImageVerdict(.violation("\(path) holds a private key", at: nil, filePath(facts.image, layer: layer, path: path)),
                                                 layer: layer, file: path, line: line))
                    continue
                }
                for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    var content = line.trimmingWhitespace
                    if content.hasPrefix("export ") { content = String(content.dropFirst(7)) }
                    guard !content.hasPrefix("#"), let separator = content.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
                    let key = content[content.startIndex..<separator].trimmingWhitespace
                    let value = content[content.index(after: separator)...].trimmingWhitespace.trimmingCharacters("\"'")
                    guard !key.isEmpty, !key.contains(" "), let match = CredentialDetector.inspect(name: key, value: value) else { continue }
                    let note = match.isDocumentationExample ? " (a documentation example value, where a real one would go)" : ""
                    verdicts.append(ImageVerdict(.violation("\(path): \(key) holds a \(match.kind)\(note): \(CredentialDetector.mask(value))", at: nil,
                                                            filePath(facts.image, layer: layer, path: path)),
                                                 layer: layer, file: path, line: number + 1))
                }
            }
        }
        return verdicts
    }
}

struct SSHExposed: ImageCheck {
    let descriptor = CheckDescriptor(
        id: "imageSSHExposed", title: "Image exposes SSH", severity: .medium, category: "image/config",
        description: "The image declares port 22 (EXPOSE 22): containers are not machines to log into; an SSH daemon is an unmonitored way in and a key to manage.",
        remediation: "Remove the SSH server and EXPOSE 22; use `kubectl exec` (audited) or ephemeral debug containers.",
        controls: [ControlCatalog.containerConfiguration],
        frameworks: [FrameworkReference(.nist800190, "5.4.4")],
        scope: .cluster,
        examples: [
            CheckExample(.violation, ImageChecks.describe("config:\n  User: \"1000\"\n  ExposedPorts:\n    22/tcp: ↓{}\n")),
            CheckExample(.compliant, ImageChecks.describe("config:\n  User: \"1000\"\n  ExposedPorts:\n    8080/tcp: {}\n")),
        ])

    func judge(_ facts: ImageFacts) -> [ImageVerdict] {
        facts.image.config.exposedPorts.filter { $0 == "22" || $0.hasPrefix("22/") }.map { port in
            ImageVerdict(.violation("EXPOSE \(port): an SSH port", at: nil, "config.ExposedPorts.\(port)"))
        }
    }
}

struct AddFromURL: ImageCheck {
    let descriptor = CheckDescriptor(
        id: "imageAddFromURL", title: "Image built with ADD from a URL", severity: .medium, category: "image/build",
        description: "A layer was made by `ADD http(s)://…`: the download is not verified (no checksum), so what the image holds depends on a server at build time.",
        remediation: "Download with a pinned checksum (`ADD --checksum=sha256:…` or `RUN curl … && sha256sum -c`), or COPY a vetted file from the build context.",
        controls: [ControlCatalog.imageSecurity],
        frameworks: [FrameworkReference(.nist800190, "5.1.5")],
        scope: .cluster,
        examples: [
            CheckExample(.violation, ImageChecks.describe("config:\n  User: \"1000\"\nhistory:\n- created_by: ↓\"ADD https://example.com/tool.tar.gz /opt/\"\n")),
            CheckExample(.compliant, ImageChecks.describe("config:\n  User: \"1000\"\nhistory:\n- created_by: \"ADD --checksum=sha256:24454f830cdb571e2c4ad15481119c43b3cafd48dd869a9b2945d1036d1dc68d https://example.com/tool.tar.gz /opt/\"\n")),
        ])

    func judge(_ facts: ImageFacts) -> [ImageVerdict] {
        facts.image.config.history.enumerated().compactMap { index, entry in
            let command = entry.createdBy.replacingOccurrences("\t", " ")
            let words = command.split(separator: " ")
            guard let add = words.firstIndex(of: "ADD") else { return nil }
            let arguments = words[(add + 1)...]
            guard !arguments.contains(where: { $0.hasPrefix("--checksum") }),
                  let url = arguments.first(where: { $0.hasPrefix("http://") || $0.hasPrefix("https://") }) else { return nil }
            return ImageVerdict(.violation("ADD \(url) without a checksum", at: nil, "history[\(index)].created_by"))
        }
    }
}

struct SetuidAdded: ImageCheck {
    let descriptor = CheckDescriptor(
        id: "imageSetuidAdded", title: "Setuid or setgid binary added above the base image", severity: .medium, category: "image/content",
        description: "A layer above the base image adds a setuid or setgid executable: a way to gain its owner's privileges from inside the container. The base image's own (passwd, su) are expected and not reported.",
        remediation: "Remove the setuid/setgid bit (`chmod u-s,g-s`) or the binary; run with `allowPrivilegeEscalation: false` so the bit has no effect.",
        controls: [ControlCatalog.containerConfiguration],
        frameworks: [FrameworkReference(.nist800190, "5.4.3")],
        scope: .cluster,
        examples: [
            CheckExample(.violation, ImageChecks.describe("""
                layers:
                - files:
                  - path: usr/bin/passwd
                    mode: "4755"
                - files:
                  - ↓path: usr/local/bin/helper
                    mode: "4755"
                """)),
            CheckExample(.compliant, ImageChecks.describe("""
                layers:
                - files:
                  - path: usr/bin/passwd
                    mode: "4755"
                - files:
                  - path: usr/local/bin/helper
                    mode: "0755"
                """)),
        ])

    func judge(_ facts: ImageFacts) -> [ImageVerdict] {
        facts.image.tree.files.values.filter { $0.layer > 0 && ($0.isSetuid || $0.isSetgid) }.sorted { $0.path < $1.path }.map { record in
            let bits = [record.isSetuid ? "setuid" : nil, record.isSetgid ? "setgid" : nil].compactMap { $0 }.joined(separator: "+")
            return ImageVerdict(.violation("\(record.path) is \(bits) (mode \(String(record.mode, radix: 8))), added in layer \(record.layer + 1)", at: nil,
                                           filePath(facts.image, layer: record.layer, path: record.path)),
                                layer: record.layer, file: record.path)
        }
    }
}

struct EndOfLifeOS: ImageCheck {
    /// End of security support (upstream's dates; LTS/ELTS by third parties not counted).
    static let endOfLife: [String: String] = [
        "debian-8": "2020-06-30", "debian-9": "2022-06-30", "debian-10": "2024-06-30", "debian-11": "2026-08-31", "debian-12": "2028-06-30",
        "ubuntu-16.04": "2021-04-30", "ubuntu-18.04": "2023-05-31", "ubuntu-20.04": "2025-05-31", "ubuntu-22.04": "2027-06-01", "ubuntu-24.04": "2029-05-31",
        "alpine-3.9": "2021-01-01", "alpine-3.10": "2021-05-01", "alpine-3.11": "2021-11-01", "alpine-3.12": "2022-05-01", "alpine-3.13": "2022-11-01",
        "alpine-3.14": "2023-05-01", "alpine-3.15": "2023-11-01", "alpine-3.16": "2024-05-23", "alpine-3.17": "2024-11-22", "alpine-3.18": "2025-05-09",
        "alpine-3.19": "2025-11-01", "alpine-3.20": "2026-04-01", "alpine-3.21": "2026-11-01", "alpine-3.22": "2027-05-01",
    ]

    let descriptor = CheckDescriptor(
        id: "imageEndOfLifeOS", title: "Base operating system past end of life", severity: .high, category: "image/base",
        description: "The image's operating system release (from /etc/os-release) no longer receives security updates: new vulnerabilities in it will not be fixed.",
        remediation: "Rebuild on a supported release of the distribution (or a distroless/minimal base that is maintained).",
        controls: [ControlCatalog.imageSecurity],
        frameworks: [FrameworkReference(.nist800190, "5.1.5"), FrameworkReference(.pciDSS, "6.3.3")],
        scope: .cluster,
        examples: [
            CheckExample(.violation, ImageChecks.describe("""
                layers:
                - files:
                  - ↓path: etc/os-release
                    content: "NAME=\\"Alpine Linux\\"\\nID=alpine\\nVERSION_ID=3.10.4\\n"
                """)),
            CheckExample(.compliant, ImageChecks.describe("""
                layers:
                - files:
                  - path: etc/os-release
                    content: "ID=debian\\nVERSION_ID=\\"12\\"\\n"
                """)),
        ])

    static func key(_ os: OperatingSystem) -> String? {
        guard let version = os.versionID else { return nil }
        let parts = version.split(separator: ".")
        switch os.id {
        case "debian": return parts.first.map { "debian-\($0)" }
        case "alpine": return parts.count >= 2 ? "alpine-\(parts[0]).\(parts[1])" : nil
        case "ubuntu": return "ubuntu-\(version)"
        default: return nil
        }
    }

    func judge(_ facts: ImageFacts) -> [ImageVerdict] {
        guard let os = facts.inventory.operatingSystem, let key = Self.key(os), let date = Self.endOfLife[key],
              let end = Self.seconds(date), facts.now > end else { return [] }
        let path = facts.image.tree.resolve("etc/os-release") ?? "etc/os-release"
        let layer = facts.image.tree.files[path]?.layer ?? 0
        return [ImageVerdict(.violation("\(os.prettyName ?? key) reached end of life on \(date)", at: nil, filePath(facts.image, layer: layer, path: path)),
                             layer: layer, file: path)]
    }

    /// `YYYY-MM-DD` → seconds since 1970 (UTC).
    static func seconds(_ date: String) -> Int? {
        let parts = date.split(separator: "-").compactMap { Int($0) }
        guard parts.count == 3 else { return nil }
        var (year, month, day) = (parts[0], parts[1], parts[2])
        // Days from civil (Howard Hinnant's algorithm).
        year -= month <= 2 ? 1 : 0
        let era = (year >= 0 ? year : year - 399) / 400
        let yoe = year - era * 400
        month = month > 2 ? month - 3 : month + 9
        let doy = (153 * month + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return (era * 146_097 + doe - 719_468) * 86_400
    }
}

// MARK: - Build history

/// The image's history read back as Dockerfile instructions and judged by the Dockerfile checks
/// that make sense without the Dockerfile's stages (the rest are the image checks' own: root user,
/// SSH, ADD from a URL, secrets in ENV). Build arguments recorded in RUN steps (`|2 TOKEN=… /bin/sh -c …`)
/// are judged as ARGs: secrets passed with --build-arg stay in the history.
struct BuildHistory: ImageCheck {
    static let rules: Set<String> = ["dockerfilePipeToShell", "dockerfileSudo", "dockerfilePackageCacheKept", "dockerfileUpdateAlone",
                                     "dockerfileAptGetNoYes", "dockerfileDistUpgrade", "dockerfileNoInstallRecommends", "dockerfileSecretInBuild",
                                     "dockerfileCurlAndWget", "dockerfileAptInsteadOfAptGet", "dockerfileAddInsteadOfCopy", "dockerfileMaintainer"]

    let descriptor = CheckDescriptor(
        id: "imageBuildHistory", title: "Risky build step in the image's history", severity: .medium, category: "image/build",
        description: "The image's history (the build's instructions as the config records them) holds a step a Dockerfile check flags: a download piped into a shell, a secret in a build argument, an ENV or a copied file, sudo, package caches left in a layer… The underlying check is named in each finding, with its severity.",
        remediation: "Fix the Dockerfile the image was built from (see the named check's remediation) and rebuild.",
        controls: [ControlCatalog.imageSecurity],
        frameworks: [FrameworkReference(.nist800190, "5.1.5")],
        scope: .cluster,
        examples: [
            CheckExample(.violation, ImageChecks.describe("config:\n  User: \"1000\"\nhistory:\n- created_by: ↓\"RUN /bin/sh -c curl -fsSL https://example.com/install.sh | sh # buildkit\"\n")),
            CheckExample(.violation, ImageChecks.describe("config:\n  User: \"1000\"\nhistory:\n- created_by: ↓\"RUN |1 GITHUB_TOKEN=ghp_abcdefghijklmnopqrstuvwxyz0123456789AB /bin/sh -c make # buildkit\"\n"),
                         note: "a secret passed with --build-arg"),
            CheckExample(.compliant, ImageChecks.describe("config:\n  User: \"1000\"\nhistory:\n- created_by: \"RUN /bin/sh -c apt-get update && apt-get install -y --no-install-recommends ca-certificates=20230311 && rm -rf /var/lib/apt/lists/* # buildkit\"\n")),
        ])

    /// `created_by` → a Dockerfile line (nil for steps that are not instructions: mmdebstrap, base layers).
    static func instructionLines(_ createdBy: String) -> [String] {
        var text = createdBy.trimmingWhitespace
        if text.hasSuffix("# buildkit") { text = String(text.dropLast(10)).trimmingWhitespace }
        if text.hasPrefix("/bin/sh -c #(nop) ") { return [String(text.dropFirst(18)).trimmingWhitespace] }
        var arguments: [String] = []
        if text.hasPrefix("RUN ") { text = String(text.dropFirst(4)) } else if !text.hasPrefix("/bin/sh -c ") {
            let keyword = text.prefix { !$0.isWhitespace }.uppercased()
            return Dockerfile.keywords.contains(keyword) ? [text] : []
        }
        // `|2 A=1 B=2 /bin/sh -c …`: the build arguments the step saw.
        if text.hasPrefix("|"), let count = Int(text.dropFirst().prefix { $0.isNumber }) {
            var words = Dockerfile.split(String(text.drop { !$0.isWhitespace }))
            for _ in 0..<min(count, words.count) { arguments.append(words.removeFirst()) }
            text = words.joined(separator: " ")
        }
        if text.hasPrefix("/bin/sh -c ") { text = String(text.dropFirst(11)) }
        return arguments.map { "ARG \($0)" } + ["RUN " + text]
    }

    func judge(_ facts: ImageFacts) -> [ImageVerdict] {
        let checks = DockerfileChecks.all.filter { Self.rules.contains($0.descriptor.id) }
        var verdicts: [ImageVerdict] = []
        for (index, entry) in facts.image.config.history.enumerated() {
            let lines = Self.instructionLines(entry.createdBy)
            guard !lines.isEmpty else { continue }
            let (dockerfile, _) = Dockerfile.parse("FROM scratch\n" + lines.joined(separator: "\n") + "\n", file: "history")
            for check in checks {
                for (_, message) in check.rule(dockerfile) {
                    verdicts.append(ImageVerdict(.violation("history[\(index)] \(check.descriptor.id): \(message)", at: nil, "history[\(index)].created_by",
                                                            severity: check.descriptor.severity == .info ? .low : check.descriptor.severity)))
                }
            }
        }
        return verdicts
    }
}
