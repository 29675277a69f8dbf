package network.weighted_pools_test

import data.lib.fixtures
import data.network.weighted_pools

labels := {"app.kubernetes.io/name": "vllm", "app.kubernetes.io/instance": "demo"}

track_label := "eks-llm-gitops.io/track"

lws(name, track) := {
	"apiVersion": "leaderworkerset.x-k8s.io/v1",
	"kind": "LeaderWorkerSet",
	"metadata": {"name": name, "namespace": "llm-demo"},
	"spec": {"leaderWorkerTemplate": {
		"size": 2,
		"leaderTemplate": {"metadata": {"labels": object.union(labels, {track_label: track})}, "spec": {"containers": [{"name": "vllm"}]}},
		"workerTemplate": {"metadata": {"labels": object.union(labels, {track_label: track})}, "spec": {"containers": [{"name": "vllm"}]}},
	}},
}

pool(name, track) := {
	"apiVersion": "inference.networking.k8s.io/v1",
	"kind": "InferencePool",
	"metadata": {"name": name, "namespace": "llm-demo"},
	"spec": {"selector": {"matchLabels": object.union(labels, {track_label: track, "leaderworkerset.sigs.k8s.io/worker-index": "0"})}},
}

route(stable, canary) := {
	"apiVersion": "gateway.networking.k8s.io/v1",
	"kind": "HTTPRoute",
	"metadata": {"name": "demo", "namespace": "llm-demo"},
	"spec": {"rules": [{"backendRefs": [
		{"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "demo-stable", "weight": stable},
		{"group": "inference.networking.k8s.io", "kind": "InferencePool", "name": "demo-canary", "weight": canary},
	]}]},
}

pools := [pool("demo-stable", "stable"), pool("demo-canary", "canary")]

denials(objects) := found if {
	found := weighted_pools.deny with input as fixtures.combined(objects)
}

test_at_rest_passes if {
	count(weighted_pools.deny) == 0 with input as fixtures.combined(array.concat([route(100, 0), lws("demo", "stable")], pools))
}

test_canary_in_progress_passes if {
	objects := array.concat([route(90, 10), lws("demo", "stable"), lws("demo-canary", "canary")], pools)
	count(weighted_pools.deny) == 0 with input as fixtures.combined(objects)
}

test_share_to_a_missing_canary_is_denied if {
	found := denials(array.concat([route(90, 10), lws("demo", "stable")], pools))
	count(found) == 1
	some f in found
	f.policy == "CMB-011"
	f.kind == "HTTPRoute"
	contains(f.msg, "gives 10 of its weight to InferencePool demo-canary, which selects the serving pods of no workload")
}

test_share_to_a_missing_pool_is_denied if {
	found := denials([route(100, 0), lws("demo", "stable"), pool("demo-canary", "canary")])
	count(found) == 1
	some f in found
	contains(f.msg, "InferencePool demo-stable, which the render does not hold")
}

test_default_weight_counts if {
	r := json.remove(route(100, 0), ["spec/rules/0/backendRefs/1/weight"])
	found := denials(array.concat([r, lws("demo", "stable")], pools))
	count(found) == 1
}

test_pools_that_both_select_one_set_are_denied if {
	loose := [json.patch(p, [{"op": "remove", "path": "/spec/selector/matchLabels/eks-llm-gitops.io~1track"}]) | some p in pools]
	found := denials(array.concat([route(90, 10), lws("demo", "stable"), lws("demo-canary", "canary")], loose))
	count(found) == 2
	some f in found
	contains(f.msg, "splits a rule between InferencePools demo-stable and demo-canary, which both select the serving pods of LeaderWorkerSet demo")
}
