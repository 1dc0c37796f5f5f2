// What each libFuzzer target does with its bytes (Sources/BulkheadFuzz is the libFuzzer binary;
// scripts/fuzz builds and runs it). A library of the package, always built, so the tests replay
// every seed and every input the fuzzer ever found (fuzz/regressions) through the same code.
//
// A target fails (traps, so libFuzzer saves the input) on a crash, a sanitizer report, or a broken
// promise the parser makes: the YAML and JSON roads must agree with libyaml whenever the fast road
// reads the input itself, and a refusal must say why.
import BulkheadAdmission
import BulkheadAWS
import BulkheadCore
import BulkheadImages
import BulkheadKubernetes

public enum FuzzTarget: String, CaseIterable, Sendable {
    case yamlLibyaml = "yaml-libyaml"
    case yamlBlock = "yaml-block"
    case json
    case hcl
    case cloudformation
    case terraformPlan = "terraform-plan"
    case admission
    case awsXML = "aws-xml"
    case awsJSON = "aws-json"
    case imageArchive = "image-archive"
    case dockerfile
    case advisory
    case sbom
    case versions

    static let libyaml = YAMLLoader(jsonFastPath: false, blockFastPath: false)
    static let loader = YAMLLoader()
    static let templates = YAMLLoader(wrapsLocalTags: true)
    static let reviewers = [AdmissionReviewer(), AdmissionReviewer(policy: .enforcing("restricted"))]

    public func run(_ bytes: UnsafeBufferPointer<UInt8>) {
        switch self {
        case .yamlLibyaml:
            _ = Self.libyaml.load(bytes: bytes, file: "f.yaml").canonical
        case .yamlBlock:
            // Inputs the block road leaves to libyaml are the yaml-libyaml target's.
            if let fast = BlockYAMLLoader.load(bytes: bytes, file: "f.yaml", limits: YAMLLoader.Limits()) {
                let slow = Self.libyaml.load(bytes: bytes, file: "f.yaml")
                if fast.canonical != slow.canonical {
                    fatalError("the block road and libyaml disagree:\n\(fast.canonical)\n---\n\(slow.canonical)")
                }
            }
        case .json:
            // The one difference on purpose: a UTF-16 surrogate pair in `\u` escapes (JSON allows
            // it, libyaml refuses it); compare only inputs without `\u`.
            if JSONLoader.looksLikeJSON(bytes), let fast = JSONLoader.load(bytes: bytes, file: "f.json", limits: YAMLLoader.Limits()),
               !Self.hasUnicodeEscape(bytes) {
                let slow = Self.libyaml.load(bytes: bytes, file: "f.json")
                if fast.canonical != slow.canonical {
                    fatalError("the JSON road and libyaml disagree:\n\(fast.canonical)\n---\n\(slow.canonical)")
                }
            }
        case .hcl:
            let text = String(decoding: bytes, as: UTF8.self)
            _ = TerraformReader.readModule(directory: "/nonexistent-fuzz", files: [(name: "main.tf", text: text)])
        case .cloudformation:
            for document in Self.templates.load(bytes: bytes, file: "t.yaml").documents where CloudFormation.isTemplate(document.root) {
                _ = CloudFormationReader.read(document.root, file: "t.yaml")
            }
        case .terraformPlan:
            for document in Self.loader.load(bytes: bytes, file: "plan.json").documents {
                _ = TerraformReader.readPlan(document.root, file: "plan.json")
            }
        case .admission:
            let body = Array(bytes)
            for reviewer in Self.reviewers {
                do throws(AdmissionReviewer.BadRequest) {
                    _ = try reviewer.review(body)
                } catch {
                    if error.message.isEmpty { fatalError("a bad request refused without saying why") }
                }
            }
        case .awsXML:
            _ = XMLTree.parse(Array(bytes))
            _ = AWSClient.error(service: "iam", action: "ListRoles", status: 400, headers: [:], body: Array(bytes))
        case .awsJSON:
            do throws(AWSAPIError) {
                _ = try AWSClient.parseJSON(Array(bytes), service: "eks", action: "DescribeCluster")
            } catch {
                if error.message.isEmpty && error.code.isEmpty { fatalError("an answer refused without saying why") }
            }
        case .imageArchive:
            // A small expansion cap: a bomb must stop with an error, not exhaust memory.
            let reader = ImageReader(options: ImageReader.Options(maxLayerBytes: 4 << 20, maxDocumentBytes: 1 << 20))
            do {
                let image = try reader.read(archive: Array(bytes), name: "fuzz.tar")
                _ = PackageCatalog.inventory(of: image)
                _ = ImageSuite().evaluate(ScanContext(options: ScanOptions(), inventory: Inventory([]), models: InputModels([image])))
            } catch let error as ArchiveError {
                if error.problem.isEmpty { fatalError("an archive refused without saying why") }
            } catch {
                fatalError("an archive refused with an unexpected error: \(error)")
            }
        case .dockerfile:
            let (file, _) = Dockerfile.parse(String(decoding: bytes, as: UTF8.self), file: "Dockerfile")
            _ = DockerfileSuite().evaluate(ScanContext(options: ScanOptions(), inventory: Inventory([]), models: InputModels([file])))
        case .advisory:
            for document in Self.loader.load(bytes: bytes, file: "osv.json").documents {
                if let advisory = try? AdvisoryParser.osv(document.root, file: "osv.json") {
                    for affected in advisory.affected {
                        for ecosystem in [Ecosystem.pypi, .debian, .alpine, .go, .cargo] {
                            _ = VulnerabilityMatcher.affects("1.0.0", affected, ecosystem: ecosystem)
                        }
                    }
                }
                _ = try? AdvisoryParser.alpineSecDB(document.root, file: "secdb.yaml")
                _ = AdvisoryParser.debianTracker(document.root, file: "tracker.json")
            }
        case .sbom:
            _ = try? SBOMReader.read(Array(bytes), file: "sbom.json")
        case .versions:
            // Two versions, split at the first newline: every order must be antisymmetric.
            let text = String(decoding: bytes, as: UTF8.self)
            let parts = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2 else { return }
            let (a, b) = (String(parts[0]), String(parts[1]))
            for ecosystem in Ecosystem.allCases {
                let forward = VersionOrder.compare(a, b, ecosystem: ecosystem)
                let backward = VersionOrder.compare(b, a, ecosystem: ecosystem)
                if let forward, let backward, forward != -backward {
                    fatalError("\(ecosystem): compare(\(a), \(b)) = \(forward) but compare(\(b), \(a)) = \(backward)")
                }
                if (forward == nil) != (backward == nil) { fatalError("\(ecosystem): \(a) vs \(b) parses one way only") }
            }
        }
    }

    static func hasUnicodeEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        guard bytes.count >= 2 else { return false }
        for index in 1..<bytes.count where bytes[index] == UInt8(ascii: "u") && bytes[index - 1] == UInt8(ascii: "\\") {
            return true
        }
        return false
    }
}
