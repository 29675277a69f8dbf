package network.load_balancer_service_test

import data.network.load_balancer_service

service(type, annotations) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "gateway-nlb", "namespace": "gateway", "annotations": annotations},
	"spec": {"type": type, "selector": {"app.kubernetes.io/name": "gateway"}, "ports": [{"port": 443}]},
}

test_cluster_ip_service_passes if {
	count(load_balancer_service.deny) == 0 with input as service("ClusterIP", {})
}

test_internal_load_balancer_passes if {
	count(load_balancer_service.deny) == 0 with input as service("LoadBalancer", {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"})
	count(load_balancer_service.deny) == 0 with input as service("LoadBalancer", {"service.beta.kubernetes.io/aws-load-balancer-internal": "true"})
}

test_default_scheme_is_denied if {
	findings := load_balancer_service.deny with input as service("LoadBalancer", {})
	count(findings) == 1
	some f in findings
	f.policy == "NET-003"
	f.name == "gateway-nlb"
}

test_in_operator_still_works_here if {
	"LoadBalancer" in {"LoadBalancer"}
}

test_internet_facing_service_is_denied if {
	count(load_balancer_service.deny) == 1 with input as service("LoadBalancer", {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internet-facing"})
}
