import ArgumentParser
import BulkheadCore
import BulkheadReports
import Foundation

struct Bulkhead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulkhead",
        abstract: "Container security for Kubernetes on AWS: the customer's half of the shared-responsibility model.",
        version: BulkheadVersion.current,
        subcommands: [ScanCommand.self, ChecksCommand.self, ExplainCommand.self, RBACCommand.self, NetpolCommand.self,
                      MatrixCommand.self, ControlsCommand.self, HistoryCommand.self, DiffCommand.self, AdmitCommand.self, AWSCommand.self, ImageCommand.self, DBCommand.self])
}

/// A scan allocates many small objects on every core: glibc's malloc is asked to grow its heaps
/// 16 MiB at a time rather than a few pages at a time (thousands of mprotect and brk calls
/// otherwise). `mallopt` is looked up at run time: Swift's Glibc module leaves out malloc.h.
private func growHeapsInLargeSteps() {
    #if os(Linux)
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    let topPad: Int32 = -2 // M_TOP_PAD
    if let symbol = dlsym(nil, "mallopt") {
        _ = unsafeBitCast(symbol, to: Mallopt.self)(topPad, 16 << 20)
    }
    #endif
}

/// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or unreadable/malformed input.
@main
enum Entry {
    static func main() {
        growHeapsInLargeSteps()
        var command: any ParsableCommand
        do {
            command = try Bulkhead.parseAsRoot()
        } catch {
            // ArgumentParser knows which command failed to parse: its message carries that usage.
            if Bulkhead.exitCode(for: error) == .success { Bulkhead.exit(withError: error) }
            Output.error(Bulkhead.fullMessage(for: error))
            Foundation.exit(2)
        }
        do {
            try command.run()
        } catch let exit as ExitCode {
            Foundation.exit(exit.rawValue)
        } catch {
            if Bulkhead.exitCode(for: error) == .success { Bulkhead.exit(withError: error) }
            // An error of the command's own (a bad --only, nothing to read): its usage, not the root's.
            var message = "Error: \(Bulkhead.message(for: error))"
            if error is ValidationError {
                message += "\nUsage: " + Bulkhead.usageString(for: type(of: command))
            }
            Output.error(message)
            // Anything unexpected is a usage/input error here.
            Foundation.exit(2)
        }
    }
}

enum Output {
    /// One line (or several) on standard error.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    static func write(_ text: String, to path: String?) throws {
        var text = text
        try text.withUTF8 { bytes in try write(to: path) { $0(UnsafeRawBufferPointer(bytes)) } }
    }

    /// A report written in pieces to `path` (not atomically: a rename would replace special files
    /// such as /dev/stdout) or to standard output, straight from the writer's buffer.
    static func write(to path: String?, _ produce: (@escaping ReportSink) throws -> Void) throws {
        let destination = Destination(path: path)
        defer { destination.close() }
        try produce { destination.write($0) }
        destination.write(UnsafeRawBufferPointer(start: nil, count: 0)) // creates the file of an empty report
        if let path, let failure = destination.failure {
            throw ValidationError("cannot write \(path): \(failure)")
        }
    }

    /// Where a report goes. A file is opened with the first piece, so a report that fails to
    /// render leaves an existing file alone. The sink cannot throw: the first failure is kept and
    /// reported once the report is done (standard output closed early, as by `| head`, is not an
    /// error of the scan).
    private final class Destination {
        let path: String?
        private var descriptor: Int32 = -1
        private(set) var failure: String?

        init(path: String?) {
            self.path = path
            if path == nil { descriptor = STDOUT_FILENO }
        }

        func write(_ bytes: UnsafeRawBufferPointer) {
            guard failure == nil else { return }
            if descriptor < 0, let path {
                descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
                guard descriptor >= 0 else {
                    failure = String(cString: strerror(errno))
                    return
                }
            }
            guard var next = bytes.baseAddress else { return }
            var remaining = bytes.count
            while remaining > 0 {
                let written = Foundation.write(descriptor, next, remaining)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                remaining -= written
                next += written
            }
        }

        func close() {
            if path != nil, descriptor >= 0 { _ = Foundation.close(descriptor) }
        }
    }

    static var stdoutIsTerminal: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
}
