package workload.topology_spread_test

import data.lib.fixtures
import data.workload.topology_spread

without_spread(obj) := json.patch(obj, [{"op": "remove", "path": "/spec/template/spec/topologySpreadConstraints"}])

test_zone_spread_passes if {
	count(topology_spread.deny) == 0 with input as fixtures.web
}

test_two_replicas_without_spread_are_denied if {
	findings := topology_spread.deny with input as without_spread(fixtures.web)
	count(findings) == 1
	some f in findings
	f.policy == "WL-006"
	f.name == "gateway"
	contains(f.msg, "topology.kubernetes.io/zone")
}

test_autoscaled_workload_without_spread_is_denied if {
	count(topology_spread.deny) == 1 with input as without_spread(fixtures.model_server)
}

test_single_replica_needs_no_spread if {
	obj := json.patch(without_spread(fixtures.web), [{"op": "replace", "path": "/spec/replicas", "value": 1}])
	count(topology_spread.deny) == 0 with input as obj
}

test_hostname_spread_is_not_zone_spread if {
	obj := json.patch(fixtures.web, [{"op": "replace", "path": "/spec/template/spec/topologySpreadConstraints/0/topologyKey", "value": "kubernetes.io/hostname"}])
	count(topology_spread.deny) == 1 with input as obj
}

# A multi-node group stays in one zone (EFA); its groups need no zone spread constraint.
test_leader_worker_set_keeping_each_group_in_one_zone_passes if {
	count(topology_spread.deny) == 0 with input as fixtures.lws_model_server
}

test_leader_worker_set_with_the_exclusive_topology_annotation_passes if {
	obj := json.patch(fixtures.lws_model_server, [
		{"op": "remove", "path": "/spec/leaderWorkerTemplate/leaderTemplate/spec/affinity"},
		{"op": "remove", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/affinity"},
		{"op": "add", "path": "/metadata/annotations/leaderworkerset.sigs.k8s.io~1exclusive-topology", "value": "topology.kubernetes.io/zone"},
	])
	count(topology_spread.deny) == 0 with input as obj
}

test_leader_worker_set_whose_groups_may_span_zones_is_denied if {
	obj := json.patch(fixtures.lws_model_server, [
		{"op": "remove", "path": "/spec/leaderWorkerTemplate/leaderTemplate/spec/affinity"},
		{"op": "remove", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/affinity"},
	])
	findings := topology_spread.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-006"
	f.kind == "LeaderWorkerSet"
	contains(f.msg, "groups of 2 pods that may land in different zones")
}

test_leader_worker_set_of_single_pod_groups_is_not_concerned if {
	obj := json.patch(fixtures.lws_model_server, [
		{"op": "replace", "path": "/spec/leaderWorkerTemplate/size", "value": 1},
		{"op": "remove", "path": "/spec/leaderWorkerTemplate/workerTemplate/spec/affinity"},
	])
	count(topology_spread.deny) == 0 with input as obj
}
