package gpu.prod_no_spot_test

import data.gpu.prod_no_spot
import data.lib.config_fixtures

test_on_demand_prod_passes if {
	count(prod_no_spot.deny) == 0 with input as config_fixtures.prod
}

test_spot_in_dev_passes if {
	count(prod_no_spot.deny) == 0 with input as config_fixtures.dev
}

test_spot_in_prod_is_denied if {
	obj := json.patch(config_fixtures.prod, [{"op": "replace", "path": "/gpu/capacityTypes", "value": ["spot", "on-demand"]}])
	findings := prod_no_spot.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "CFG-001"
	f.kind == "ClusterConfig"
	f.name == "prod"
	contains(f.msg, "spot")
}

test_manifests_are_not_configs if {
	count(prod_no_spot.deny) == 0 with input as {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "prod"}}
}
