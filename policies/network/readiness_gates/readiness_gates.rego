# METADATA
# title: Pods behind ALB ip targets get readiness gates, and their bindings exist first
# description: >-
#   Over one environment: a namespace whose pods are ALB targets by IP (a TargetGroupBinding with
#   targetType ip, or an Ingress with alb.ingress.kubernetes.io/target-type ip) carries the label
#   elbv2.k8s.aws/pod-readiness-gate-inject enabled, and such a TargetGroupBinding and its
#   Service sync in an earlier wave than the workloads they select. The Load Balancer Controller
#   injects the gate only into pods created while both exist; without it a rolling update
#   counts a pod ready before the ALB does, and can leave the target group with no healthy target.
# custom:
#   id: CMB-007
#   severity: high
#   kinds: [TargetGroupBinding, Ingress, Namespace]
#   input: combined
package network.readiness_gates

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

gate_label := "elbv2.k8s.aws/pod-readiness-gate-inject"

# Objects that make pods of their namespace ALB targets by IP.
ip_targets contains obj if {
	some obj in objects
	obj.kind == "TargetGroupBinding"
	object.get(obj.spec, "targetType", "") == "ip"
}

ip_targets contains obj if {
	some obj in objects
	obj.kind == "Ingress"
	k8s.annotations(obj)["alb.ingress.kubernetes.io/target-type"] == "ip"
}

problems contains {"object": namespace, "msg": msg} if {
	some target in ip_targets
	some namespace in objects
	namespace.kind == "Namespace"
	k8s.name(namespace) == k8s.namespace(target)
	not k8s.labels(namespace)[gate_label] == "enabled"
	msg := sprintf("holds ALB ip targets (%s) but lacks the label %s: enabled; without readiness gates a rollout may leave the target group with no healthy target", [k8s.ref(target), gate_label])
}

problems contains {"object": binding, "msg": msg} if {
	some binding in ip_targets
	binding.kind == "TargetGroupBinding"
	some service in objects
	service.kind == "Service"
	k8s.namespace(service) == k8s.namespace(binding)
	k8s.name(service) == binding.spec.serviceRef.name
	some workload in objects
	workload.kind in k8s.serving_kinds
	k8s.namespace(workload) == k8s.namespace(binding)
	k8s.map_selector_matches(service.spec.selector, k8s.serving_pod_labels(workload))
	some before in [binding, service]
	wave(before) >= wave(workload)
	msg := sprintf("%s syncs in wave %d, not before %s (wave %d): pods created first get no readiness gate; sync it in an earlier wave", [k8s.ref(before), wave(before), k8s.ref(workload), wave(workload)])
}

wave(obj) := to_number(object.get(k8s.annotations(obj), "argocd.argoproj.io/sync-wave", "0"))

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
