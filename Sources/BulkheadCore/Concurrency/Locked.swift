import Foundation

/// A value shared between threads or tasks, reached only under its lock. The one lock type of the
/// code base: every shared mutable state (a reloaded TLS context and its generation, a server's
/// readiness, a deadline's one-shot continuation, a parallel map's results) is a `Locked`, so the
/// one `@unchecked Sendable` is here, and nothing can read the value without the lock.
public final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    public init(_ value: Value) {
        self.value = value
    }

    /// Runs `body` with the value, under the lock.
    public func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    /// A copy of the value.
    public var current: Value {
        withLock { $0 }
    }

    public func set(_ newValue: Value) {
        withLock { $0 = newValue }
    }
}
