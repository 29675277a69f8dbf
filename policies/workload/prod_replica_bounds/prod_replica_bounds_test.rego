package workload.prod_replica_bounds_test

import data.lib.config_fixtures
import data.workload.prod_replica_bounds

test_two_replicas_in_prod_pass if {
	count(prod_replica_bounds.deny) == 0 with input as config_fixtures.prod
}

test_scale_to_zero_in_dev_passes if {
	count(prod_replica_bounds.deny) == 0 with input as config_fixtures.dev
}

test_one_replica_in_prod_is_denied if {
	obj := json.patch(config_fixtures.prod, [{"op": "replace", "path": "/models/llama-3-3-70b-instruct/replicas/min", "value": 1}])
	findings := prod_replica_bounds.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "CFG-002"
	contains(f.msg, "models.llama-3-3-70b-instruct.replicas.min to 1")
}
