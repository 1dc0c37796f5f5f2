#!/usr/bin/env python3
"""Generates a deterministic corpus of Kubernetes manifests for bench/scan.sh.

A mix like a real repository of rendered charts: workloads of every kind (some hardened, some not,
several containers, probes, volumes), Services, ConfigMaps, ServiceAccounts, RBAC, NetworkPolicies,
some multi-document files. Usage: gen_corpus.py OUT_DIR [FILES] (default 2000 files).
"""
import os
import random
import sys

out = sys.argv[1]
count = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
rng = random.Random(20261122)
os.makedirs(out, exist_ok=True)

IMAGES = ["nginx:1.27", "redis:7.2", "postgres:16", "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/api:2.4.1",
          "public.ecr.aws/docker/library/busybox:1.36", "ghcr.io/example/worker@sha256:" + "ab" * 32, "grafana/grafana:latest"]


def security_context(hardened):
    if hardened:
        return """          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            runAsNonRoot: true
            capabilities:
              drop: ["ALL"]
"""
    options = [
        "          securityContext:\n            privileged: true\n",
        "          securityContext:\n            capabilities:\n              add: [NET_ADMIN, SYS_TIME]\n",
        "          securityContext:\n            runAsUser: 0\n            allowPrivilegeEscalation: true\n",
        "",
    ]
    return rng.choice(options)


def container(index, hardened):
    name = f"c{index}"
    probes = ""
    if rng.random() < 0.6:
        probes = f"""          livenessProbe:
            httpGet:
              path: /healthz
              port: {8080 + index}
            initialDelaySeconds: 10
          readinessProbe:
            tcpSocket:
              port: {8080 + index}
"""
    env = "".join(f"            - name: VAR_{i}\n              value: \"value-{rng.randint(0, 99999)}\"\n" for i in range(rng.randint(0, 3)))
    env = f"          env:\n{env}" if env else ""
    host_port = f"\n              hostPort: {9000 + index}" if not hardened and rng.random() < 0.2 else ""
    return f"""        - name: {name}
          image: {rng.choice(IMAGES)}
          imagePullPolicy: IfNotPresent
          ports:
            - containerPort: {8080 + index}
              protocol: TCP{host_port}
{env}          resources:
            requests:
              cpu: {rng.choice(['50m', '100m', '250m'])}
              memory: {rng.choice(['64Mi', '128Mi', '512Mi'])}
            limits:
              memory: {rng.choice(['128Mi', '256Mi', '1Gi'])}
{probes}{security_context(hardened)}          volumeMounts:
            - name: config
              mountPath: /etc/app
"""


def pod_spec(hardened, indent):
    containers = "".join(container(i, hardened) for i in range(rng.randint(1, 3)))
    pod_sc = ""
    if hardened:
        pod_sc = "      securityContext:\n        runAsNonRoot: true\n        runAsUser: 10001\n        seccompProfile:\n          type: RuntimeDefault\n"
    host = "      hostNetwork: true\n" if not hardened and rng.random() < 0.15 else ""
    host_path = ""
    if not hardened and rng.random() < 0.25:
        host_path = "        - name: host\n          hostPath:\n            path: /var/run/docker.sock\n"
    spec = f"""      serviceAccountName: app
      automountServiceAccountToken: false
{host}{pod_sc}      containers:
{containers}      volumes:
        - name: config
          configMap:
            name: app-config
{host_path}"""
    pad = " " * indent
    return "".join(pad + line + "\n" if line else "\n" for line in spec.rstrip("\n").split("\n"))


def workload(name, namespace):
    hardened = rng.random() < 0.5
    kind = rng.choice(["Deployment", "Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"])
    labels = f"    app.kubernetes.io/name: {name}\n    app.kubernetes.io/part-of: shop\n"
    if kind == "Pod":
        return f"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  labels:\n{labels}spec:\n" + pod_spec(hardened, 0)
    template = f"""    metadata:
      labels:
        app.kubernetes.io/name: {name}
    spec:
{pod_spec(hardened, 0)}"""
    if kind == "CronJob":
        indented = "".join("    " + line + "\n" for line in template.rstrip("\n").split("\n"))
        return f"""apiVersion: batch/v1
kind: CronJob
metadata:
  name: {name}
  namespace: {namespace}
  labels:
{labels}spec:
  schedule: "*/15 * * * *"
  jobTemplate:
    spec:
      template:
{indented}"""
    api = "batch/v1" if kind == "Job" else "apps/v1"
    selector = "" if kind == "Job" else f"  selector:\n    matchLabels:\n      app.kubernetes.io/name: {name}\n"
    replicas = "  replicas: 3\n" if kind in ("Deployment", "StatefulSet") else ""
    return f"apiVersion: {api}\nkind: {kind}\nmetadata:\n  name: {name}\n  namespace: {namespace}\n  labels:\n{labels}spec:\n{replicas}{selector}  template:\n{template}"


def service(name, namespace):
    kind = rng.choice(["ClusterIP", "ClusterIP", "LoadBalancer", "NodePort"])
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
  namespace: {namespace}
spec:
  type: {kind}
  selector:
    app.kubernetes.io/name: {name}
  ports:
    - name: http
      port: 80
      targetPort: 8080
"""


def rbac(name, namespace):
    verbs = rng.choice(['["get", "list", "watch"]', '["*"]', '["create", "delete"]'])
    resources = rng.choice(['["pods", "configmaps"]', '["secrets"]', '["*"]'])
    return f"""apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: {name}
  namespace: {namespace}
rules:
  - apiGroups: [""]
    resources: {resources}
    verbs: {verbs}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata:
  name: {name}
  namespace: {namespace}
subjects:
  - kind: ServiceAccount
    name: app
    namespace: {namespace}
roleRef:
  apiGroup: rbac.authorization.k8s.io
  kind: Role
  name: {name}
"""


def config(name, namespace):
    data = "".join(f"  key{i}: \"{rng.random()}\"\n" for i in range(rng.randint(2, 12)))
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}-config\n  namespace: {namespace}\ndata:\n{data}"


def netpol(name, namespace):
    return f"""apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {name}
  namespace: {namespace}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/name: {name}
  policyTypes: [Ingress, Egress]
  ingress:
    - from:
        - podSelector: {{}}
  egress:
    - to:
        - namespaceSelector: {{}}
"""


total = 0
for index in range(count):
    namespace = f"team-{index % 17}"
    name = f"svc-{index}"
    roll = rng.random()
    if roll < 0.55:
        docs = [workload(name, namespace)]
        if rng.random() < 0.5:
            docs.append(service(name, namespace))
        if rng.random() < 0.3:
            docs.append(config(name, namespace))
    elif roll < 0.7:
        docs = [service(name, namespace)]
    elif roll < 0.85:
        docs = [rbac(name, namespace)]
    elif roll < 0.93:
        docs = [netpol(name, namespace)]
    else:
        docs = [config(name, namespace), f"apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: app\n  namespace: {namespace}\n"]
    text = "---\n".join(docs)
    with open(os.path.join(out, f"{index:04d}-{name}.yaml"), "w") as handle:
        handle.write(text)
    total += len(text)
print(f"generated {count} files, {total / 1e6:.2f} MB in {out}")
