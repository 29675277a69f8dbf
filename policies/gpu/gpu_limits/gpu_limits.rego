# METADATA
# title: Every environment caps its GPUs
# description: >-
#   Every cluster.yaml sets gpu.limits.gpus, the most GPUs its GPU NodePool may launch. It is the
#   cost ceiling of the environment: a mistaken replica count, or an autoscaler chasing a metric,
#   stops at the cap instead of at the account's instance quota.
# custom:
#   id: CFG-004
#   severity: high
#   kinds: [ClusterConfig]
#   input: config
package gpu.gpu_limits

import data.lib.policy

problems contains {"object": policy.config_object(input), "msg": msg} if {
	policy.is_config(input)
	not positive(object.get(input, ["gpu", "limits", "gpus"], 0))
	msg := "sets no gpu.limits.gpus; cap the GPUs the environment may launch"
}

positive(value) if {
	is_number(value)
	value > 0
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
