import ArgumentParser
import BulkheadCatalogue
import BulkheadCore
import BulkheadKubernetes
import Foundation

/// Inputs shared by the query commands.
struct ManifestInputs: ParsableArguments {
    @Argument(help: "Files or directories of manifests; - reads standard input.")
    var paths: [String] = []

    @OptionGroup(title: "Output") var out: OutputOptions<ListFormat>
    @OptionGroup(title: "Input") var input: InputOptions

    var json: Bool { out.effectiveFormat == .json }

    func validate() throws {
        if paths.isEmpty { throw ValidationError("give at least one file or directory of manifests, or - for standard input") }
    }

    func index() -> (KubernetesIndex, [Diagnostic]) {
        let discovered = input.discover(paths)
        let (inventory, diagnostics) = Scanner(registry: Catalogue.registry, maxFileBytes: input.maxFileBytes).inventory(discovered.inputs)
        var all = discovered.diagnostics + diagnostics
        var stats = ScanStats()
        stats.files = discovered.inputs.count
        stats.resources = inventory.resources.count
        stats.documents = inventory.resources.isEmpty ? 0 : 1
        if !all.contains(where: { $0.level == .error }), inventory.resources.isEmpty,
           let nothing = InputOptions.nothingRead(paths, stats) { all.append(nothing) }
        return (KubernetesQueries.index(inventory), all)
    }

    func write(_ text: String) throws { try out.write(text) }

    func writeJSON(_ value: some Encodable) throws { try out.writeJSON(value) }

    func report(_ diagnostics: [Diagnostic]) throws {
        for diagnostic in diagnostics where !out.quiet || diagnostic.level == .error {
            Output.error(diagnostic.description)
        }
        if diagnostics.contains(where: { $0.level == .error }) { throw ExitCode(2) }
    }
}

struct RBACCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rbac", abstract: "Answer RBAC questions offline, from manifests.",
        subcommands: [WhoCan.self, SubjectCommand.self])

    struct WhoCan: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "who-can",
            abstract: "Which subjects can VERB RESOURCE, through which binding and role (like kubectl-who-can, offline).",
            discussion: "RESOURCE is `pods`, `pods/exec`, `deployments.apps` or `secrets`; aggregated ClusterRoles are honoured.")

        @Argument(help: "The verb: get, list, create, delete, escalate, impersonate...")
        var verb: String

        @Argument(help: "The resource, with a subresource or group if needed: pods/exec, deployments.apps.")
        var resource: String

        @Option(name: .shortAndLong, help: "Only grants that apply in this namespace (cluster-wide ones included).")
        var namespace: String?

        @OptionGroup var inputs: ManifestInputs

        func run() throws {
            let (index, diagnostics) = inputs.index()
            let (group, name) = KubernetesQueries.parseResource(resource)
            let grants = index.rbac.whoCan(verb: verb, group: group, resource: name, namespace: namespace)
            if inputs.json {
                struct Entry: Encodable { var subject, binding, role, scope: String; var rule: String }
                let entries = grants.map {
                    Entry(subject: $0.subject.description, binding: "\($0.binding.kind)/\($0.binding.name)", role: "\($0.role.kind)/\($0.role.name)",
                          scope: $0.scope ?? "cluster", rule: "\($0.binding.index)")
                }
                try inputs.writeJSON(entries)
            } else if grants.isEmpty {
                try inputs.write("No subject in the input can \(verb) \(name)\(group.isEmpty ? "" : " (\(group))")\(namespace.map { " in namespace \($0)" } ?? "").\n")
            } else {
                let rows = grants.map { grant in
                    [grant.subject.description, "\(grant.binding.kind) \(grant.binding.name)", "\(grant.role.kind) \(grant.role.name)",
                     grant.scope.map { "namespace \($0)" } ?? "cluster-wide",
                     "verbs \(grant.rule.verbs.joined(separator: ",")) on \(grant.rule.resources.joined(separator: ","))"]
                }
                try inputs.write(Table.render(header: ["SUBJECT", "BINDING", "ROLE", "SCOPE", "RULE"], rows: rows))
            }
            try inputs.report(diagnostics)
        }
    }

    struct SubjectCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "subject", abstract: "What one subject can do: ServiceAccount/NAMESPACE/NAME, User/NAME or Group/NAME.")

        @Argument(help: "ServiceAccount/namespace/name, User/name or Group/name.")
        var subject: String

        @OptionGroup var inputs: ManifestInputs

        func run() throws {
            let parts = subject.split(separator: "/", maxSplits: 2).map(String.init)
            guard parts.count >= 2, ["ServiceAccount", "User", "Group"].contains(parts[0]) else {
                throw ValidationError("subject must be ServiceAccount/NAMESPACE/NAME, User/NAME or Group/NAME")
            }
            let target: RBACSubject
            if parts[0] == "ServiceAccount" {
                guard parts.count == 3 else { throw ValidationError("a service account is ServiceAccount/NAMESPACE/NAME") }
                target = RBACSubject(kind: "ServiceAccount", name: parts[2], namespace: parts[1])
            } else {
                target = RBACSubject(kind: parts[0], name: parts.dropFirst().joined(separator: "/"), namespace: nil)
            }
            let (index, diagnostics) = inputs.index()
            let grants = index.rbac.grants(to: target)
            var out = ""
            if grants.isEmpty {
                out = "\(target) has no binding in the input.\n"
            } else {
                let rows = grants.map { grant in
                    [grant.rule.verbs.joined(separator: ","), grant.rule.resources.joined(separator: ","),
                     grant.rule.apiGroups.map { $0.isEmpty ? "core" : $0 }.joined(separator: ","),
                     grant.rule.resourceNames.isEmpty ? "" : grant.rule.resourceNames.joined(separator: ","),
                     grant.scope.map { "namespace \($0)" } ?? "cluster-wide", "\(grant.binding.kind) \(grant.binding.name) → \(grant.role.kind) \(grant.role.name)"]
                }
                out = "\(target) can:\n" + Table.render(header: ["VERBS", "RESOURCES", "GROUPS", "NAMES", "SCOPE", "THROUGH"], rows: rows)
                if target.kind == "ServiceAccount", let namespace = target.namespace {
                    let users = index.workloads(usingServiceAccount: target.name, in: namespace).map { $0.resource.ref.description }
                    if !users.isEmpty { out += "Used by: \(users.joined(separator: ", "))\n" }
                }
            }
            try inputs.write(out)
            try inputs.report(diagnostics)
        }
    }
}

struct NetpolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netpol", abstract: "Print the network isolation map: namespace → workloads → isolated or not, allowed from and to where.")

    @OptionGroup var inputs: ManifestInputs

    func run() throws {
        let (index, diagnostics) = inputs.index()
        let map = KubernetesQueries.isolationMap(index)
        if inputs.json {
            struct Workload: Encodable {
                var workload: String
                var ingressIsolated, egressIsolated: Bool
                var ingressFrom, egressTo, policies: [String]
            }
            struct Namespace: Encodable {
                var namespace: String
                var defaultDenyIngress, defaultDenyEgress: Bool
                var workloads: [Workload]
            }
            let entries = map.map { namespace in
                Namespace(namespace: namespace.namespace, defaultDenyIngress: namespace.defaultDenyIngress, defaultDenyEgress: namespace.defaultDenyEgress,
                          workloads: namespace.workloads.map {
                              Workload(workload: "\($0.workload.resource.kind)/\($0.workload.resource.name)", ingressIsolated: $0.isolation.ingressIsolated,
                                       egressIsolated: $0.isolation.egressIsolated, ingressFrom: $0.isolation.ingressFrom,
                                       egressTo: $0.isolation.egressTo, policies: $0.isolation.policies)
                          })
            }
            try inputs.writeJSON(entries)
        } else {
            var out = ""
            for namespace in map {
                out += "namespace \(namespace.namespace): default-deny ingress \(namespace.defaultDenyIngress ? "yes" : "NO"), egress \(namespace.defaultDenyEgress ? "yes" : "NO")\n"
                let rows = namespace.workloads.map { entry -> [String] in
                    func describe(_ isolated: Bool, _ peers: [String]) -> String {
                        guard isolated else { return "OPEN (no policy)" }
                        let unique = Array(Set(peers)).sorted()
                        return unique.isEmpty ? "isolated, nothing allowed" : "isolated, " + unique.joined(separator: "; ")
                    }
                    return ["\(entry.workload.resource.kind)/\(entry.workload.resource.name)",
                            "in: " + describe(entry.isolation.ingressIsolated, entry.isolation.ingressFrom),
                            "out: " + describe(entry.isolation.egressIsolated, entry.isolation.egressTo)]
                }
                out += Table.render(header: ["  WORKLOAD", "INGRESS", "EGRESS"], rows: rows.map { ["  " + $0[0], $0[1], $0[2]] })
            }
            if map.isEmpty { out = "No workloads in the input.\n" }
            try inputs.write(out)
        }
        try inputs.report(diagnostics)
    }
}
