import BulkheadCore
import Foundation

/// Runs async work from a synchronous command and waits for its result.
enum Blocking {
    static func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = Locked<Result<T, any Error>?>(nil)
        Task {
            do {
                box.set(.success(try await work()))
            } catch {
                box.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        guard let result = box.current else { throw CancellationError() }
        return try result.get()
    }
}
