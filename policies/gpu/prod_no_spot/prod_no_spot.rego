# METADATA
# title: Production serves on on-demand GPU capacity only
# description: >-
#   A production environment's cluster.yaml does not list spot in gpu.capacityTypes. Spot GPU
#   capacity is reclaimed at two minutes' notice, while a large model needs tens of minutes to
#   load on a replacement: fine for dev, an outage in production.
# custom:
#   id: CFG-001
#   severity: high
#   kinds: [ClusterConfig]
#   input: config
package gpu.prod_no_spot

import data.lib.policy

problems contains {"object": policy.config_object(input), "msg": msg} if {
	policy.is_config(input)
	input.name in policy.production_environments
	"spot" in object.get(input, ["gpu", "capacityTypes"], [])
	msg := "lists spot in gpu.capacityTypes; production serves on on-demand capacity only (capacityTypes: [on-demand])"
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
