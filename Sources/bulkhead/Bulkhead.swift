import ArgumentParser
import BulkheadCore
import Foundation

struct Bulkhead: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulkhead",
        abstract: "Container security for Kubernetes on AWS: the customer's half of the shared-responsibility model.",
        version: BulkheadVersion.current,
        subcommands: [ScanCommand.self, ChecksCommand.self, ExplainCommand.self, RBACCommand.self, NetpolCommand.self,
                      MatrixCommand.self, ControlsCommand.self, HistoryCommand.self, DiffCommand.self, AdmitCommand.self, AWSCommand.self])
}

/// Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage error or unreadable/malformed input.
@main
enum Entry {
    static func main() {
        do {
            var command = try Bulkhead.parseAsRoot()
            try command.run()
        } catch {
            let code = Bulkhead.exitCode(for: error)
            if code == .success {
                Bulkhead.exit(withError: error)
            }
            if let exit = error as? ExitCode {
                Foundation.exit(exit.rawValue)
            }
            let message = Bulkhead.fullMessage(for: error)
            FileHandle.standardError.write(Data((message + "\n").utf8))
            // ArgumentParser's own usage failures (64) and anything unexpected are usage/input errors here.
            Foundation.exit(2)
        }
    }
}

enum Output {
    static func write(_ text: String, to path: String?) throws {
        if let path {
            do {
                // Not atomic: a rename would replace special files such as /dev/stdout.
                try text.write(toFile: path, atomically: false, encoding: .utf8)
            } catch {
                throw ValidationError("cannot write \(path): \(error.localizedDescription)")
            }
        } else {
            // Straight from the string's UTF-8 storage: a report of tens of thousands of findings
            // is not copied again on its way out.
            var text = text
            text.withUTF8 { bytes in
                guard var next = bytes.baseAddress else { return }
                var remaining = bytes.count
                while remaining > 0 {
                    let written = Foundation.write(STDOUT_FILENO, next, remaining)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    remaining -= written
                    next += written
                }
            }
        }
    }

    static var stdoutIsTerminal: Bool {
        isatty(STDOUT_FILENO) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
    }
}
