import BulkheadCore

/// An image reference split as the container runtime reads it.
public struct ImageReference: Sendable {
    public var registry: String
    public var repository: String
    public var tag: String?
    public var digest: String?

    public init(_ text: String) {
        var rest = Substring(text)
        if let at = rest.firstIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        let lastSlash = rest.lastIndex(of: "/")
        let nameStart = lastSlash.map { rest.index(after: $0) } ?? rest.startIndex
        if let colon = rest[nameStart...].lastIndex(of: ":") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        let parts = rest.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            registry = parts[0]
            repository = parts[1]
        } else {
            registry = "docker.io"
            repository = String(rest)
        }
    }

    /// A reference whose content can change under the same name (no digest).
    public var isMutable: Bool { digest == nil }
}

/// Image provenance: tags, digests, registries, pull policy.
enum ImageChecks {
    static func pod(_ image: String, extra: String = "") -> String {
        "apiVersion: v1\nkind: Pod\nmetadata: {name: app, namespace: shop}\nspec:\n  containers:\n  - name: c\n    image: \"\(image)\"\(extra)\n"
    }

    static let digestImage = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api@sha256:4c3f2a6d1b0e9f8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a"

    static let latestTag = WorkloadCheck(CheckDescriptor(
        id: "imageTagLatest", title: "Image without a tag or with :latest", severity: .medium, category: "images",
        description: "Without a tag, or with :latest, what runs depends on when the node pulled: deployments are not reproducible and a pushed image reaches production unreviewed.",
        remediation: "Use an immutable version tag, or better a digest (`image@sha256:...`), from an ECR repository with tag immutability.",
        controls: [ControlCatalog.imageSecurity], frameworks: [FrameworkReference(.nist800190, "5.1.1")],
        examples: [
            CheckExample(.violation, pod("nginx"), at: ["spec.containers[0].image"]),
            CheckExample(.violation, pod("nginx:latest"), at: ["spec.containers[0].image"]),
            CheckExample(.compliant, pod("nginx:1.27.2")),
            CheckExample(.compliant, pod(digestImage)),
        ])) { view, _, _ in
        view.images.compactMap { container, image, reference in
            guard reference.digest == nil, reference.tag == nil || reference.tag == "latest" else { return nil }
            return FieldViolation(image, "\(PodSecurityText.container(container)) uses \(reference.tag == nil ? "an untagged image" : ":latest") (\(image.value))")
        }
    }

    static let notPinned = WorkloadCheck(CheckDescriptor(
        id: "imageNotPinnedByDigest", title: "Image not pinned by digest", severity: .low, category: "images",
        description: "A tag can be moved to other content; only a digest names exactly the image that was scanned and approved. Severity is configurable (`images.digestSeverity` in .bulkhead.yaml).",
        remediation: "Reference images by digest (`repo@sha256:...`), resolved at build time by your pipeline.",
        controls: [ControlCatalog.imageSecurity],
        examples: [
            CheckExample(.violation, pod("nginx:1.27.2"), at: ["spec.containers[0].image"]),
            CheckExample(.compliant, pod(digestImage)),
        ])) { view, _, options in
        view.images.compactMap { container, image, reference in
            guard reference.isMutable else { return nil }
            return FieldViolation(image, "\(PodSecurityText.container(container)) image \(image.value) is not pinned by digest", severity: options.imageDigestSeverity)
        }
    }

    static let registry = WorkloadCheck(CheckDescriptor(
        id: "imageRegistryNotAllowed", title: "Image from a registry outside the allow-list", severity: .high, category: "images",
        description: "Images must come from the approved registries (set `images.allowedRegistries` in .bulkhead.yaml, e.g. `*.dkr.ecr.*.amazonaws.com` and `public.ecr.aws`); off when no list is configured.",
        remediation: "Mirror the image into an approved registry (ECR pull-through cache) and reference it there.",
        controls: [ControlCatalog.imageSecurity], frameworks: [FrameworkReference(.nist800190, "5.1.5")],
        examples: [
            CheckExample(.violation, pod("docker.io/library/nginx:1.27"), options: ScanOptions(allowedRegistries: ["*.dkr.ecr.*.amazonaws.com", "public.ecr.aws"]), at: ["spec.containers[0].image"]),
            CheckExample(.compliant, pod("123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:2.4.1"),
                         options: ScanOptions(allowedRegistries: ["*.dkr.ecr.*.amazonaws.com", "public.ecr.aws"])),
            CheckExample(.compliant, pod("docker.io/library/nginx:1.27"), note: "no allow-list configured: the check is off"),
        ])) { view, _, options in
        guard !options.allowedRegistries.isEmpty else { return [] }
        let globs = options.allowedRegistries.map(Glob.init)
        return view.images.compactMap { container, image, reference in
            guard !globs.contains(where: { $0.matches(reference.registry) }) else { return nil }
            return FieldViolation(image, "\(PodSecurityText.container(container)) pulls from \(reference.registry), not an allowed registry (\(options.allowedRegistries.joined(separator: ", ")))")
        }
    }

    static let pullPolicy = WorkloadCheck(CheckDescriptor(
        id: "imagePullPolicyNotAlways", title: "Mutable image not pulled Always", severity: .low, category: "images",
        description: "With a mutable tag and IfNotPresent, nodes keep running whatever they pulled first, and a pod can use an image cached by another tenant without registry authorization.",
        remediation: "Set imagePullPolicy: Always, or pin the image by digest.",
        controls: [ControlCatalog.imageSecurity],
        examples: [
            CheckExample(.violation, pod("nginx:1.27", extra: "\n    imagePullPolicy: IfNotPresent"), at: ["spec.containers[0].imagePullPolicy"]),
            CheckExample(.violation, pod("nginx:1.27"), note: "a tag other than latest defaults to IfNotPresent", at: ["spec.containers[0].image"]),
            CheckExample(.compliant, pod("nginx:1.27", extra: "\n    imagePullPolicy: Always")),
            CheckExample(.compliant, pod(digestImage)),
        ])) { view, _, _ in
        view.images.compactMap { container, image, reference in
            guard reference.isMutable else { return nil }
            if let policy = container.imagePullPolicy {
                return policy.value == "Always" ? nil
                    : FieldViolation(policy, "\(PodSecurityText.container(container)) pulls mutable image \(image.value) with policy \(policy.value)")
            }
            guard reference.tag != nil && reference.tag != "latest" else { return nil } // defaults to Always
            return FieldViolation(image, "\(PodSecurityText.container(container)) pulls mutable image \(image.value) with the default policy IfNotPresent")
        }
    }

    static let workload: [WorkloadCheck] = [latestTag, notPinned, registry, pullPolicy]
}
