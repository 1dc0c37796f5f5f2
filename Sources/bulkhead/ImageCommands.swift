import ArgumentParser
import BulkheadCatalogue
import BulkheadCore
import BulkheadImages
import BulkheadReports
import Foundation

struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Scan container images: packages, vulnerabilities, configuration and content; SBOMs.",
        subcommands: [Scan.self, SBOMCommand.self, Verify.self])

    struct ImageOptions: ParsableArguments {
        @Argument(help: ArgumentHelp("Images: an OCI image layout (directory or .tar), a `docker save` archive (.tar, .tar.gz), an unpacked root file system, or a registry reference (registry/repository[:tag][@digest]) to pull.", valueName: "image"))
        var images: [String] = []

        @Option(help: ArgumentHelp("Which image of a multi-platform index (os/arch[/variant]); default linux/amd64.", valueName: "platform"))
        var platform: String?

        @Option(help: ArgumentHelp("Refuse layers that expand to more than this many MiB (gzip bombs).", valueName: "MiB"))
        var maxLayerSize = 8192

        @Option(name: .customLong("insecure-registry"), help: ArgumentHelp("Allow plain HTTP for this registry (host[:port]); loopback registries need no flag.", valueName: "registry"))
        var insecureRegistries: [String] = []

        @Option(help: ArgumentHelp("PEM file of CA certificates to trust for the registry.", valueName: "file"))
        var registryCA: String?

        @Option(help: ArgumentHelp("Registry user name (else ~/.docker/config.json, or ECR through the AWS credential chain).", valueName: "name"))
        var username: String?

        @Flag(help: "Read the registry password from standard input.")
        var passwordStdin = false

        func read() -> (images: [ContainerImage], diagnostics: [Diagnostic]) {
            var password: String?
            if passwordStdin { password = readLine(strippingNewline: true) }
            var options = RegistryClient.Options()
            options.platform = platform
            options.insecureRegistries = Set(insecureRegistries)
            options.caFile = registryCA
            options.username = username
            options.password = password
            options.environment = ProcessInfo.processInfo.environment
            return ImageCommand.readImages(images, reader: ImageReader(options: ImageReader.Options(platform: platform, maxLayerBytes: maxLayerSize << 20)),
                                           registry: options)
        }
    }

    /// Files and directories are read from disk; anything else that parses as a reference is pulled.
    static func readImages(_ images: [String], reader: ImageReader, registry: RegistryClient.Options) -> (images: [ContainerImage], diagnostics: [Diagnostic]) {
        var read: [ContainerImage] = []
        var diagnostics: [Diagnostic] = []
        for path in images {
            do {
                if FileManager.default.fileExists(atPath: path) || ImageReference(path) == nil {
                    read.append(try reader.read(path: path))
                } else {
                    let client = RegistryClient(options: registry)
                    read.append(try Blocking.run { try await client.pull(path, reader: reader) })
                }
            } catch let error as ArchiveError {
                diagnostics.append(Diagnostic(file: error.place, message: error.problem))
            } catch {
                diagnostics.append(Diagnostic(file: path, message: String(describing: error)))
            }
        }
        return (read, diagnostics)
    }

    /// The registry with the image suite given the database (the catalogue's has none).
    static func withDatabase(_ registry: CheckRegistry, _ database: VulnerabilityDatabase?) -> CheckRegistry {
        CheckRegistry(suites: registry.suites.map { suite in (suite as? ImageSuite).map { ImageSuite(checks: $0.checks, database: database) } ?? suite },
                      formats: registry.formats)
    }

    struct DatabaseOptions: ParsableArguments {
        @Option(help: ArgumentHelp("The vulnerability database (default: $XDG_CACHE_HOME/bulkhead/vulndb.sqlite, else ~/.cache/bulkhead/).", valueName: "path"))
        var vulndb: String?

        @Option(help: ArgumentHelp("Warn when the database's last import is older than this many days.", valueName: "days"))
        var maxDbAge = 7

        var path: String { vulndb ?? VulnerabilityDatabase.defaultPath(environment: ProcessInfo.processInfo.environment) }

        /// The database, or nil (with why) when there is none: vulnerabilities are then not assessed.
        func open(note: (String) -> Void) -> VulnerabilityDatabase? {
            guard FileManager.default.fileExists(atPath: path) else {
                note("no vulnerability database at \(path): vulnerabilities are NOT ASSESSED (build one with `bulkhead db import`)")
                return nil
            }
            do {
                let database = try VulnerabilityDatabase(path: path, create: false)
                if let last = try database.status().lastImport, let seconds = Int(last) {
                    let age = (Int(Date().timeIntervalSince1970) - seconds) / 86_400
                    if age > maxDbAge { note("the vulnerability database was last imported \(age) days ago (over \(maxDbAge)): import fresh data") }
                }
                return database
            } catch {
                note("the vulnerability database at \(path) cannot be read (\(error)): vulnerabilities are NOT ASSESSED")
                return nil
            }
        }
    }

    struct Scan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "scan",
            abstract: "Read images and run the image checks: vulnerable packages, root user, secrets in ENV and in layer files, SSH, ADD from URLs, setuid binaries, end-of-life base OS.",
            discussion: "Layers are streamed, never held in memory; every blob is checked against its digest. Exit 2 when an image cannot be read (after reporting the others).")

        @OptionGroup(title: "Image") var image: ImageOptions
        @OptionGroup(title: "Vulnerability database") var database: DatabaseOptions
        @OptionGroup(title: "Output") var out: OutputOptions<ReportFormat>
        @OptionGroup(title: "Checks") var selection: SelectionOptions

        @Flag(help: "List the packages found before the findings (text output).")
        var packages = false

        @Option(help: ArgumentHelp("Scan an SBOM instead of an image (CycloneDX or SPDX JSON: Bulkhead's, Syft's, Trivy's); repeatable.", valueName: "file"))
        var sbom: [String] = []

        @Flag(help: "List suppressed findings too.")
        var showSuppressed = false

        func run() throws {
            let selected = try selection.registry()
            let database = database.open(note: out.note)
            let registry = ImageCommand.withDatabase(CheckRegistry(suites: selected.suites.filter { $0 is ImageSuite }, formats: selected.formats), database)
            guard !registry.descriptors.isEmpty else { throw ValidationError("--only \(selection.only ?? "") selects no image check; see `bulkhead checks`") }
            var (images, readErrors) = image.images.isEmpty ? ([], []) : image.read()
            for file in sbom {
                do {
                    let bytes = try FileStream(path: file).readAll(limit: 256 << 20, place: file)
                    images.append(ContainerImage.fromSBOM(try SBOMReader.read(bytes, file: file), file: file))
                } catch let error as ArchiveError {
                    readErrors.append(Diagnostic(file: error.place, message: error.problem))
                } catch let diagnostic as Diagnostic {
                    readErrors.append(diagnostic)
                } catch {
                    readErrors.append(Diagnostic(file: file, message: String(describing: error)))
                }
            }
            if images.isEmpty && readErrors.isEmpty { throw ValidationError("give an image or --sbom FILE") }
            if packages, out.effectiveFormat == .text {
                for image in images {
                    let inventory = image.sbomInventory ?? PackageCatalog.inventory(of: image)
                    out.note("\(image.reference): \(inventory.operatingSystem.map { $0.prettyName ?? $0.distro } ?? "unknown OS"), \(inventory.packages.count) packages")
                    for package in inventory.packages {
                        out.note("  \(package.ecosystem.rawValue) \(package.name) \(package.version)\(package.layer.map { " (layer \($0 + 1))" } ?? "")  \(package.path)")
                    }
                }
            }
            let reads = images.map { InputRead(models: [$0], diagnostics: $0.diagnostics) }
            var result = Scanner(registry: registry, options: ScanOptions()).scan([], sourced: reads)
            result.diagnostics = readErrors + result.diagnostics
            let threshold = selection.failOn ?? .low
            let context = ReportContext(toolVersion: BulkheadVersion.current, registry: registry, showSuppressed: showSuppressed,
                                        color: out.color, failOn: threshold)
            let shown = selection.displayed(result)
            try Output.write(to: out.output) { try Reports.write(shown, format: out.effectiveFormat, context: context, to: $0) }
            out.reportDiagnostics(result.diagnostics)
            if !result.errors.isEmpty || !readErrors.isEmpty { throw ExitCode(2) }
            if result.hasFindings(atOrAbove: threshold) { throw ExitCode(1) }
        }
    }

    struct SBOMCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "sbom", abstract: "Write an image's software bill of materials: CycloneDX 1.6 or SPDX 2.3, JSON.")

        @OptionGroup(title: "Image") var image: ImageOptions

        @Option(name: .shortAndLong, help: "cyclonedx or spdx.")
        var format: String = "cyclonedx"

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to this file instead of standard output.", valueName: "file"))
        var output: String?

        func run() throws {
            guard let chosen = SBOM.Format(rawValue: format.lowercased()) else { throw ValidationError("-f \(format): cyclonedx or spdx") }
            let (images, errors) = image.read()
            for error in errors { Output.error(error.description) }
            let timestamp = ISO8601DateFormatter().string(from: Date())
            var documents: [String] = []
            for image in images {
                let inventory = PackageCatalog.inventory(of: image)
                for problem in inventory.problems { Output.error("\(image.name): \(problem)") }
                documents.append(chosen == .cyclonedx
                    ? SBOM.cycloneDX(image, inventory, toolVersion: BulkheadVersion.current, timestamp: timestamp)
                    : SBOM.spdx(image, inventory, toolVersion: BulkheadVersion.current, timestamp: timestamp))
            }
            try Output.write(documents.joined(), to: output)
            if !errors.isEmpty { throw ExitCode(2) }
        }
    }
}

extension ImageCommand {
    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Verify an image's cosign signatures with public keys (ECDSA P-256, Ed25519, RSA; PEM).",
            discussion: """
                Signatures are looked up where cosign's key-based signing puts them: the tag sha256-<digest>.sig of the \
                image's repository (registry references), or that tag in an OCI layout (--signatures DIR, else the image's \
                own layout directory). A signature counts when its payload matches its digest, a key verifies it, and the \
                payload names the image's manifest digest. Exit 0: every image has a verified signature; 1: one has none; \
                2: an image or its signatures could not be read.
                """)

        @Argument(help: ArgumentHelp("Images: a registry reference, an OCI layout (directory or .tar).", valueName: "image"))
        var images: [String]

        @Option(name: .customLong("key"), help: ArgumentHelp("A public key file (PEM); repeatable: any of them may have signed.", valueName: "file"))
        var keys: [String]

        @Option(help: ArgumentHelp("An OCI layout holding the signature manifests (for images on disk).", valueName: "dir"))
        var signatures: String?

        @Option(name: .customLong("insecure-registry"), help: ArgumentHelp("Allow plain HTTP for this registry.", valueName: "registry"))
        var insecureRegistries: [String] = []

        @Option(help: ArgumentHelp("PEM file of CA certificates to trust for the registry.", valueName: "file"))
        var registryCA: String?

        @Option(help: ArgumentHelp("Registry user name.", valueName: "name"))
        var username: String?

        @Flag(help: "Read the registry password from standard input.")
        var passwordStdin = false

        @OptionGroup(title: "Output") var out: OutputOptions<ListFormat>

        func run() throws {
            guard !keys.isEmpty else { throw ValidationError("give at least one --key") }
            let loaded = try keys.map { path -> SignatureKey in
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw ValidationError("cannot read the key \(path)") }
                return try SignatureKey(pem: text, name: (path as NSString).lastPathComponent)
            }
            var options = RegistryClient.Options()
            options.insecureRegistries = Set(insecureRegistries)
            options.caFile = registryCA
            options.username = username
            options.password = passwordStdin ? readLine(strippingNewline: true) : nil
            options.environment = ProcessInfo.processInfo.environment
            var results: [(image: String, digest: String?, verdicts: [SignatureVerdict], error: String?)] = []
            for image in images {
                do {
                    if FileManager.default.fileExists(atPath: image) {
                        let read = try ImageReader().read(path: image)
                        // A docker archive names its image by the config's digest: no manifest was signed.
                        guard let digest = read.digest, read.layers.isEmpty || read.layers.contains(where: { $0.mediaType != nil }) else {
                            results.append((image, nil, [], "a docker archive has no manifest digest to verify against"))
                            continue
                        }
                        var isDirectory: ObjCBool = false
                        let exists = FileManager.default.fileExists(atPath: image, isDirectory: &isDirectory)
                        guard let layout = signatures ?? (exists && isDirectory.boolValue ? image : nil) else {
                            results.append((image, digest, [], "the signatures of an image archive are not in it: give --signatures DIR"))
                            continue
                        }
                        results.append((image, digest, try CosignVerifier.verify(layout: layout, imageDigest: digest, keys: loaded), nil))
                    } else {
                        let client = RegistryClient(options: options)
                        let found = try Blocking.run { try await client.signatures(image, imageDigest: nil) }
                        guard let manifest = found.manifest else {
                            results.append((image, found.digest, [SignatureVerdict(verified: false, reason: "no signature (\(found.place) does not exist)",
                                                                                   place: found.place, key: nil, dockerReference: nil, claims: [:])], nil))
                            continue
                        }
                        results.append((image, found.digest, CosignVerifier.verify(manifest: manifest, blobs: found.blobs, imageDigest: found.digest,
                                                                                   keys: loaded, place: found.place), nil))
                    }
                } catch {
                    results.append((image, nil, [], String(describing: error)))
                }
            }
            if out.effectiveFormat == .json {
                let entries = results.map { result -> String in
                    let verdicts = result.verdicts.map { verdict in
                        "{\"verified\":\(verdict.verified),\"reason\":\(JSONText.quoted(verdict.reason)),\"place\":\(JSONText.quoted(verdict.place)),"
                            + "\"key\":\(verdict.key.map(JSONText.quoted) ?? "null"),\"dockerReference\":\(verdict.dockerReference.map(JSONText.quoted) ?? "null")}"
                    }
                    return "{\"image\":\(JSONText.quoted(result.image)),\"digest\":\(result.digest.map(JSONText.quoted) ?? "null"),"
                        + "\"verified\":\(result.verdicts.contains { $0.verified }),\"error\":\(result.error.map(JSONText.quoted) ?? "null"),\"signatures\":[\(verdicts.joined(separator: ","))]}"
                }
                try out.write("[" + entries.joined(separator: ",") + "]\n")
            } else {
                var text = ""
                for result in results {
                    let ok = result.verdicts.contains { $0.verified }
                    text += "\(ok ? "VERIFIED" : "NOT VERIFIED") \(result.image)\(result.digest.map { "@\($0)" } ?? "")\n"
                    if let error = result.error { text += "  error: \(error)\n" }
                    for verdict in result.verdicts { text += "  \(verdict.verified ? "ok  " : "fail") \(verdict.reason) — \(verdict.place)\n" }
                }
                try out.write(text)
            }
            if results.contains(where: { $0.error != nil }) { throw ExitCode(2) }
            if results.contains(where: { !$0.verdicts.contains { $0.verified } }) { throw ExitCode(1) }
        }
    }
}

struct DBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db", abstract: "The local vulnerability database: import advisories, show what is in it.",
        subcommands: [Import.self, Status.self])

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import advisories: OSV records (JSON or YAML, any ecosystem), Alpine/Wolfi secdb (YAML or JSON), the Debian Security Tracker's JSON.",
            discussion: "Directories are walked. A record that cannot be read is reported with its file and skipped; the rest is imported (exit 2 if any was skipped).")

        @Argument(help: ArgumentHelp("Files or directories of advisories.", valueName: "path"))
        var paths: [String]

        @OptionGroup(title: "Vulnerability database") var database: ImageCommand.DatabaseOptions
        @OptionGroup(title: "Output") var out: OutputOptions<ListFormat>

        func run() throws {
            let store = try VulnerabilityDatabase(path: database.path, create: true)
            let started = Date()
            let report = try VulnerabilityImporter().importPaths(paths, into: store)
            let unreadable = report.diagnostics.filter { $0.level == .error }.count
            try store.recordImport(path: paths.joined(separator: " "), at: String(Int(Date().timeIntervalSince1970)), advisories: report.advisories,
                                   skipped: unreadable)
            out.reportDiagnostics(report.diagnostics)
            let seconds = Date().timeIntervalSince(started)
            if out.effectiveFormat == .json {
                try out.write("{\"database\":\(JSONText.quoted(database.path)),\"files\":\(report.files),\"advisories\":\(report.advisories),"
                              + "\"withdrawn\":\(report.withdrawn),\"unreadable\":\(unreadable),\"seconds\":\(String(format: "%.2f", seconds))}\n")
            } else {
                try out.write("imported \(report.advisories) advisories from \(report.files) files into \(database.path) in \(String(format: "%.1f", seconds)) s"
                              + " (\(report.withdrawn) withdrawn ignored, \(unreadable) unreadable)\n")
            }
            if unreadable > 0 { throw ExitCode(2) }
        }
    }

    struct Status: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "status", abstract: "What the vulnerability database holds and how old it is.")

        @OptionGroup(title: "Vulnerability database") var database: ImageCommand.DatabaseOptions
        @OptionGroup(title: "Output") var out: OutputOptions<ListFormat>

        func run() throws {
            let store = try VulnerabilityDatabase(path: database.path, create: false)
            let status = try store.status()
            let age = status.lastImport.flatMap(Int.init).map { (Int(Date().timeIntervalSince1970) - $0) / 86_400 }
            func date(_ at: String) -> String {
                Int(at).map { ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: TimeInterval($0))) } ?? at
            }
            if out.effectiveFormat == .json {
                let ecosystems = status.byEcosystem.map { "\(JSONText.quoted($0.0)):\($0.1)" }.joined(separator: ",")
                let imports = status.imports.map { "{\"path\":\(JSONText.quoted($0.path)),\"at\":\(JSONText.quoted(date($0.at))),\"advisories\":\($0.advisories),\"unreadable\":\($0.skipped)}" }
                try out.write("{\"database\":\(JSONText.quoted(database.path)),\"advisories\":\(status.advisories),\"ecosystems\":{\(ecosystems)},"
                              + "\"newestAdvisory\":\(status.newestAdvisory.map(JSONText.quoted) ?? "null"),\"ageDays\":\(age.map(String.init) ?? "null"),"
                              + "\"stale\":\(age.map { $0 > database.maxDbAge } ?? true),\"imports\":[\(imports.joined(separator: ","))]}\n")
                return
            }
            var text = "\(database.path): \(status.advisories) advisories\n"
            for (ecosystem, count) in status.byEcosystem { text += "  \(ecosystem): \(count)\n" }
            if let newest = status.newestAdvisory { text += "newest advisory modified \(newest)\n" }
            for entry in status.imports { text += "imported \(date(entry.at)): \(entry.advisories) advisories (\(entry.skipped) unreadable) from \(entry.path)\n" }
            if let age, age > database.maxDbAge { text += "warning: last import \(age) days ago (over \(database.maxDbAge))\n" }
            try out.write(text)
        }
    }
}
