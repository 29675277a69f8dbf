# METADATA
# title: Production receives versions by promotion
# description: >-
#   A production environment's cluster.yaml names promotion.from, the environment its model
#   versions must have soaked in first. Without it, npm run promote never opens pull requests for
#   production, and nothing stops a version that never ran anywhere from being typed in.
# custom:
#   id: CFG-003
#   severity: high
#   kinds: [ClusterConfig]
#   input: config
package promotion.prod_promotion_source

import data.lib.policy

problems contains {"object": policy.config_object(input), "msg": msg} if {
	policy.is_config(input)
	input.name in policy.production_environments
	not input.promotion.from
	msg := "names no promotion.from; set it to the environment versions soak in first (for example staging)"
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
