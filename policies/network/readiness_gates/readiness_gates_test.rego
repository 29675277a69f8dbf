package network.readiness_gates_test

import data.lib.fixtures
import data.network.readiness_gates

namespace(labels) := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gateway", "labels": labels}}

gated := namespace({"elbv2.k8s.aws/pod-readiness-gate-inject": "enabled"})

early := {"argocd.argoproj.io/sync-wave": "-1"}

service(annotations) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "gateway", "namespace": "gateway", "annotations": annotations},
	"spec": {"selector": {"app.kubernetes.io/name": "gateway"}, "ports": [{"port": 4000}]},
}

binding(annotations) := {
	"apiVersion": "elbv2.k8s.aws/v1beta1",
	"kind": "TargetGroupBinding",
	"metadata": {"name": "edge", "namespace": "gateway", "annotations": annotations},
	"spec": {"serviceRef": {"name": "gateway", "port": 4000}, "targetGroupARN": "arn:aws:elasticloadbalancing:us-west-2:777788889999:targetgroup/gw/1", "targetType": "ip"},
}

ingress := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {"name": "api", "namespace": "gateway", "annotations": {"alb.ingress.kubernetes.io/target-type": "ip"}},
	"spec": {"ingressClassName": "alb"},
}

test_gated_namespace_and_early_binding_pass if {
	count(readiness_gates.deny) == 0 with input as fixtures.combined([gated, service(early), binding(early), ingress, fixtures.web])
}

test_ip_targets_without_the_namespace_label_are_denied if {
	findings := readiness_gates.deny with input as fixtures.combined([namespace({}), service(early), binding(early), fixtures.web])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-007"
	contains(f.msg, "lacks the label elbv2.k8s.aws/pod-readiness-gate-inject: enabled")
}

test_an_ingress_alone_needs_the_label_too if {
	count(readiness_gates.deny) == 1 with input as fixtures.combined([namespace({}), ingress, fixtures.web])
}

test_a_binding_in_the_workload_wave_is_denied if {
	findings := readiness_gates.deny with input as fixtures.combined([gated, service(early), binding({}), fixtures.web])
	count(findings) == 1
	some f in findings
	contains(f.msg, "TargetGroupBinding gateway/edge syncs in wave 0, not before Deployment gateway/gateway (wave 0)")
}

test_the_service_must_come_first_as_well if {
	findings := readiness_gates.deny with input as fixtures.combined([gated, service({}), binding(early), fixtures.web])
	count(findings) == 1
	some f in findings
	contains(f.msg, "Service gateway/gateway syncs in wave 0, not before Deployment gateway/gateway")
}

test_instance_targets_need_nothing if {
	obj := json.patch(binding({}), [{"op": "replace", "path": "/spec/targetType", "value": "instance"}])
	count(readiness_gates.deny) == 0 with input as fixtures.combined([namespace({}), service({}), obj, fixtures.web])
}
