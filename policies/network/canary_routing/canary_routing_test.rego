package network.canary_routing_test

import data.lib.fixtures
import data.network.canary_routing

labels := {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "demo"}

track_label := "eks-llm-gitops.io/track"

rollout := {
	"apiVersion": "argoproj.io/v1alpha1",
	"kind": "Rollout",
	"metadata": {"name": "demo", "namespace": "llm-demo"},
	"spec": {
		"selector": {"matchLabels": labels},
		"template": {"metadata": {"labels": labels}, "spec": {"containers": [{"name": "vllm", "image": "vllm"}]}},
		"strategy": {"canary": {
			"canaryService": "demo-canary",
			"stableService": "demo-stable",
			"canaryMetadata": {"labels": {track_label: "canary"}},
			"stableMetadata": {"labels": {track_label: "stable"}},
			"trafficRouting": {"plugins": {"argoproj-labs/gatewayAPI": {"httpRoute": "demo", "namespace": "llm-demo"}}},
			"analysis": {"templates": [{"templateName": "demo-slo"}]},
		}},
	},
}

ref(name) := {"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": name, "weight": 50}

route(refs) := {
	"apiVersion": "gateway.networking.k8s.io/v1",
	"kind": "HTTPRoute",
	"metadata": {"name": "demo", "namespace": "llm-demo"},
	"spec": {"rules": [{"backendRefs": refs}]},
}

pool(name, selector) := {
	"apiVersion": "inference.networking.k8s.io/v1",
	"kind": "InferencePool",
	"metadata": {"name": name, "namespace": "llm-demo"},
	"spec": {"selector": {"matchLabels": selector}},
}

service(name) := {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": "llm-demo"}, "spec": {"selector": labels}}

template := {"apiVersion": "argoproj.io/v1alpha1", "kind": "AnalysisTemplate", "metadata": {"name": "demo-slo", "namespace": "llm-demo"}}

stable_pool := pool("demo-stable", object.union(labels, {track_label: "stable"}))

canary_pool := pool("demo-canary", object.union(labels, {track_label: "canary"}))

routed := [rollout, route([ref("demo-stable"), ref("demo-canary")]), stable_pool, canary_pool, service("demo-stable"), service("demo-canary"), template]

denials(objects) := found if {
	found := canary_routing.deny with input as fixtures.combined(objects)
}

test_canary_through_two_pools_passes if {
	count(canary_routing.deny) == 0 with input as fixtures.combined(routed)
}

test_missing_route_is_denied if {
	some f in denials([o | some o in routed; o.kind != "HTTPRoute"])
	f.policy == "CMB-010"
	contains(f.msg, "which the render does not hold; the plugin fails every step")
}

test_rule_without_both_names_is_denied if {
	some msg in denials(array.concat([o | some o in routed; o.kind != "HTTPRoute"], [route([ref("demo-stable"), ref("demo-new")])]))
	contains(msg.msg, "no rule with backendRefs named demo-canary and demo-stable")
}

test_service_backend_is_denied if {
	refs := [{"kind": "Service", "name": "demo-stable", "port": 8000}, {"name": "demo-canary", "port": 8000}]
	found := denials(array.concat([o | some o in routed; o.kind != "HTTPRoute"], [route(refs)]))
	count([m | some m in found; contains(m.msg, "past the endpoint picker")]) == 2
}

test_pool_selecting_both_tracks_is_denied if {
	objects := array.concat([o | some o in routed; o.metadata.name != "demo-stable"; o.kind == "InferencePool"], [o | some o in routed; o.kind != "InferencePool"])
	some msg in denials(array.concat(objects, [pool("demo-stable", labels), service("demo-stable")]))
	contains(msg.msg, "also selects its canary pods")
}

test_pool_missing_its_track_is_denied if {
	others := [o | some o in routed; o.kind != "InferencePool"]
	some msg in denials(array.concat(others, [stable_pool, pool("demo-canary", object.union(labels, {track_label: "stable"}))]))
	contains(msg.msg, "does not select its canary pods")
}

test_missing_service_and_template_are_denied if {
	found := denials([o | some o in routed; not o.metadata.name in {"demo-canary"}; o.kind != "AnalysisTemplate"])
	some service_msg in found
	contains(service_msg.msg, "canaryService \"demo-canary\", which the render does not hold")
	some template_msg in found
	contains(template_msg.msg, "AnalysisTemplate demo-slo, which the render does not hold")
}
