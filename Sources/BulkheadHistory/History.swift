import BulkheadCore
import BulkheadMatrix
import Foundation
import GRDB

/// Runs of `bulkhead matrix --record`, kept in a SQLite database: when, on which inputs, each
/// control's status and the findings. Several processes may record into the same file at once
/// (WAL journal, waits on a busy database); a database written by an older Bulkhead is migrated
/// when opened.
public final class HistoryStore: Sendable {
    let pool: DatabasePool
    public let path: String

    /// `$XDG_DATA_HOME/bulkhead/history.sqlite`, else `~/.local/share/bulkhead/history.sqlite`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        let base = environment["XDG_DATA_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? ((environment["HOME"] ?? NSHomeDirectory()) as NSString).appendingPathComponent(".local/share")
        return ((base as NSString).appendingPathComponent("bulkhead") as NSString).appendingPathComponent("history.sqlite")
    }

    public init(path: String, migrateUpTo lastMigration: String? = nil) throws {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        // Migrations run one process at a time: two processes opening a new database would
        // otherwise both see it empty and both create the tables.
        let lock = open(path + ".lock", O_CREAT | O_RDWR, 0o644)
        guard lock >= 0 else { throw HistoryError.cannotLock(path + ".lock", String(cString: strerror(errno))) }
        defer { close(lock) }
        guard flock(lock, LOCK_EX) == 0 else { throw HistoryError.cannotLock(path + ".lock", String(cString: strerror(errno))) }
        defer { flock(lock, LOCK_UN) }
        pool = try DatabasePool(path: path, configuration: configuration)
        if let lastMigration {
            try Self.migrator.migrate(pool, upTo: lastMigration)
        } else {
            try Self.migrator.migrate(pool)
        }
    }

    /// The schema's history. Never edit a shipped migration: add one.
    public static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.create(table: "run") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("startedAt", .datetime).notNull()
                table.column("toolVersion", .text).notNull()
                table.column("inputsDigest", .text).notNull()
                table.column("inputs", .text).notNull()
            }
            try db.create(table: "controlStatus") { table in
                table.column("runId", .integer).notNull().references("run", onDelete: .cascade)
                table.column("controlId", .text).notNull()
                table.column("status", .text).notNull()
                table.primaryKey(["runId", "controlId"])
            }
            try db.create(table: "finding") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("runId", .integer).notNull().indexed().references("run", onDelete: .cascade)
                table.column("checkId", .text).notNull()
                table.column("severity", .text).notNull()
                table.column("file", .text).notNull()
                table.column("line", .integer).notNull()
                table.column("fieldPath", .text).notNull()
                table.column("resource", .text).notNull()
                table.column("message", .text).notNull()
            }
        }
        // v2: a stable identity for a finding across runs (line numbers move; check, object and field do not).
        migrator.registerMigration("v2") { db in
            try db.alter(table: "finding") { table in
                table.add(column: "fingerprint", .text).notNull().defaults(to: "")
            }
            try db.execute(sql: "UPDATE finding SET fingerprint = checkId || '|' || resource || '|' || fieldPath")
            try db.create(index: "finding_fingerprint", on: "finding", columns: ["runId", "fingerprint"])
        }
        return migrator
    }

    public static func fingerprint(_ finding: Finding) -> String {
        "\(finding.checkID)|\(finding.resource.description)|\(finding.fieldPath)"
    }

    /// Stores a run; returns its ID.
    @discardableResult
    public func record(_ matrix: Matrix, toolVersion: String) throws -> Int64 {
        try pool.write { db in
            let inputs = String(decoding: try JSONEncoder().encode(matrix.inputs), as: UTF8.self)
            try db.execute(sql: "INSERT INTO run (startedAt, toolVersion, inputsDigest, inputs) VALUES (?, ?, ?, ?)",
                           arguments: [matrix.generated, toolVersion, matrix.inputsDigest, inputs])
            let run = db.lastInsertedRowID
            for result in matrix.results {
                try db.execute(sql: "INSERT INTO controlStatus (runId, controlId, status) VALUES (?, ?, ?)",
                               arguments: [run, result.control.id, result.status.rawValue])
            }
            for finding in matrix.scan.findings {
                try db.execute(sql: """
                    INSERT INTO finding (runId, checkId, severity, file, line, fieldPath, resource, message, fingerprint)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [run, finding.checkID, finding.severity.rawValue, finding.location.file, finding.location.line,
                                     finding.fieldPath, finding.resource.description, finding.message, Self.fingerprint(finding)])
            }
            return run
        }
    }

    public struct RunSummary: Sendable {
        public var id: Int64
        public var startedAt: Date
        public var toolVersion: String
        public var inputsDigest: String
        public var inputs: [String]
        public var counts: [ControlStatus: Int]
        public var findings: Int
    }

    public func runs() throws -> [RunSummary] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT id, startedAt, toolVersion, inputsDigest, inputs FROM run ORDER BY id")
            return try rows.map { row in
                let id: Int64 = row["id"]
                var counts: [ControlStatus: Int] = [:]
                for status in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM controlStatus WHERE runId = ? GROUP BY status", arguments: [id]) {
                    if let parsed = ControlStatus(rawValue: status["status"]) { counts[parsed] = status["n"] }
                }
                let findings = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM finding WHERE runId = ?", arguments: [id]) ?? 0
                let inputsText: String = row["inputs"]
                let inputs = (try? JSONDecoder().decode([String].self, from: Data(inputsText.utf8))) ?? []
                return RunSummary(id: id, startedAt: row["startedAt"], toolVersion: row["toolVersion"], inputsDigest: row["inputsDigest"],
                                  inputs: inputs, counts: counts, findings: findings)
            }
        }
    }

    /// Each control's status in the last `limit` runs, oldest first.
    public func trends(limit: Int = 5) throws -> [String: [ControlStatus]] {
        try pool.read { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM run ORDER BY id DESC LIMIT ?", arguments: [limit]).reversed()
            var trends: [String: [ControlStatus]] = [:]
            for id in ids {
                for row in try Row.fetchAll(db, sql: "SELECT controlId, status FROM controlStatus WHERE runId = ?", arguments: [id]) {
                    if let status = ControlStatus(rawValue: row["status"]) { trends[row["controlId"], default: []].append(status) }
                }
            }
            return trends
        }
    }

    public struct RunDiff: Sendable {
        public var from: Int64
        public var to: Int64
        public var controls: [(id: String, before: ControlStatus?, after: ControlStatus?)]
        public var newFindings: [String]
        public var fixedFindings: [String]
        public var unchangedFindings: Int
    }

    public enum HistoryError: Error, CustomStringConvertible {
        case noSuchRun(Int64)
        case notEnoughRuns
        case cannotLock(String, String)

        public var description: String {
            switch self {
            case .cannotLock(let path, let reason): return "cannot lock \(path): \(reason)"
            case .noSuchRun(let id): return "no run \(id) in the history"
            case .notEnoughRuns: return "the history needs two runs to compare (record with `bulkhead matrix --record`)"
            }
        }
    }

    /// What changed between two runs (default: the last two).
    public func diff(from: Int64? = nil, to: Int64? = nil) throws -> RunDiff {
        try pool.read { db in
            let ids = try Int64.fetchAll(db, sql: "SELECT id FROM run ORDER BY id")
            let target = to ?? ids.last
            guard let target else { throw HistoryError.notEnoughRuns }
            let base = from ?? ids.last { $0 < target }
            guard let base else { throw HistoryError.notEnoughRuns }
            for id in [base, target] where !ids.contains(id) { throw HistoryError.noSuchRun(id) }
            func statuses(_ run: Int64) throws -> [String: ControlStatus] {
                var map: [String: ControlStatus] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT controlId, status FROM controlStatus WHERE runId = ?", arguments: [run]) {
                    map[row["controlId"]] = ControlStatus(rawValue: row["status"])
                }
                return map
            }
            func findings(_ run: Int64) throws -> [String: String] {
                var map: [String: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT fingerprint, severity, file, line, message FROM finding WHERE runId = ?", arguments: [run]) {
                    let line: Int = row["line"]
                    let severity: String = row["severity"]
                    let file: String = row["file"]
                    let message: String = row["message"]
                    map[row["fingerprint"]] = "\(severity) \(file):\(line) \(message)"
                }
                return map
            }
            let before = try statuses(base)
            let after = try statuses(target)
            let changed = Set(before.keys).union(after.keys).sorted().compactMap { id -> (String, ControlStatus?, ControlStatus?)? in
                before[id] == after[id] ? nil : (id, before[id], after[id])
            }
            let oldFindings = try findings(base)
            let newFindings = try findings(target)
            return RunDiff(
                from: base, to: target, controls: changed,
                newFindings: newFindings.keys.filter { oldFindings[$0] == nil }.sorted().compactMap { newFindings[$0] },
                fixedFindings: oldFindings.keys.filter { newFindings[$0] == nil }.sorted().compactMap { oldFindings[$0] },
                unchangedFindings: newFindings.keys.filter { oldFindings[$0] != nil }.count)
        }
    }

    /// SQLite's own consistency check ("ok" when sound).
    public func integrityCheck() throws -> String {
        try pool.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") ?? "" }
    }
}
