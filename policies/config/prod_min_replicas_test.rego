package config.prod_min_replicas_test

import data.config.prod_min_replicas
import data.lib.config_fixtures

test_two_replicas_in_prod_pass if {
	count(prod_min_replicas.deny) == 0 with input as config_fixtures.prod
}

test_scale_to_zero_in_dev_passes if {
	count(prod_min_replicas.deny) == 0 with input as config_fixtures.dev
}

test_one_replica_in_prod_is_denied if {
	obj := json.patch(config_fixtures.prod, [{"op": "replace", "path": "/models/llama-3-3-70b-instruct/replicas/min", "value": 1}])
	findings := prod_min_replicas.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "CFG-002"
	contains(f.msg, "models.llama-3-3-70b-instruct.replicas.min to 1")
}
