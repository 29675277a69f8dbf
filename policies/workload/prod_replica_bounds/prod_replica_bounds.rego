# METADATA
# title: Production models keep at least two replicas
# description: >-
#   In a production environment's cluster.yaml every model sets replicas.min to 2 or more, so
#   that a node drain, a crash or a rollout never leaves the model without a ready server. The
#   rendered objects are checked as well (WL-009); this rule names the line to change.
# custom:
#   id: CFG-002
#   severity: high
#   kinds: [ClusterConfig]
#   input: config
package workload.prod_replica_bounds

import data.lib.policy

problems contains {"object": policy.config_object(input), "msg": msg} if {
	policy.is_config(input)
	input.name in policy.production_environments
	some model, spec in input.models
	minimum := object.get(spec, ["replicas", "min"], 0)
	minimum < 2
	msg := sprintf("sets models.%s.replicas.min to %v; production needs 2 or more", [model, minimum])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
