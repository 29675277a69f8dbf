package network.unique_routing_test

import data.lib.fixtures
import data.network.unique_routing

service(name, selector) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": name, "namespace": "gateway"},
	"spec": {"selector": selector, "ports": [{"port": 80}]},
}

ingress(name, host) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {"name": name, "namespace": "gateway"},
	"spec": {"ingressClassName": "alb", "rules": [{"host": host}]},
}

selector := {"app.kubernetes.io/name": "gateway"}

test_distinct_services_and_hosts_pass if {
	count(unique_routing.deny) == 0 with input as fixtures.combined([
		service("gateway", selector),
		service("admin", {"app.kubernetes.io/name": "admin"}),
		ingress("api", "api.example.com"),
		ingress("admin", "admin.example.com"),
	])
}

test_two_services_with_one_selector_are_denied if {
	findings := unique_routing.deny with input as fixtures.combined([service("gateway", selector), service("gateway-2", selector)])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-006"
	f.name == "gateway-2"
}

test_headless_service_beside_a_regular_one_passes if {
	headless := json.patch(service("gateway-headless", selector), [{"op": "add", "path": "/spec/clusterIP", "value": "None"}])
	count(unique_routing.deny) == 0 with input as fixtures.combined([service("gateway", selector), headless])
}

test_two_ingresses_on_one_host_are_denied if {
	findings := unique_routing.deny with input as fixtures.combined([ingress("api", "api.example.com"), ingress("api-v2", "api.example.com")])
	count(findings) == 1
	some f in findings
	f.kind == "Ingress"
	f.name == "api-v2"
	contains(f.msg, "api.example.com")
}

test_rollout_track_services_pass if {
	selector := {"app.kubernetes.io/instance": "demo"}
	rollout := {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout", "metadata": {"name": "demo", "namespace": "gateway"}, "spec": {"strategy": {"canary": {"canaryService": "demo-canary", "stableService": "demo-stable"}}}}
	objects := [service("demo", selector), service("demo-stable", selector), service("demo-canary", selector), rollout]
	count(unique_routing.deny) == 0 with input as fixtures.combined(objects)
}

test_same_selector_without_a_rollout_is_denied if {
	selector := {"app.kubernetes.io/instance": "demo"}
	count(unique_routing.deny) == 3 with input as fixtures.combined([service("demo", selector), service("demo-stable", selector), service("demo-canary", selector)])
}
