import BulkheadCore
import Dispatch

/// Bounds the time a caller waits for synchronous work (judging an AdmissionReview, matching a
/// request): the work runs on a dispatch queue and the caller is answered at the deadline even if
/// the work is still going. A task group cannot do this: it waits for every child, and synchronous
/// work never looks at cancellation. The late work finishes in the background and its result is
/// dropped.
public enum Deadline {
    public struct Exceeded: Error, CustomStringConvertible {
        public var limit: Duration
        public var description: String { "took longer than \(limit)" }
    }

    public static func run<T: Sendable>(within limit: Duration, _ work: @escaping @Sendable () throws -> T) async throws -> T {
        let pending = Locked<CheckedContinuation<T, any Error>?>(nil)
        return try await withCheckedThrowingContinuation { continuation in
            pending.set(continuation)
            DispatchQueue.global().async {
                let result = Result { try work() }
                pending.withLock { stored in
                    stored?.resume(with: result)
                    stored = nil
                }
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + .nanoseconds(Int(clamping: limit.nanoseconds))) {
                pending.withLock { stored in
                    stored?.resume(throwing: Exceeded(limit: limit))
                    stored = nil
                }
            }
        }
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
