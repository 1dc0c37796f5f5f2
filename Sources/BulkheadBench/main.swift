// Throughput of each stage of a scan, for bench/scan.sh: how many MB of YAML per CPU second (all
// threads counted) (1) libyaml's event stream alone, (2) the positioned tree through libyaml only,
// (3) the positioned tree as scans build it (block YAML on its own road, the rest through
// libyaml), (4) tree plus resources plus the Pod Security Standards only, (5) tree plus every
// Kubernetes check, cross-resource ones included. Usage: bulkhead-bench PATH... [--rounds N]
import BulkheadAdmission
import BulkheadCore
import BulkheadKubernetes
import CYaml
import Foundation

func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

var arguments = Array(CommandLine.arguments.dropFirst())
// `--review FILE`: time AdmissionReviewer.review on one AdmissionReview body, one thread.
if let index = arguments.firstIndex(of: "--review"), index + 1 < arguments.count {
    let body = Array(FileManager.default.contents(atPath: arguments[index + 1]) ?? Data())
    let reviewer = AdmissionReviewer()
    let count = 5000
    var best = Double.infinity
    for _ in 0..<3 {
        let start = threadCPUSeconds()
        for _ in 0..<count { _ = try? reviewer.review(body) }
        best = min(best, (threadCPUSeconds() - start) / Double(count))
    }
    print(String(format: "AdmissionReviewer.review: %.1f µs CPU per review (%d-byte body, best of 3 × %d)", best * 1e6, body.count, count))
    exit(0)
}
var requestedRounds = 3
if let index = arguments.firstIndex(of: "--rounds"), index + 1 < arguments.count, let value = Int(arguments[index + 1]) {
    requestedRounds = value
    arguments.removeSubrange(index...(index + 1))
}
let rounds = requestedRounds
let inputs = InputDiscovery.discover(arguments).inputs
let files: [(String, [UInt8])] = inputs.compactMap { input in
    if case .success(let bytes) = SourceReader.read(input, maxBytes: SourceReader.defaultMaxBytes) { return (input.displayName, bytes) }
    return nil
}
let megabytes = Double(files.reduce(0) { $0 + $1.1.count }) / 1e6

func measure(_ name: String, _ body: () -> Int) {
    var best = Double.infinity
    var checksum = 0
    for _ in 0..<rounds {
        let start = threadCPUSeconds()
        checksum = body()
        best = min(best, threadCPUSeconds() - start)
    }
    let rate = megabytes / best
    print("\(name.padding(toLength: 34, withPad: " ", startingAt: 0)) \(String(format: "%7.1f", rate)) MB/s per core  (\(String(format: "%.3f", best)) CPU s, \(checksum))")
}

print("\(files.count) files, \(String(format: "%.2f", megabytes)) MB, best of \(rounds) rounds, CPU time of all threads")
measure("libyaml events only") {
    var events = 0
    for (_, bytes) in files {
        bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            yaml_parser_initialize(&parser)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var event = yaml_event_t()
            while yaml_parser_parse(&parser, &event) == 1 {
                events += 1
                let done = event.type == YAML_STREAM_END_EVENT
                yaml_event_delete(&event)
                if done { break }
            }
            yaml_parser_delete(&parser)
        }
    }
    return events
}
let libyamlRoad = YAMLLoader(blockFastPath: false)
measure("positioned tree, libyaml road") {
    files.reduce(0) { total, file in
        total + file.1.withUnsafeBufferPointer { libyamlRoad.load(bytes: $0, file: file.0).documents.count }
    }
}
let loader = YAMLLoader()
measure("positioned tree (YAMLLoader)") {
    files.reduce(0) { total, file in
        total + file.1.withUnsafeBufferPointer { loader.load(bytes: $0, file: file.0).documents.count }
    }
}
func resources() -> [Resource] {
    files.flatMap { name, bytes in
        ResourceExtractor.extract(bytes.withUnsafeBufferPointer { loader.load(bytes: $0, file: name).documents }, file: name).resources
    }
}
let podSecurityOnly = KubernetesSuite(workloadChecks: [], objectChecks: [], inventoryChecks: [])
measure("tree + Pod Security Standards") {
    let inventory = Inventory(resources())
    return podSecurityOnly.evaluate(ScanContext(options: ScanOptions(), inventory: inventory)).findings.count
}
measure("tree + every Kubernetes check") {
    let inventory = Inventory(resources())
    return KubernetesChecks.suite.evaluate(ScanContext(options: ScanOptions(), inventory: inventory)).findings.count
}
