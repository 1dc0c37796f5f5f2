import ArgumentParser
import BulkheadAWS
import BulkheadCatalogue
import BulkheadCore
import BulkheadMatrix
import BulkheadReports
import Foundation

// The one command-line grammar: every command that prints results takes `OutputOptions`
// (`-f/--format`, `-o/--output`, `--no-color`, `-q/--quiet`; `--json` kept as a hidden alias), every
// command that runs checks takes `SelectionOptions` (`--only`, `--fail-on`, `--severity`), every
// command that reads files takes `InputOptions` (`--exclude`, `--config`, `--max-file-size`), and the
// live account is read with the same `AWSAccountOptions` by `aws scan` and `matrix --aws`.

/// A command's output formats: each has text and JSON.
protocol CommandFormat: ExpressibleByArgument, CaseIterable, Sendable, Equatable, RawRepresentable where RawValue == String {
    static var text: Self { get }
    static var json: Self { get }
}

extension ReportFormat: CommandFormat {}
extension MatrixFormat: CommandFormat {}

/// The listings' formats (`checks`, `controls`, `explain`, `rbac`, `netpol`, `history`, `diff`).
enum ListFormat: String, CommandFormat {
    case text
    case json
    case markdown
}

struct OutputOptions<Format: CommandFormat>: ParsableArguments {
    @Option(name: .shortAndLong, help: ArgumentHelp("Output format: \(Format.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "format"))
    var format: Format = .text

    @Option(name: .shortAndLong, help: ArgumentHelp("Write the output to this file instead of standard output.", valueName: "file"))
    var output: String?

    @Flag(name: .customLong("json"), help: .hidden)
    var json = false

    @Flag(name: .customLong("no-color"), help: "Never colour the text output.")
    var noColor = false

    @Flag(name: .shortAndLong, help: "Nothing on standard error but errors.")
    var quiet = false

    /// `--json` is the old spelling of `-f json`.
    var effectiveFormat: Format { json ? .json : format }

    var color: Bool { effectiveFormat == .text && output == nil && !noColor && Output.stdoutIsTerminal }

    func write(_ text: String) throws { try Output.write(text, to: output) }

    /// Input problems go to standard error as well as into the report, unless the text report is
    /// already on the terminal (where they would be printed twice). Warnings are left out with `--quiet`.
    func reportDiagnostics(_ diagnostics: [Diagnostic]) {
        let onTerminal = effectiveFormat == .text && output == nil && Output.stdoutIsTerminal
        for diagnostic in diagnostics where !onTerminal && (!quiet || diagnostic.level == .error) {
            Output.error(diagnostic.description)
        }
    }

    func note(_ text: String) {
        if !quiet { Output.error(text) }
    }
}

extension OutputOptions {
    /// JSON of an `Encodable`, as the listings print it.
    func writeJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try write(String(decoding: try encoder.encode(value), as: UTF8.self) + "\n")
    }
}

struct SelectionOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Run only these checks: IDs or categories (pod-security, rbac, network, aws/eks...), comma-separated.", valueName: "checks"))
    var only: String?

    @Option(name: .customLong("fail-on"), help: ArgumentHelp("Lowest severity that fails the run: info, low, medium, high, critical (default low).", valueName: "severity"))
    var failOn: Severity?

    @Option(help: ArgumentHelp("Show only findings at or above this severity (the exit code still follows --fail-on).", valueName: "severity"))
    var severity: Severity?

    var selectors: [String] {
        only?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } ?? []
    }

    /// The catalogue's checks that `--only` picks; a name that picks nothing is a usage error.
    func registry(from registry: CheckRegistry = Catalogue.registry) throws -> CheckRegistry {
        do {
            return try registry.only(selectors)
        } catch {
            throw ValidationError("--only: \(error.description)")
        }
    }

    /// Findings below `--severity` are left out of the report (they still count for the exit code).
    func displayed(_ result: ScanResult) -> ScanResult {
        guard let severity else { return result }
        var shown = result
        shown.findings = result.findings(atOrAbove: severity)
        return shown
    }
}

struct InputOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Skip files and directories whose name or path matches this glob (repeatable). Hidden directories and node_modules are skipped unless named.", valueName: "glob"))
    var exclude: [String] = []

    @Option(help: ArgumentHelp("Configuration file (default: .bulkhead.yaml in the scanned directory).", valueName: "file"))
    var config: String?

    @Option(name: .customLong("max-file-size"), help: ArgumentHelp("Largest file to read, in MiB.", valueName: "MiB"))
    var maxFileSize = SourceReader.defaultMaxBytes / (1024 * 1024)

    func validate() throws {
        if maxFileSize < 1 { throw ValidationError("--max-file-size must be at least 1 (MiB)") }
    }

    func discover(_ paths: [String]) -> InputDiscovery.Output {
        InputDiscovery.discover(paths, exclude: exclude, extensions: Catalogue.registry.fileExtensions, names: Catalogue.registry.picks(fileName:))
    }

    var maxFileBytes: Int { maxFileSize * 1024 * 1024 }

    /// No input at all is an error, never a clean pass: an empty directory, a broken pipe from
    /// `helm template`, a path that holds nothing Bulkhead reads.
    static func nothingRead(_ paths: [String], _ stats: ScanStats, subjects: Int = 0) -> Diagnostic? {
        guard stats.resources == 0 && subjects == 0 else { return nil }
        let what = paths.isEmpty ? "the input" : paths.joined(separator: " ")
        if stats.files == 0 {
            return Diagnostic(file: what, message: "no input: no .yaml, .yml, .json or .tf file found")
        }
        if stats.documents == 0 {
            return Diagnostic(file: what, message: "no input: the input is empty")
        }
        return Diagnostic(file: what, message: "no input: no Kubernetes object, CloudFormation template or Terraform found in \(stats.documents) document\(stats.documents == 1 ? "" : "s")")
    }
}

/// Where and how to read a live AWS account.
struct AWSAccountOptions: ParsableArguments {
    @Option(help: "Profile of the shared config/credentials files.")
    var profile: String?

    @Option(name: .customLong("region"), help: "Region to read (repeat for several; default: the profile's or AWS_REGION).")
    var regions: [String] = []

    @Option(name: .customLong("endpoint-url"), help: "Send every call to this endpoint (a local emulator, a VPC endpoint); default AWS_ENDPOINT_URL or the profile's endpoint_url.")
    var endpointURL: String?

    @Option(help: "Seconds to wait for each API answer; an endpoint that misses three in a row is taken as down.")
    var timeout: Int = 15

    func validate() throws {
        if timeout < 1 { throw ValidationError("--timeout must be at least 1 second") }
    }

    /// Reads the account; a failure to start (no credentials, STS refused) is reported and exits 2.
    func read(command: String) throws -> LiveAccountScan.Read {
        let scan = LiveAccountScan(profile: profile, regions: regions, endpointURL: endpointURL, timeoutSeconds: Int64(timeout))
        do {
            return try Blocking.run { try await scan.read() }
        } catch {
            Output.error("bulkhead \(command): \(error)")
            throw ExitCode(2)
        }
    }
}
