import BulkheadCore
@testable import BulkheadImages
import Testing

@Suite("Version order and OSV ranges")
struct VersionAndMatchTests {
    /// Each pair is strictly ascending.
    @Test(arguments: [
        ("1.0", "1.0-1"), ("1.0~rc1", "1.0"), ("1.0~~", "1.0~"), ("1:0.9", "2:0.1"), ("0:1.2", "1:1.0"), ("1.10.0-3", "1.10.0-3+b1"),
        ("3.0.11-1~deb12u2", "3.0.11-1"), ("2.36-9+deb12u7", "2.36-9+deb12u14"), ("1.2a", "1.2b"), ("1.2", "1.2a"), ("1.2a", "1.2+"),
    ])
    func dpkg(_ pair: (String, String)) {
        #expect(Dpkg.compare(pair.0, pair.1) == -1)
        #expect(Dpkg.compare(pair.1, pair.0) == 1)
        #expect(Dpkg.compare(pair.0, pair.0) == 0)
    }

    @Test(arguments: [
        ("1.2.3", "1.2.4"), ("1.2.3_rc1", "1.2.3"), ("1.2.3", "1.2.3_p1"), ("1.2.3-r1", "1.2.3-r10"), ("1.2", "1.2.1"), ("1.2.3a", "1.2.3b"),
        ("1.2.3", "1.2.3a"), ("1.1.1d-r2", "1.1.1d-r3"), ("1.1.1d-r3", "1.1.1g-r0"), ("2.0_alpha1", "2.0_beta1"), ("1.02", "1.1"),
    ])
    func apk(_ pair: (String, String)) {
        #expect(Apk.compare(pair.0, pair.1) == -1)
        #expect(Apk.compare(pair.1, pair.0) == 1)
    }

    @Test(arguments: [
        ("1.0.dev1", "1.0a1"), ("1.0a1", "1.0b1"), ("1.0b2", "1.0rc1"), ("1.0rc1", "1.0"), ("1.0", "1.0.post1"), ("1.0", "1.0+local"),
        ("1.0", "1!0.1"), ("2.19.1", "2.20.0"), ("1.0alpha", "1.0b"), ("0.12.01", "0.13"), ("1.0.post1.dev1", "1.0.post1"),
    ])
    func pep440(_ pair: (String, String)) {
        #expect(PEP440.compare(pair.0, pair.1) == -1)
        #expect(PEP440.compare(pair.1, pair.0) == 1)
    }

    @Test func pep440Equivalents() {
        #expect(PEP440.compare("1.0", "1.0.0") == 0)
        #expect(PEP440.compare("1.0-1", "1.0.post1") == 0)
        #expect(PEP440.compare("1.0c1", "1.0rc1") == 0)
        #expect(PEP440.compare("0.1-bulbasaur", "0.1") == nil)
        #expect(PEP440.compare("2019-09-12", "1.0") == nil)
    }

    @Test(arguments: [
        ("1.0.0-0", "1.0.0-alpha"), ("1.0.0-alpha", "1.0.0-alpha.1"), ("1.0.0-alpha.1", "1.0.0-alpha.beta"), ("1.0.0-beta.2", "1.0.0-beta.11"),
        ("1.0.0-rc.1", "1.0.0"), ("0.0.0-20220101000000-abcdef123456", "0.0.1"), ("1.9.9", "1.10.0"),
    ])
    func semver(_ pair: (String, String)) {
        #expect(SemVer.compare(pair.0, pair.1) == -1)
        #expect(SemVer.compare(pair.1, pair.0) == 1)
    }

    @Test func goVersions() {
        #expect(Go.semver("go1.19.8") == "1.19.8")
        #expect(Go.semver("v0.3.7") == "0.3.7")
        #expect(SemVer.compare(Go.semver("go1.21rc2"), "1.21.0") == -1)
        #expect(SemVer.compare(Go.semver("go1.20"), "1.20.1") == -1)
    }

    @Test(arguments: [("1.2.3", "1.2.4"), ("1.0-1", "1.0-2"), ("1.0~rc1", "1.0"), ("2.0", "1:1.0"), ("1.0a", "1.0.1")])
    func rpm(_ pair: (String, String)) {
        #expect(Rpm.compare(pair.0, pair.1) == -1)
        #expect(Rpm.compare(pair.1, pair.0) == 1)
    }

    func affected(_ events: [Advisory.Event], versions: [String] = []) -> Advisory.Affected {
        Advisory.Affected(ecosystem: "PyPI", name: "x", ranges: [Advisory.Range(type: "ECOSYSTEM", events: events)], versions: versions)
    }

    @Test func rangeSemantics() {
        let simple = affected([.introduced("0"), .fixed("2.20.0")])
        #expect(VulnerabilityMatcher.affects("2.19.1", simple, ecosystem: .pypi)?.fixed == "2.20.0")
        #expect(VulnerabilityMatcher.affects("2.20.0", simple, ecosystem: .pypi) == nil)
        // Events out of order (as 70 PyPI records list them): sorted before the walk.
        let unsorted = affected([.fixed("1.5"), .introduced("2.0"), .fixed("2.3"), .introduced("1.0")])
        #expect(VulnerabilityMatcher.affects("1.2", unsorted, ecosystem: .pypi)?.fixed == "1.5")
        #expect(VulnerabilityMatcher.affects("1.7", unsorted, ecosystem: .pypi) == nil)
        #expect(VulnerabilityMatcher.affects("2.1", unsorted, ecosystem: .pypi)?.fixed == "2.3")
        #expect(VulnerabilityMatcher.affects("0.9", unsorted, ecosystem: .pypi) == nil)
        // last_affected is inclusive; no fix known.
        let last = affected([.introduced("1.0"), .lastAffected("1.4")])
        #expect(VulnerabilityMatcher.affects("1.4", last, ecosystem: .pypi) != nil)
        #expect(VulnerabilityMatcher.affects("1.4", last, ecosystem: .pypi)?.fixed == nil)
        #expect(VulnerabilityMatcher.affects("1.4.1", last, ecosystem: .pypi) == nil)
        // limit belongs to GIT ranges: ignored here.
        let limited = affected([.introduced("0"), .limit("1.0")])
        #expect(VulnerabilityMatcher.affects("3.0", limited, ecosystem: .pypi) != nil)
        // An explicit listing counts even when no range can be read.
        let listed = affected([.introduced("0"), .fixed("2019-09-12")], versions: ["0.3m1"])
        #expect(VulnerabilityMatcher.affects("0.3m1", listed, ecosystem: .pypi) != nil)
        #expect(VulnerabilityMatcher.affects("0.4", listed, ecosystem: .pypi) == nil)
        // dpkg order with epochs and tildes.
        let debian = Advisory.Affected(ecosystem: "Debian:12", name: "openssl", ranges: [Advisory.Range(type: "ECOSYSTEM", events: [.introduced("0"), .fixed("3.0.13-1~deb12u1")])], versions: [])
        #expect(VulnerabilityMatcher.affects("3.0.11-1~deb12u2", debian, ecosystem: .debian) != nil)
        #expect(VulnerabilityMatcher.affects("3.0.13-1", debian, ecosystem: .debian) == nil)
        // RustSec's pre-release lower bound: pre-releases of the first affected version count.
        let rust = Advisory.Affected(ecosystem: "crates.io", name: "x", ranges: [Advisory.Range(type: "SEMVER", events: [.introduced("0.0.0-0"), .fixed("1.2.0")])], versions: [])
        #expect(VulnerabilityMatcher.affects("0.0.0-alpha", rust, ecosystem: .cargo) != nil)
        #expect(VulnerabilityMatcher.affects("1.2.0-rc.1", rust, ecosystem: .cargo) != nil)
        #expect(VulnerabilityMatcher.affects("1.2.0", rust, ecosystem: .cargo) == nil)
    }

    @Test func cvss() {
        #expect(CVSS.v3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H") == 9.8)
        #expect(CVSS.v3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N") == 6.1)
        #expect(CVSS.v3BaseScore("CVSS:3.0/AV:L/AC:H/PR:L/UI:N/S:U/C:N/I:N/A:H") == 4.7)
        #expect(CVSS.v3BaseScore("CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N") == 0)
        #expect(CVSS.rating(9.8) == .critical && CVSS.rating(6.1) == .medium)
    }

    @Test func alpineSecDBIds() {
        #expect(AdvisoryParser.primaryID("CVE-2017-2887 TALOS-2017-0394") == "CVE-2017-2887")
        #expect(AdvisoryParser.primaryID("CVE_2019-1234") == "CVE-2019-1234")
        #expect(AdvisoryParser.primaryID("XSA-123") == "XSA-123")
    }
}

@Suite("Lock files and the Debian tracker")
struct LockFileTests {
    @Test func pythonAndGoLockFilesAddWhatIsNotInstalled() throws {
        var index = LayerIndex()
        let files: [(String, String)] = [
            ("app/requirements.txt", "# pins\nrequests==2.19.1  # old\nDjango[argon2]==3.2.0 ; python_version >= '3.8'\nflask>=2\n-r other.txt\n"),
            ("app/poetry.lock", "[[package]]\nname = \"urllib3\"\nversion = \"1.24.1\"\n\n[package.dependencies]\nx = \"1\"\n\n[[package]]\nname = \"idna\"\nversion = \"2.7\"\n"),
            ("app/Pipfile.lock", #"{"default": {"jinja2": {"version": "==2.10"}, "loose": {"version": "*"}}, "develop": {}}"#),
            ("src/go.mod", "module example.com/app\n\ngo 1.21\n\nrequire (\n\tgolang.org/x/text v0.3.7 // indirect\n\tgithub.com/a/b v1.0.0\n)\nrequire github.com/c/d v2.1.0+incompatible\n"),
            ("usr/lib/python3/dist-packages/requests-2.19.1.dist-info/METADATA", "Name: requests\nVersion: 2.19.1\n"),
        ]
        for (path, text) in files {
            index.files.append(FileRecord(path: path, kind: .file, mode: 0o644, uid: 0, size: text.utf8.count, linkTarget: "", layer: 0))
            index.captured[path] = Array(text.utf8)
        }
        let image = ContainerImage(name: "t", digest: nil, config: ImageConfig(), layers: [ImageLayer(digest: nil, diffID: nil, mediaType: nil, createdBy: nil)],
                                   tree: FileTree(layers: [index]), layerIndexes: [index], diagnostics: [])
        let found = PackageCatalog.inventory(of: image).packages.map { "\($0.ecosystem.rawValue) \($0.name) \($0.version) \($0.path)" }
        #expect(found.filter { $0.contains("requests") } == ["PyPI requests 2.19.1 usr/lib/python3/dist-packages/requests-2.19.1.dist-info/METADATA"], "the installed copy, once")
        #expect(found.contains("PyPI Django 3.2.0 app/requirements.txt"))
        #expect(found.contains("PyPI urllib3 1.24.1 app/poetry.lock") && found.contains("PyPI idna 2.7 app/poetry.lock"))
        #expect(found.contains("PyPI jinja2 2.10 app/Pipfile.lock") && !found.contains { $0.contains("loose") || $0.contains("flask") })
        #expect(found.contains("Go golang.org/x/text v0.3.7 src/go.mod") && found.contains("Go github.com/c/d v2.1.0+incompatible src/go.mod"))
    }

    @Test func debianSecurityTrackerRecords() throws {
        let json = #"{"openssl": {"CVE-2024-0001": {"description": "d", "releases": {"bookworm": {"status": "resolved", "fixed_version": "3.0.13-1~deb12u1", "urgency": "medium"}, "bullseye": {"status": "resolved", "fixed_version": "0"}, "trixie": {"status": "open", "urgency": "low**"}, "sid": {"status": "resolved", "fixed_version": "3.1.0-1"}}}}}"#
        let root = try #require(Array(json.utf8).withUnsafeBufferPointer { YAMLLoader().load(bytes: $0, file: "t.json") }.documents.first?.root)
        let advisories = AdvisoryParser.debianTracker(root, file: "t.json")
        let affected = advisories.first?.affected ?? []
        #expect(Set(affected.map(\.ecosystem)) == ["Debian:12", "Debian:13"], "bullseye never affected (fixed 0); sid has no release number")
        let bookworm = try #require(affected.first { (entry: Advisory.Affected) in entry.ecosystem == "Debian:12" })
        #expect(VulnerabilityMatcher.affects("3.0.11-1~deb12u2", bookworm, ecosystem: .debian)?.fixed == "3.0.13-1~deb12u1")
        let trixie = try #require(affected.first { (entry: Advisory.Affected) in entry.ecosystem == "Debian:13" })
        #expect(VulnerabilityMatcher.affects("3.3.0-1", trixie, ecosystem: .debian) != nil && VulnerabilityMatcher.affects("3.3.0-1", trixie, ecosystem: .debian)?.fixed == nil, "open: no fix yet")
        #expect(advisories.first?.severity == .medium)
    }
}
