#!/usr/bin/env python3
"""Writes the AdmissionReview the benchmarks and the soak send: a 1.8 KB Deployment as Argo CD would create it."""
import json, sys
deployment = {
  "apiVersion": "apps/v1", "kind": "Deployment",
  "metadata": {"name": "checkout", "namespace": "shop", "labels": {"app.kubernetes.io/name": "checkout", "app.kubernetes.io/part-of": "shop"}},
  "spec": {"replicas": 3, "selector": {"matchLabels": {"app.kubernetes.io/name": "checkout"}},
    "template": {"metadata": {"labels": {"app.kubernetes.io/name": "checkout"}},
      "spec": {"serviceAccountName": "checkout", "automountServiceAccountToken": False,
        "securityContext": {"runAsNonRoot": True, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "checkout", "image": "123456789012.dkr.ecr.eu-west-1.amazonaws.com/shop/checkout@sha256:" + "4c" * 32,
          "ports": [{"containerPort": 8080, "name": "http"}],
          "env": [{"name": "LOG_LEVEL", "value": "info"}, {"name": "PORT", "value": "8080"}, {"name": "CART_ADDR", "value": "cart:7070"}],
          "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
          "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}}, "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
          "securityContext": {"allowPrivilegeEscalation": False, "readOnlyRootFilesystem": True, "capabilities": {"drop": ["ALL"]}},
          "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}]}],
        "volumes": [{"name": "tmp", "emptyDir": {}}]}}}}
review = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": {
  "uid": "705ab4f5-6393-11e8-b7cc-42010a800002", "kind": {"group": "apps", "version": "v1", "kind": "Deployment"},
  "resource": {"group": "apps", "version": "v1", "resource": "deployments"}, "name": "checkout", "namespace": "shop",
  "operation": "CREATE", "userInfo": {"username": "system:serviceaccount:argocd:argocd-application-controller", "groups": ["system:serviceaccounts"]},
  "object": deployment, "oldObject": None, "dryRun": False, "options": {"apiVersion": "meta.k8s.io/v1", "kind": "CreateOptions"}}}
# Compact, as the API server sends it.
open(sys.argv[1], "w").write(json.dumps(review, separators=(",", ":")))
