import BulkheadTestSupport
import Foundation
import Testing

/// bench/soak.py for 60 seconds against the built `bulkhead admit serve` (bench/soak.sh runs it
/// for 10 minutes at 2,000 req/s): good reviews at a constant rate over TLS, the certificate
/// rotated and the policy rewritten while they flow, slowloris connections and malformed requests
/// beside them, memory and descriptors sampled, and SIGTERM with requests in flight. The script
/// judges; it exits 1 and names the broken promise when one is.
@Suite("Webhook soak, 60 s")
struct SoakTests {
    @Test(.enabled(if: Tools.wrk, Tools.noWrk), .timeLimit(.minutes(3)))
    func soaksForAMinute() throws {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("bulkhead-soak-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: out) }
        let (status, output) = try Command.run([
            "python3", CLI.repository.appendingPathComponent("bench/soak.py").path, "--binary", CLI.executable.path,
            "--duration", "60", "--rate", "300", "--connections", "16", "--rotate", "12", "--reload", "20",
            "--slowloris", "10", "--malformed", "10", "--sample", "2", "--out", out.path,
        ])
        #expect(status == 0 && output.contains("PASS"), "\(output.suffix(3000))")
        // The figures are real: the summary names every part of the run.
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("soak.json"))) as? [String: Any]
        #expect((summary?["certificate_rotations"] as? Int ?? 0) >= 4)
        #expect((summary?["slow_connections_closed"] as? Int ?? 0) >= 10)
        #expect(((summary?["sigterm"] as? [String: Any])?["answered"] as? Int) == 32)
    }
}
