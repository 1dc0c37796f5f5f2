// The libFuzzer binary: libFuzzer's main (from `-sanitize=fuzzer`) calls this for every input;
// BULKHEAD_FUZZ_TARGET names the parser (scripts/fuzz sets it). Built only with BULKHEAD_FUZZ=1.
import BulkheadFuzzTargets
#if canImport(Glibc)
import Glibc
#endif

private let selected: FuzzTarget = {
    let name = getenv("BULKHEAD_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        print("BULKHEAD_FUZZ_TARGET must be one of: \(names) (got \"\(name)\")")
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func bulkheadFuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    selected.run(UnsafeBufferPointer(start: data, count: size))
    return 0
}
