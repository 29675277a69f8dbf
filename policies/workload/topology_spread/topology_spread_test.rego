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
