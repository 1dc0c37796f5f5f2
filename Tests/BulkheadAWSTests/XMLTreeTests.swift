@testable import BulkheadAWS
import BulkheadCore
import Testing

/// The reader of AWS's XML answers (our own, so the binary needs no libxml2).
@Suite("XML answers")
struct XMLTreeTests {
    @Test func queryAnswerBecomesATree() throws {
        let xml = """
        <?xml version="1.0" encoding="UTF-8"?>
        <ListRolesResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
          <ListRolesResult>
            <IsTruncated>false</IsTruncated>
            <Roles>
              <member><RoleName>a</RoleName><Path>/</Path></member>
              <member><RoleName>b &amp; c</RoleName><Description><![CDATA[<raw> & text]]></Description></member>
            </Roles>
            <Empty/>
          </ListRolesResult>
          <!-- a comment -->
        </ListRolesResponse>
        """
        let tree = try #require(XMLTree.parse(Array(xml.utf8)))
        let result = try #require(tree["ListRolesResult"])
        #expect(result["IsTruncated"]?.string == "false")
        let roles = XMLTree.items(result["Roles"])
        #expect(roles.map { $0["RoleName"]?.string } == ["a", "b & c"])
        #expect(roles[1]["Description"]?.string == "<raw> & text")
        #expect(result["Empty"]?.string == "")
    }

    @Test func oneMemberIsStillAList() throws {
        let tree = try #require(XMLTree.parse(Array("<R><set><item><id>x</id></item></set></R>".utf8)))
        #expect(XMLTree.items(tree["set"], "item").map { $0["id"]?.string } == ["x"])
    }

    @Test func referencesAreDecoded() throws {
        let tree = try #require(XMLTree.parse(Array("<R><v> &lt;&#65;&#x42;&apos;&quot;&gt; </v></R>".utf8)))
        #expect(tree["v"]?.string == "<AB'\">")
    }

    @Test(arguments: [
        "<!DOCTYPE R [<!ENTITY x \"y\">]><R>&x;</R>",   // no document types, no entity expansion
        "<R><a></b></R>",                               // mismatched end tag
        "<R><a>",                                       // truncated
        "<R>&unknown;</R>",                             // unknown entity
        "<R>&#0;</R>",                                  // a character XML does not allow
        "<R/><S/>",                                     // two document elements
        "text<R/>",                                     // text outside the document element
        "<R a=b/>",                                     // unquoted attribute
        "<1R/>",                                        // not a name
        "",
    ])
    func malformedIsRefused(_ xml: String) {
        #expect(XMLTree.parse(Array(xml.utf8)) == nil, "accepted: \(xml)")
    }

    @Test func depthIsBounded() {
        let deep = String(repeating: "<a>", count: XMLTree.maximumDepth + 1) + String(repeating: "</a>", count: XMLTree.maximumDepth + 1)
        #expect(XMLTree.parse(Array(deep.utf8)) == nil)
        let fine = String(repeating: "<a>", count: 10) + "x" + String(repeating: "</a>", count: 10)
        #expect(XMLTree.parse(Array(fine.utf8)) != nil)
    }
}
