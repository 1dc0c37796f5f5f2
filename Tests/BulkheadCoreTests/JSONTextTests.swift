import BulkheadCore
import Foundation
import Testing

@Suite("JSON text")
struct JSONTextTests {
    @Test func quotesEveryCharacterJSONRequiresAndRoundTrips() throws {
        let value = "say \"hi\"\\ C:\\tmp\n\r\t\u{01}\u{1f} é 🚢"
        let quoted = JSONText.quoted(value)
        #expect(quoted == "\"say \\\"hi\\\"\\\\ C:\\\\tmp\\n\\r\\t\\u0001\\u001f é 🚢\"")
        let decoded = try JSONSerialization.jsonObject(with: Data(("[" + quoted + "]").utf8)) as? [String]
        #expect(decoded == [value])
    }
}
