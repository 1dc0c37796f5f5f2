import BulkheadCore
import Crypto

/// Software bills of materials of an image: CycloneDX 1.6 JSON and SPDX 2.3 JSON. Every package
/// carries its purl (with the distro qualifier), the layer and file it was read from, and — for
/// distribution packages — its source package, linked both ways (CycloneDX: `pedigree.ancestors`
/// and the source's own component listing its binaries in properties; SPDX: `GENERATED_FROM`
/// and `GENERATES`), so a scanner reading the SBOM can match Debian advisories, which name sources.
public enum SBOM {
    public enum Format: String, Sendable, CaseIterable {
        case cyclonedx
        case spdx
    }

    static func q(_ text: String) -> String { JSONText.quoted(text) }

    /// A stable UUID (version 5-like) from text: the same image gives the same document identity.
    static func uuid(_ text: String) -> String {
        let bytes = Array(SHA256.hash(data: Array(text.utf8)).prefix(16))
        var b = bytes
        b[6] = (b[6] & 0x0f) | 0x50
        b[8] = (b[8] & 0x3f) | 0x80
        let hex = b.map { String($0, radix: 16).leftPadded(2) }.joined()
        let h = Array(hex)
        return "\(String(h[0..<8]))-\(String(h[8..<12]))-\(String(h[12..<16]))-\(String(h[16..<20]))-\(String(h[20..<32]))"
    }

    static func sourcePurl(_ package: Package) -> String? {
        guard package.ecosystem.isOperatingSystem, let sourceName = package.sourceName else { return nil }
        var source = Package(name: sourceName, version: package.sourceVersion ?? package.version, ecosystem: package.ecosystem, path: package.path,
                             distro: package.distro)
        source.architecture = "source"
        return source.purl
    }

    public static func cycloneDX(_ image: ContainerImage, _ inventory: PackageInventory, toolVersion: String, timestamp: String) -> String {
        var components: [String] = []
        var sources: [String: (Package, [String])] = [:]
        var sourceOrder: [String] = []
        if let os = inventory.operatingSystem {
            components.append("{\"type\":\"operating-system\",\"bom-ref\":\(q("os:" + os.distro)),\"name\":\(q(os.id)),\"version\":\(q(os.versionID ?? ""))"
                + (os.prettyName.map { ",\"description\":\(q($0))" } ?? "") + "}")
        }
        for package in inventory.packages {
            let ref = package.purl + "#" + package.path
            var fields = ["\"type\":\"library\"", "\"bom-ref\":\(q(ref))", "\"name\":\(q(package.name))", "\"version\":\(q(package.version))",
                          "\"purl\":\(q(package.purl))"]
            if !package.licenses.isEmpty {
                fields.append("\"licenses\":[" + package.licenses.map { "{\"license\":{\"name\":\(q($0))}}" }.joined(separator: ",") + "]")
            }
            var properties: [(String, String)] = [("bulkhead:package:path", package.path), ("bulkhead:package:ecosystem", package.ecosystem.rawValue)]
            if let layer = package.layer, image.layers.indices.contains(layer) {
                properties.append(("bulkhead:layer:index", String(layer)))
                if let diffID = image.layers[layer].diffID { properties.append(("bulkhead:layer:diffID", diffID)) }
            }
            if let sourcePurl = sourcePurl(package), let source = package.sourceName {
                properties.append(("bulkhead:package:source", source))
                properties.append(("bulkhead:package:sourceVersion", package.sourceVersion ?? package.version))
                fields.append("\"pedigree\":{\"ancestors\":[{\"type\":\"library\",\"bom-ref\":\(q(sourcePurl + "#ancestor#" + ref)),\"name\":\(q(source)),"
                              + "\"version\":\(q(package.sourceVersion ?? package.version)),\"purl\":\(q(sourcePurl))}]}")
                if sources[sourcePurl] == nil {
                    sourceOrder.append(sourcePurl)
                    sources[sourcePurl] = (package, [])
                }
                sources[sourcePurl]?.1.append(ref)
            }
            fields.append("\"properties\":[" + properties.map { "{\"name\":\(q($0.0)),\"value\":\(q($0.1))}" }.joined(separator: ",") + "]")
            components.append("{" + fields.joined(separator: ",") + "}")
        }
        // The other direction: each source package once, naming the binaries built from it.
        for purl in sourceOrder {
            guard let (package, binaries) = sources[purl], let name = package.sourceName else { continue }
            let properties = binaries.map { "{\"name\":\"bulkhead:package:binary\",\"value\":\(q($0))}" }.joined(separator: ",")
            components.append("{\"type\":\"library\",\"bom-ref\":\(q(purl)),\"name\":\(q(name)),\"version\":\(q(package.sourceVersion ?? package.version)),"
                              + "\"purl\":\(q(purl)),\"properties\":[\(properties)]}")
        }
        let imageRef = "image:" + (image.digest ?? image.name)
        let dependsOn = inventory.packages.map { q($0.purl + "#" + $0.path) }
        var document = "{\"$schema\":\"http://cyclonedx.org/schema/bom-1.6.schema.json\",\"bomFormat\":\"CycloneDX\",\"specVersion\":\"1.6\","
        document += "\"serialNumber\":\(q("urn:uuid:" + uuid(imageRef + toolVersion))),\"version\":1,"
        document += "\"metadata\":{\"timestamp\":\(q(timestamp)),\"tools\":{\"components\":[{\"type\":\"application\",\"name\":\"bulkhead\",\"version\":\(q(toolVersion))}]},"
        document += "\"component\":{\"type\":\"container\",\"bom-ref\":\(q(imageRef)),\"name\":\(q(image.name))"
        if let digest = image.digest { document += ",\"version\":\(q(digest))" }
        document += "}},\"components\":[" + components.joined(separator: ",") + "],"
        document += "\"dependencies\":[{\"ref\":\(q(imageRef)),\"dependsOn\":[" + Array(Set(dependsOn)).sorted().joined(separator: ",") + "]}]}"
        return document + "\n"
    }

    static func spdxID(_ text: String) -> String {
        "SPDXRef-" + String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") ? $0 : "-" })
    }

    public static func spdx(_ image: ContainerImage, _ inventory: PackageInventory, toolVersion: String, timestamp: String) -> String {
        var packages: [String] = []
        var relationships: [String] = []
        let imageID = "SPDXRef-Image"
        func package(id: String, name: String, version: String, purl: String?, extra: [String] = []) -> String {
            var fields = ["\"SPDXID\":\(q(id))", "\"name\":\(q(name))", "\"versionInfo\":\(q(version))", "\"downloadLocation\":\"NOASSERTION\"",
                          "\"filesAnalyzed\":false", "\"licenseConcluded\":\"NOASSERTION\"", "\"copyrightText\":\"NOASSERTION\""]
            if let purl { fields.append("\"externalRefs\":[{\"referenceCategory\":\"PACKAGE-MANAGER\",\"referenceType\":\"purl\",\"referenceLocator\":\(q(purl))}]") }
            return "{" + (fields + extra).joined(separator: ",") + "}"
        }
        packages.append(package(id: imageID, name: image.name, version: image.digest ?? "unknown", purl: nil,
                                extra: ["\"primaryPackagePurpose\":\"CONTAINER\""]))
        relationships.append("{\"spdxElementId\":\"SPDXRef-DOCUMENT\",\"relationshipType\":\"DESCRIBES\",\"relatedSpdxElement\":\(q(imageID))}")
        var used: Set<String> = [imageID]
        var sourceIDs: [String: String] = [:]
        for (position, item) in inventory.packages.enumerated() {
            var id = spdxID("Package-\(item.ecosystem.purlType)-\(item.name)-\(item.version)")
            if !used.insert(id).inserted { id += "-\(position)" ; used.insert(id) }
            var extra = ["\"sourceInfo\":\(q("read from \(item.path)" + (item.layer.map { " in layer \($0)" } ?? "")))",
                         "\"primaryPackagePurpose\":\(item.ecosystem.isOperatingSystem ? "\"OPERATING-SYSTEM\"" : "\"LIBRARY\"")"]
            // Package metadata states licences in free text ("BSD", "MIT License"): kept as a comment,
            // since licenseDeclared takes SPDX license expressions only.
            extra.append("\"licenseDeclared\":\"NOASSERTION\"")
            if !item.licenses.isEmpty { extra.append("\"licenseComments\":\(q("declared: " + item.licenses.joined(separator: "; ")))") }
            packages.append(package(id: id, name: item.name, version: item.version, purl: item.purl, extra: extra))
            relationships.append("{\"spdxElementId\":\(q(imageID)),\"relationshipType\":\"CONTAINS\",\"relatedSpdxElement\":\(q(id))}")
            if let sourcePurl = sourcePurl(item), let source = item.sourceName {
                let sourceID: String
                if let existing = sourceIDs[sourcePurl] {
                    sourceID = existing
                } else {
                    sourceID = spdxID("Source-\(source)-\(item.sourceVersion ?? item.version)")
                    sourceIDs[sourcePurl] = sourceID
                    used.insert(sourceID)
                    packages.append(package(id: sourceID, name: source, version: item.sourceVersion ?? item.version, purl: sourcePurl,
                                            extra: ["\"primaryPackagePurpose\":\"SOURCE\""]))
                }
                relationships.append("{\"spdxElementId\":\(q(id)),\"relationshipType\":\"GENERATED_FROM\",\"relatedSpdxElement\":\(q(sourceID))}")
                relationships.append("{\"spdxElementId\":\(q(sourceID)),\"relationshipType\":\"GENERATES\",\"relatedSpdxElement\":\(q(id))}")
            }
        }
        var document = "{\"spdxVersion\":\"SPDX-2.3\",\"dataLicense\":\"CC0-1.0\",\"SPDXID\":\"SPDXRef-DOCUMENT\",\"name\":\(q(image.name)),"
        document += "\"documentNamespace\":\(q("https://bulkhead.dev/spdx/" + uuid((image.digest ?? image.name) + toolVersion))),"
        document += "\"creationInfo\":{\"created\":\(q(timestamp)),\"creators\":[\(q("Tool: bulkhead-" + toolVersion))]},"
        document += "\"packages\":[" + packages.joined(separator: ",") + "],\"relationships\":[" + relationships.joined(separator: ",") + "]}"
        return document + "\n"
    }
}
