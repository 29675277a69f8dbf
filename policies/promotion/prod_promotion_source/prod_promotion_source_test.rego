package promotion.prod_promotion_source_test

import data.lib.config_fixtures
import data.promotion.prod_promotion_source

test_prod_with_promotion_source_passes if {
	count(prod_promotion_source.deny) == 0 with input as config_fixtures.prod
}

test_dev_needs_no_source if {
	count(prod_promotion_source.deny) == 0 with input as config_fixtures.dev
}

test_prod_without_source_is_denied if {
	findings := prod_promotion_source.deny with input as json.patch(config_fixtures.prod, [{"op": "remove", "path": "/promotion"}])
	count(findings) == 1
	some f in findings
	f.policy == "CFG-003"
	contains(f.msg, "promotion.from")
}
