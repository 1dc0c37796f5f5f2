import BulkheadFuzzTargets
import BulkheadTestSupport
import Foundation
import Testing

/// Every seed of every fuzz target, and every input the fuzzer ever found (fuzz/regressions/<target>),
/// goes through the target's code as scripts/fuzz runs it: a crash found once stays fixed.
@Suite("Fuzz seeds and regressions")
struct FuzzRegressionTests {
    static let fuzz = Shared.repository.appendingPathComponent("fuzz")

    static func inputs(_ target: FuzzTarget) -> [URL] {
        ["seeds", "regressions"].flatMap { kind -> [URL] in
            let directory = fuzz.appendingPathComponent(kind).appendingPathComponent(target.rawValue)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.sorted().filter { !$0.hasPrefix(".") }.map { directory.appendingPathComponent($0) }
        }
    }

    @Test(arguments: FuzzTarget.allCases)
    func replays(_ target: FuzzTarget) throws {
        let inputs = Self.inputs(target)
        for input in inputs {
            var bytes = try [UInt8](Data(contentsOf: input))
            bytes.withUnsafeMutableBufferPointer { target.run(UnsafeBufferPointer($0)) }
        }
        // These have no files of their kind elsewhere in the repository: their seeds must be here.
        if ["admission", "aws-xml", "aws-json", "image-archive", "advisory", "sbom", "versions", "dockerfile"].contains(target.rawValue) {
            #expect(!inputs.isEmpty, "fuzz/seeds/\(target.rawValue) is empty")
        }
    }
}
