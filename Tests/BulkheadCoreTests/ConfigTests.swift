import BulkheadCore
import Foundation
import Testing

@Suite("Configuration and exceptions")
struct ConfigTests {
    @Test func readsExceptionsWithScopesAndExpiry() throws {
        let (config, diagnostics) = BulkheadConfig.parse("""
            failOn: high
            podSecurity: {level: baseline, version: v1.30}
            exceptions:
              - checks: [privileged, hostPathVolumes]
                namespaces: [monitoring]
                resources: ["DaemonSet/node-*"]
                paths: ["charts/**"]
                reason: node exporter reads host metrics
                expires: 2027-03-31
            """, file: ".bulkhead.yaml")
        #expect(diagnostics.isEmpty)
        let parsed = try #require(config)
        #expect(parsed.failOn == .high)
        #expect(parsed.podSecurityLevel == "baseline")
        let exception = try #require(parsed.exceptions.first)
        #expect(exception.line == 4)
        #expect(!exception.isExpired(today: DateComponents(year: 2027, month: 3, day: 31)))
        #expect(exception.isExpired(today: DateComponents(year: 2027, month: 4, day: 1)))
    }

    @Test func reportsExceptionsWithoutReasonOrWithBadDates() {
        let (config, diagnostics) = BulkheadConfig.parse("""
            exceptions:
              - checks: [privileged]
              - checks: privileged
                reason: ok
                expires: someday
              - reason: no checks
            surprise: 1
            """, file: "c.yaml")
        #expect(config?.exceptions.isEmpty == true)
        let messages = diagnostics.map(\.message)
        #expect(messages.contains { $0.contains("needs a `reason`") })
        #expect(messages.contains { $0.contains("YYYY-MM-DD") })
        #expect(messages.contains { $0.contains("needs `checks`") })
        #expect(messages.contains { $0.contains("unknown config field") })
        #expect(diagnostics.allSatisfy { $0.line > 0 }, "every config problem names its line")
    }
}
