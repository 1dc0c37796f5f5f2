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
