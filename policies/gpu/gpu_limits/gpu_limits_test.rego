package gpu.gpu_limits_test

import data.gpu.gpu_limits
import data.lib.config_fixtures

test_capped_environments_pass if {
	count(gpu_limits.deny) == 0 with input as config_fixtures.prod
	count(gpu_limits.deny) == 0 with input as config_fixtures.dev
}

test_missing_cap_is_denied_in_every_environment if {
	findings := gpu_limits.deny with input as json.patch(config_fixtures.dev, [{"op": "remove", "path": "/gpu/limits"}])
	count(findings) == 1
	some f in findings
	f.policy == "CFG-004"
	f.name == "dev"
}

test_zero_cap_is_denied if {
	count(gpu_limits.deny) == 1 with input as json.patch(config_fixtures.prod, [{"op": "replace", "path": "/gpu/limits/gpus", "value": 0}])
}
