import BulkheadCore

/// Reads the typed `PodSpec` out of a resource's tree. A field of the wrong type (a quoted
/// `"true"` where Kubernetes wants a boolean, a mapping where it wants a list) is reported as a
/// diagnostic naming file, line and field; it is never read as "unset" silently.
public struct PodSpecReader {
    public private(set) var diagnostics: [Diagnostic] = []
    let file: String

    public init(file: String) {
        self.file = file
    }

    /// The pod spec of a workload, or nil when the resource carries none.
    public static func read(_ resource: Resource) -> (PodSpec?, [Diagnostic]) {
        guard let template = WorkloadKinds.template(for: resource) else { return (nil, []) }
        var reader = PodSpecReader(file: resource.file)
        var node = resource.node
        var path = ""
        for key in template.templatePath {
            guard let next = node[key], !next.isNull else { return (nil, []) }
            guard next.isMapping else {
                reader.typeError(next, join(path, key), expected: "a mapping")
                return (nil, reader.diagnostics)
            }
            node = next
            path = join(path, key)
        }
        guard let specNode = node["spec"], specNode.isMapping else {
            if let spec = node["spec"], !spec.isNull { reader.typeError(spec, join(path, "spec"), expected: "a mapping") }
            return (nil, reader.diagnostics)
        }
        let spec = reader.readPodSpec(specNode, path: join(path, "spec"), metadata: node["metadata"], metadataPath: join(path, "metadata"))
        return (spec, reader.diagnostics)
    }

    static func join(_ base: String, _ key: String) -> String {
        base.isEmpty ? key : base + "." + key
    }

    // MARK: typed field readers

    mutating func typeError(_ node: YAMLNode, _ path: String, expected: String) {
        var found = node.typeName
        if let scalar = node.scalar, !scalar.isNull { found += " (\(scalar.value.prefix(40)))" }
        diagnostics.append(Diagnostic(file: file, line: node.mark.line, column: node.mark.column, field: path,
                                      message: "expected \(expected), found \(found)"))
    }

    mutating func bool(_ parent: YAMLNode, _ key: String, _ base: String) -> Located<Bool>? {
        guard let node = parent[key], !node.isNull else { return nil }
        guard let value = node.bool else {
            typeError(node, Self.join(base, key), expected: "a boolean")
            return nil
        }
        return Located(value: value, mark: node.mark, parentPath: base, key: key)
    }

    mutating func int(_ parent: YAMLNode, _ key: String, _ base: String) -> Located<Int>? {
        guard let node = parent[key], !node.isNull else { return nil }
        guard let value = node.int else {
            typeError(node, Self.join(base, key), expected: "an integer")
            return nil
        }
        return Located(value: value, mark: node.mark, parentPath: base, key: key)
    }

    mutating func string(_ parent: YAMLNode, _ key: String, _ base: String) -> Located<String>? {
        guard let node = parent[key], !node.isNull else { return nil }
        guard let scalar = node.scalar else {
            typeError(node, Self.join(base, key), expected: "a string")
            return nil
        }
        return Located(value: scalar.value, mark: node.mark, parentPath: base, key: key)
    }

    mutating func mapping(_ parent: YAMLNode, _ key: String, _ base: String) -> YAMLNode? {
        guard let node = parent[key], !node.isNull else { return nil }
        guard node.isMapping else {
            typeError(node, Self.join(base, key), expected: "a mapping")
            return nil
        }
        return node
    }

    mutating func list(_ parent: YAMLNode, _ key: String, _ base: String) -> [YAMLNode] {
        guard let node = parent[key], !node.isNull else { return [] }
        guard let items = node.items else {
            typeError(node, Self.join(base, key), expected: "a list")
            return []
        }
        return items
    }

    // MARK: structure

    mutating func readPodSpec(_ spec: YAMLNode, path: String, metadata: YAMLNode?, metadataPath: String) -> PodSpec {
        var annotations: [String: Located<String>] = [:]
        let annotationsPath = Self.join(metadataPath, "annotations")
        if let metadata, let node = metadata["annotations"], let pairs = node.pairs {
            for pair in pairs {
                if let scalar = pair.value.scalar {
                    annotations[pair.key] = Located(value: scalar.isNull ? "" : scalar.value, mark: pair.value.mark,
                                                    path: "\(annotationsPath)[\(pair.key)]")
                }
            }
        }
        var podSecurityContext: PodSecurityContext?
        if let sc = mapping(spec, "securityContext", path) {
            let scPath = Self.join(path, "securityContext")
            var sysctls: [Located<String>] = []
            for (index, item) in list(sc, "sysctls", scPath).enumerated() {
                let itemPath = "\(scPath).sysctls[\(index)]"
                guard item.isMapping else {
                    typeError(item, itemPath, expected: "a mapping")
                    continue
                }
                if let name = string(item, "name", itemPath) { sysctls.append(name) }
            }
            podSecurityContext = PodSecurityContext(
                path: scPath, mark: sc.mark,
                runAsNonRoot: bool(sc, "runAsNonRoot", scPath),
                runAsUser: int(sc, "runAsUser", scPath),
                seccompProfileType: typeField(sc, "seccompProfile", scPath),
                seLinuxOptions: seLinux(sc, scPath),
                sysctls: sysctls,
                windowsHostProcess: windowsHostProcess(sc, scPath),
                appArmorProfileType: typeField(sc, "appArmorProfile", scPath))
        }
        var volumes: [Volume] = []
        for (index, item) in list(spec, "volumes", path).enumerated() {
            let volumePath = "\(path).volumes[\(index)]"
            guard let pairs = item.pairs else {
                typeError(item, volumePath, expected: "a mapping")
                continue
            }
            let sources = pairs.filter { $0.key != "name" }.map {
                Located(value: $0.key, mark: $0.keyMark, path: "\(volumePath).\($0.key)")
            }
            var volume = Volume(name: item["name"]?.string ?? "", path: volumePath, mark: item.mark, sources: sources)
            if let csi = item["csi"], csi.isMapping {
                volume.csiDriver = csi["driver"]?.string
                if let attributes = mapping(csi, "volumeAttributes", "\(volumePath).csi") {
                    volume.secretProviderClass = string(attributes, "secretProviderClass", "\(volumePath).csi.volumeAttributes")
                }
            }
            volumes.append(volume)
        }
        var containers: [Container] = []
        for kind in [Container.Kind.container, .initContainer, .ephemeralContainer] {
            for (index, item) in list(spec, kind.rawValue, path).enumerated() {
                let containerPath = "\(path).\(kind.rawValue)[\(index)]"
                guard item.isMapping else {
                    typeError(item, containerPath, expected: "a mapping")
                    continue
                }
                containers.append(readContainer(item, kind: kind, path: containerPath))
            }
        }
        var osName: Located<String>?
        if let os = mapping(spec, "os", path) { osName = string(os, "name", Self.join(path, "os")) }
        return PodSpec(
            path: path, mark: spec.mark, annotations: annotations, annotationsPath: annotationsPath,
            hostNetwork: bool(spec, "hostNetwork", path), hostPID: bool(spec, "hostPID", path), hostIPC: bool(spec, "hostIPC", path),
            hostUsers: bool(spec, "hostUsers", path), osName: osName,
            serviceAccountName: string(spec, "serviceAccountName", path) ?? string(spec, "serviceAccount", path),
            automountServiceAccountToken: bool(spec, "automountServiceAccountToken", path),
            hostAliases: spec["hostAliases"].flatMap { $0.isNull ? nil : Located(value: true, mark: $0.mark, path: Self.join(path, "hostAliases")) },
            securityContext: podSecurityContext, volumes: volumes, containers: containers)
    }

    mutating func typeField(_ parent: YAMLNode, _ key: String, _ base: String) -> Located<String>? {
        guard let profile = mapping(parent, key, base) else { return nil }
        return string(profile, "type", Self.join(base, key))
    }

    mutating func seLinux(_ parent: YAMLNode, _ base: String) -> SELinuxOptions? {
        guard let options = mapping(parent, "seLinuxOptions", base) else { return nil }
        let path = Self.join(base, "seLinuxOptions")
        return SELinuxOptions(path: path, mark: options.mark, type: string(options, "type", path),
                              user: string(options, "user", path), role: string(options, "role", path))
    }

    mutating func windowsHostProcess(_ parent: YAMLNode, _ base: String) -> Located<Bool>? {
        guard let options = mapping(parent, "windowsOptions", base) else { return nil }
        return bool(options, "hostProcess", Self.join(base, "windowsOptions"))
    }

    mutating func readContainer(_ item: YAMLNode, kind: Container.Kind, path: String) -> Container {
        let name = item["name"]?.string ?? ""
        var securityContext: SecurityContext?
        if let sc = mapping(item, "securityContext", path) {
            let scPath = Self.join(path, "securityContext")
            var add: [Located<String>] = []
            var drop: [Located<String>] = []
            if let capabilities = mapping(sc, "capabilities", scPath) {
                let capPath = Self.join(scPath, "capabilities")
                for (key, target) in [("add", 0), ("drop", 1)] {
                    for (index, entry) in list(capabilities, key, capPath).enumerated() {
                        let entryPath = "\(capPath).\(key)[\(index)]"
                        guard let scalar = entry.scalar, !scalar.isNull else {
                            typeError(entry, entryPath, expected: "a capability name")
                            continue
                        }
                        let located = Located(value: scalar.value, mark: entry.mark, path: entryPath)
                        if target == 0 { add.append(located) } else { drop.append(located) }
                    }
                }
            }
            var ulimits: Located<Bool>?
            if let node = sc["ulimits"], !node.isNull {
                ulimits = Located(value: true, mark: node.mark, path: Self.join(scPath, "ulimits"))
            }
            var cgroupMountMode: Located<String>?
            if let cgroup = mapping(sc, "cgroupOptions", scPath) {
                cgroupMountMode = string(cgroup, "mountMode", Self.join(scPath, "cgroupOptions"))
            }
            securityContext = SecurityContext(
                path: scPath, mark: sc.mark,
                privileged: bool(sc, "privileged", scPath),
                allowPrivilegeEscalation: bool(sc, "allowPrivilegeEscalation", scPath),
                runAsNonRoot: bool(sc, "runAsNonRoot", scPath),
                runAsUser: int(sc, "runAsUser", scPath),
                readOnlyRootFilesystem: bool(sc, "readOnlyRootFilesystem", scPath),
                capabilitiesAdd: add, capabilitiesDrop: drop,
                seccompProfileType: typeField(sc, "seccompProfile", scPath),
                seLinuxOptions: seLinux(sc, scPath),
                procMount: string(sc, "procMount", scPath),
                windowsHostProcess: windowsHostProcess(sc, scPath),
                appArmorProfileType: typeField(sc, "appArmorProfile", scPath),
                ulimits: ulimits, cgroupMountMode: cgroupMountMode)
        }
        var hostPorts: [Located<Int>] = []
        for (index, port) in list(item, "ports", path).enumerated() {
            let portPath = "\(path).ports[\(index)]"
            guard port.isMapping else {
                typeError(port, portPath, expected: "a mapping")
                continue
            }
            if let hostPort = int(port, "hostPort", portPath) { hostPorts.append(hostPort) }
        }
        var probeHosts: [Located<String>] = []
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] {
            if let node = mapping(item, probe, path) { probeHosts += handlerHosts(node, Self.join(path, probe)) }
        }
        if let lifecycle = mapping(item, "lifecycle", path) {
            for hook in ["postStart", "preStop"] {
                let lifecyclePath = Self.join(path, "lifecycle")
                if let node = mapping(lifecycle, hook, lifecyclePath) { probeHosts += handlerHosts(node, Self.join(lifecyclePath, hook)) }
            }
        }
        var container = Container(name: name, kind: kind, path: path, mark: item.mark, image: string(item, "image", path),
                                  securityContext: securityContext, hostPorts: hostPorts, probeHosts: probeHosts)
        for (index, entry) in list(item, "env", path).enumerated() {
            let entryPath = "\(path).env[\(index)]"
            guard entry.isMapping, let name = string(entry, "name", entryPath) else {
                if !entry.isMapping { typeError(entry, entryPath, expected: "a mapping") }
                continue
            }
            var variable = EnvVar(name: name, value: string(entry, "value", entryPath))
            if let from = mapping(entry, "valueFrom", entryPath), let ref = mapping(from, "secretKeyRef", "\(entryPath).valueFrom") {
                variable.secretName = string(ref, "name", "\(entryPath).valueFrom.secretKeyRef")
                    ?? Located(value: "", mark: ref.mark, path: "\(entryPath).valueFrom.secretKeyRef")
            }
            container.env.append(variable)
        }
        for (index, entry) in list(item, "envFrom", path).enumerated() {
            let entryPath = "\(path).envFrom[\(index)]"
            if entry.isMapping, let ref = mapping(entry, "secretRef", entryPath) {
                container.envFromSecrets.append(string(ref, "name", "\(entryPath).secretRef") ?? Located(value: "", mark: ref.mark, path: "\(entryPath).secretRef"))
            }
        }
        container.imagePullPolicy = string(item, "imagePullPolicy", path)
        if let resources = mapping(item, "resources", path) {
            container.resourcesMark = resources.mark
            for (key, target) in [("requests", 0), ("limits", 1)] {
                guard let node = mapping(resources, key, Self.join(path, "resources")) else { continue }
                for pair in node.pairs ?? [] {
                    guard let scalar = pair.value.scalar, !scalar.isNull else { continue }
                    let located = Located(value: scalar.value, mark: pair.value.mark, parentPath: "\(path).resources.\(key)", key: pair.key)
                    if target == 0 { container.requests[pair.key] = located } else { container.limits[pair.key] = located }
                }
            }
        }
        container.hasLivenessProbe = item["livenessProbe"].map { !$0.isNull } ?? false
        container.hasReadinessProbe = item["readinessProbe"].map { !$0.isNull } ?? false
        return container
    }

    mutating func handlerHosts(_ handler: YAMLNode, _ base: String) -> [Located<String>] {
        var hosts: [Located<String>] = []
        for action in ["httpGet", "tcpSocket"] {
            if let node = mapping(handler, action, base), let host = string(node, "host", Self.join(base, action)), !host.value.isEmpty {
                hosts.append(host)
            }
        }
        return hosts
    }
}
