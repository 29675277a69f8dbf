package network.inference_routing_test

import data.lib.fixtures
import data.network.inference_routing

# The model server's plain Service (fixtures.model_server: Deployment llm-demo/demo, vllm on 8000).
service := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "demo", "namespace": "llm-demo"},
	"spec": {"selector": {"app.kubernetes.io/instance": "demo"}, "ports": [{"name": "http", "port": 8000, "targetPort": "http"}]},
}

# The endpoint picker's Service: ext-proc gRPC on 9002, health on 9003, metrics on 9090.
picker_service(namespace, name) := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": name, "namespace": namespace},
	"spec": {
		"selector": {"app.kubernetes.io/name": "endpoint-picker", "app.kubernetes.io/instance": name},
		"ports": [
			{"name": "grpc-ext-proc", "port": 9002, "targetPort": 9002, "appProtocol": "http2"},
			{"name": "grpc-health", "port": 9003, "targetPort": 9003},
			{"name": "metrics", "port": 9090, "targetPort": 9090},
		],
	},
}

pool(namespace, name, match_labels, port) := {
	"apiVersion": "inference.networking.k8s.io/v1",
	"kind": "InferencePool",
	"metadata": {"name": name, "namespace": namespace},
	"spec": {
		"selector": {"matchLabels": match_labels},
		"targetPorts": [{"number": port}],
		"endpointPickerRef": {"name": sprintf("%s-epp", [name]), "port": {"number": 9002}, "failureMode": "FailClose"},
	},
}

demo_pool := pool("llm-demo", "demo", {"app.kubernetes.io/instance": "demo"}, 8000)

demo_picker := picker_service("llm-demo", "demo-epp")

routed := [fixtures.model_server, service, demo_pool, demo_picker]

test_model_server_behind_an_inference_pool_passes if {
	count(inference_routing.deny) == 0 with input as fixtures.combined(routed)
}

test_model_server_behind_a_plain_service_only_is_denied if {
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	f.kind == "Deployment"
	f.namespace == "llm-demo"
	f.name == "demo"
	startswith(f.msg, "Deployment llm-demo/demo: is reachable only through plain Service(s) demo: kube-proxy balances per connection")
	contains(f.msg, "render an InferencePool (inference.networking.k8s.io/v1) selecting its pods (matchLabels {app.kubernetes.io/instance: demo}), targetPorts [{number: 8000}]")
}

test_model_server_with_no_service_at_all_is_denied if {
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	contains(f.msg, "is reachable through no InferencePool (and no Service: CMB-001)")
}

test_pool_in_another_namespace_does_not_count if {
	elsewhere := pool("llm-other", "demo", {"app.kubernetes.io/instance": "demo"}, 8000)
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service, elsewhere, picker_service("llm-other", "demo-epp")])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	contains(f.msg, "reachable only through plain Service(s) demo:")
}

# The pool's selector names a label value the pods do not carry.
test_pool_whose_selector_does_not_match_is_denied if {
	typo := pool("llm-demo", "demo", {"app.kubernetes.io/instance": "dmeo"}, 8000)
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service, typo, demo_picker])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	f.kind == "Deployment"
	contains(f.msg, "as no InferencePool selects its pods (InferencePool llm-demo/demo wants app.kubernetes.io/instance=dmeo)")
	contains(f.msg, "fix that selector, or render an InferencePool")
}

# Every matchLabels entry must match: one extra label the pods lack is enough to select nothing.
test_pool_with_an_extra_label_selects_nothing if {
	extra := pool("llm-demo", "demo", {"app.kubernetes.io/instance": "demo", "app.kubernetes.io/name": "vllm"}, 8000)
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service, extra, demo_picker])
	count(findings) == 1
	some f in findings
	contains(f.msg, "InferencePool llm-demo/demo wants app.kubernetes.io/name=vllm)")
}

# The picker reads inference.networking.k8s.io/v1; the alpha API's pools are not its.
test_pool_of_the_alpha_api_does_not_count if {
	alpha := json.patch(demo_pool, [{"op": "replace", "path": "/apiVersion", "value": "inference.networking.x-k8s.io/v1alpha2"}])
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service, alpha, demo_picker])
	count(findings) == 1
	some f in findings
	contains(f.msg, "reachable only through plain Service(s) demo:")
}

test_pool_on_the_wrong_target_port_is_denied if {
	wrong := pool("llm-demo", "demo", {"app.kubernetes.io/instance": "demo"}, 8080)
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service, wrong, demo_picker])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	f.kind == "Deployment"
	f.msg == "Deployment llm-demo/demo: InferencePool llm-demo/demo selects its pods, but its spec.targetPorts (8080) do not include port 8000 of container vllm; set targetPorts: [{number: 8000}]"
}

# The serving port is the container's port named http, wherever it is in the list.
test_the_serving_port_is_the_one_named_http if {
	two_ports := json.patch(fixtures.model_server, [{"op": "replace", "path": "/spec/template/spec/containers/0/ports", "value": [
		{"name": "metrics", "containerPort": 9100},
		{"name": "http", "containerPort": 8000},
	]}])
	count(inference_routing.deny) == 0 with input as fixtures.combined([two_ports, service, demo_pool, demo_picker])
	metrics_pool := pool("llm-demo", "demo", {"app.kubernetes.io/instance": "demo"}, 9100)
	findings := inference_routing.deny with input as fixtures.combined([two_ports, service, metrics_pool, demo_picker])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	contains(f.msg, "do not include port 8000 of container vllm")
}

test_missing_picker_service_is_denied if {
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service, demo_pool])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	f.kind == "Deployment"
	contains(f.msg, "InferencePool llm-demo/demo names Service demo-epp as its endpoint picker (spec.endpointPickerRef), which does not exist in namespace llm-demo")
	contains(f.msg, "render the picker's Service")
}

test_picker_service_in_another_namespace_does_not_count if {
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service, demo_pool, picker_service("llm-other", "demo-epp")])
	count(findings) == 1
	some f in findings
	contains(f.msg, "which does not exist in namespace llm-demo")
}

test_picker_service_without_the_port_is_denied if {
	health_only := json.patch(demo_picker, [{"op": "replace", "path": "/spec/ports", "value": [
		{"name": "grpc-health", "port": 9003, "targetPort": 9003},
		{"name": "metrics", "port": 9090, "targetPort": 9090},
	]}])
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service, demo_pool, health_only])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	contains(f.msg, "InferencePool llm-demo/demo names port 9002 of Service demo-epp as its endpoint picker (spec.endpointPickerRef), but that Service exposes 9003, 9090; expose port 9002 on it")
}

test_pool_without_a_picker_is_denied if {
	bare := json.patch(demo_pool, [{"op": "remove", "path": "/spec/endpointPickerRef"}])
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service, bare, demo_picker])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	contains(f.msg, "InferencePool llm-demo/demo names no endpoint picker (spec.endpointPickerRef)")
}

test_picker_that_is_not_a_service_is_denied if {
	other_kind := json.patch(demo_pool, [{"op": "add", "path": "/spec/endpointPickerRef/kind", "value": "Deployment"}, {"op": "add", "path": "/spec/endpointPickerRef/group", "value": "apps"}])
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service, other_kind, demo_picker])
	count(findings) == 1
	some f in findings
	contains(f.msg, "names a apps/Deployment as its endpoint picker (spec.endpointPickerRef), not a Service")
}

test_picker_without_a_port_is_denied if {
	no_port := json.patch(demo_pool, [{"op": "remove", "path": "/spec/endpointPickerRef/port"}])
	findings := inference_routing.deny with input as fixtures.combined([fixtures.model_server, service, no_port, demo_picker])
	count(findings) == 1
	some f in findings
	contains(f.msg, "names Service demo-epp as its endpoint picker without a port")
}

# One pool that routes is enough: a second, broken one beside it is not this rule's concern.
test_one_routing_pool_is_enough if {
	broken := pool("llm-demo", "demo-canary", {"app.kubernetes.io/instance": "demo"}, 8080)
	count(inference_routing.deny) == 0 with input as fixtures.combined(array.concat(routed, [broken]))
}

# LeaderWorkerSets: the pool selects the leaders (LWS gives them worker index "0"), which serve on
# 8000; fixtures.lws_model_server is LeaderWorkerSet llm-big/big, groups of two pods.
leaders := {"app.kubernetes.io/instance": "big", "leaderworkerset.sigs.k8s.io/worker-index": "0"}

lws_service := {
	"apiVersion": "v1",
	"kind": "Service",
	"metadata": {"name": "big", "namespace": "llm-big"},
	"spec": {"selector": leaders, "ports": [{"name": "http", "port": 8000, "targetPort": 8000}]},
}

big_picker := picker_service("llm-big", "big-epp")

test_leader_worker_set_behind_a_pool_of_its_leaders_passes if {
	count(inference_routing.deny) == 0 with input as fixtures.combined([fixtures.lws_model_server, lws_service, pool("llm-big", "big", leaders, 8000), big_picker])
}

test_leader_worker_set_behind_a_plain_service_only_is_denied if {
	findings := inference_routing.deny with input as fixtures.combined([fixtures.lws_model_server, lws_service])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	f.kind == "LeaderWorkerSet"
	f.name == "big"
	contains(f.msg, "is reachable only through plain Service(s) big: kube-proxy balances per connection")
	contains(f.msg, "selecting its pods (matchLabels {leaderworkerset.sigs.k8s.io/name: big, leaderworkerset.sigs.k8s.io/worker-index: 0}), targetPorts [{number: 8000}]")
}

# A pool of the workers (index "1") selects no leader: the LeaderWorkerSet is unrouted, and the
# pool sends requests to pods that run vLLM headless.
test_pool_of_the_workers_of_a_leader_worker_set_is_denied if {
	workers := {"app.kubernetes.io/instance": "big", "leaderworkerset.sigs.k8s.io/worker-index": "1"}
	findings := inference_routing.deny with input as fixtures.combined([fixtures.lws_model_server, lws_service, pool("llm-big", "big", workers, 8000), big_picker])
	count(findings) == 2
	some unrouted in findings
	unrouted.kind == "LeaderWorkerSet"
	contains(unrouted.msg, "as no InferencePool selects its leader pods (LWS adds leaderworkerset.sigs.k8s.io/worker-index \"0\") (InferencePool llm-big/big wants leaderworkerset.sigs.k8s.io/worker-index=1)")
	some headless in findings
	headless.policy == "CMB-009"
	headless.kind == "InferencePool"
	contains(headless.msg, "selects the workers of LeaderWorkerSet big, which run vLLM headless")
}

# A pool without the worker index selects the leaders, and the workers with them.
test_pool_that_also_selects_the_workers_is_denied if {
	findings := inference_routing.deny with input as fixtures.combined([fixtures.lws_model_server, lws_service, pool("llm-big", "big", {"app.kubernetes.io/instance": "big"}, 8000), big_picker])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	f.kind == "InferencePool"
	f.name == "big"
	contains(f.msg, "add leaderworkerset.sigs.k8s.io/worker-index: \"0\" to spec.selector.matchLabels")
}

# The leader's port decides, not the worker's: a pool on another port is denied.
test_leader_worker_set_pool_on_the_wrong_port_is_denied if {
	findings := inference_routing.deny with input as fixtures.combined([fixtures.lws_model_server, lws_service, pool("llm-big", "big", leaders, 8001), big_picker])
	count(findings) == 1
	some f in findings
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "selects its leader pods (LWS adds leaderworkerset.sigs.k8s.io/worker-index \"0\"), but its spec.targetPorts (8001) do not include port 8000 of container vllm")
}

# Warm-capacity placeholders hold GPUs and serve nothing; a CPU Deployment is no model server.
test_placeholder_needs_no_pool if {
	count(inference_routing.deny) == 0 with input as fixtures.combined([fixtures.placeholder, fixtures.placeholder_priority_class])
}

test_near_placeholder_is_a_model_server if {
	serving := json.patch(fixtures.placeholder, [{"op": "add", "path": "/spec/template/spec/containers/0/ports", "value": [{"name": "http", "containerPort": 8000}]}])
	findings := inference_routing.deny with input as fixtures.combined([serving])
	count(findings) == 1
	some f in findings
	f.policy == "CMB-009"
	f.name == "gpu-8-gpus"
}

test_deployment_without_gpus_needs_no_pool if {
	count(inference_routing.deny) == 0 with input as fixtures.combined([fixtures.web])
}

# The per-document pass gives the rule one object, not the environment: it judges nothing.
test_single_document_input_is_not_judged if {
	count(inference_routing.deny) == 0 with input as fixtures.model_server
}

# A canary Rollout (Argo Rollouts): its stable pods carry stableMetadata's labels, which the stable pool selects.
rollout_server(track_labels) := object.union(
	object.union(fixtures.model_server, {"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout"}),
	{"spec": {"strategy": {"canary": {"stableMetadata": {"labels": track_labels}}}}},
)

stable_pool := pool("llm-demo", "demo-stable", {"app.kubernetes.io/instance": "demo", "eks-llm-gitops.io/track": "stable"}, 8000)

test_rollout_behind_its_stable_pool_passes if {
	objects := [rollout_server({"eks-llm-gitops.io/track": "stable"}), service, stable_pool, picker_service("llm-demo", "demo-stable-epp")]
	count(inference_routing.deny) == 0 with input as fixtures.combined(objects)
}

test_rollout_whose_stable_pods_no_pool_selects_is_denied if {
	objects := [rollout_server({"eks-llm-gitops.io/track": "green"}), service, stable_pool, picker_service("llm-demo", "demo-stable-epp")]
	some f in inference_routing.deny with input as fixtures.combined(objects)
	contains(f.msg, "Rollout llm-demo/demo")
}
