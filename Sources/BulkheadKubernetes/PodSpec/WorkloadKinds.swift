import BulkheadCore

/// Where each kind that carries a pod keeps its pod spec and the pod's metadata.
public enum WorkloadKinds {
    public struct Template: Sendable {
        /// Keys from the object root to the pod template (the object holding `metadata` and `spec`).
        /// Empty for a Pod itself.
        public var templatePath: [String]
    }

    public static func template(for resource: Resource) -> Template? {
        let group = resource.group
        switch resource.kind {
        case "Pod" where group.isEmpty:
            return Template(templatePath: [])
        case "PodTemplate" where group.isEmpty:
            return Template(templatePath: ["template"])
        case "ReplicationController" where group.isEmpty:
            return Template(templatePath: ["spec", "template"])
        case "Deployment", "ReplicaSet", "StatefulSet", "DaemonSet":
            guard group == "apps" || group == "extensions" else { return nil }
            return Template(templatePath: ["spec", "template"])
        case "Job" where group == "batch":
            return Template(templatePath: ["spec", "template"])
        case "DeploymentConfig" where group == "apps.openshift.io" || resource.ref.apiVersion == "v1":
            // OpenShift's DeploymentConfig (and its pre-3.6 `apiVersion: v1` form).
            return Template(templatePath: ["spec", "template"])
        case "CronJob" where group == "batch":
            return Template(templatePath: ["spec", "jobTemplate", "spec", "template"])
        default:
            return nil
        }
    }

    public static let podCarryingKinds = ["Pod", "PodTemplate", "ReplicationController", "Deployment", "ReplicaSet",
                                          "StatefulSet", "DaemonSet", "Job", "CronJob", "DeploymentConfig"]
}
