import Foundation

/// Runs async work from a synchronous command and waits for its result.
enum Blocking {
    private final class Box<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var stored: Result<T, any Error>?

        func set(_ result: Result<T, any Error>) {
            lock.lock()
            stored = result
            lock.unlock()
        }

        var result: Result<T, any Error>? {
            lock.lock()
            defer { lock.unlock() }
            return stored
        }
    }

    static func run<T: Sendable>(_ work: @escaping @Sendable () async throws -> T) throws -> T {
        let done = DispatchSemaphore(value: 0)
        let box = Box<T>()
        Task {
            do {
                box.set(.success(try await work()))
            } catch {
                box.set(.failure(error))
            }
            done.signal()
        }
        done.wait()
        guard let result = box.result else { throw CancellationError() }
        return try result.get()
    }
}
