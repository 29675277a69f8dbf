# METADATA
# title: Versions reach an environment only after running in its promotion source
# description: >-
#   For an environment with promotion.from, every model version that the change sets (a version
#   that differs from the base branch, or a model new to the environment) is already running in
#   the source environment's render: a model-server Deployment or LeaderWorkerSet there carries
#   that model and version (its app.kubernetes.io/instance and app.kubernetes.io/version labels).
#   A staged canary's version (models.<model>.canary.version) is checked the same way, and a
#   version that is only a staged canary in the source (its pods of the canary track,
#   eks-llm-gitops.io/track) does not count as running there: it is on trial. Run over the environment's cluster.yaml and the source's rendered model servers with
#   conftest --combine; the runner passes the base branch's versions as data.llm.baseline so that
#   versions already deployed stay valid after the source moves on.
# custom:
#   id: PRM-001
#   severity: critical
#   kinds: [ClusterConfig]
#   input: promotion
package promotion.versions

import data.lib.k8s
import data.lib.policy

configs := [doc |
	is_array(input)
	some file in input
	some doc in k8s.documents(file.contents)
	policy.is_config(doc)
]

# [model, version] pairs that model servers of the source render run.
# A version the source runs: its model servers' versions, but a staged canary's (its pods'
# track label says so), which is on trial there, not run.
running contains [labels["app.kubernetes.io/instance"], labels["app.kubernetes.io/version"]] if {
	is_array(input)
	some server in k8s.combined_objects(input)
	server.kind in {"Deployment", "Rollout", "LeaderWorkerSet"}
	k8s.is_model_server(server)
	not k8s.serving_pod_labels(server)[track_label] == "canary"
	labels := k8s.labels(server)
}

track_label := "eks-llm-gitops.io/track"

# The versions a model's entry brings: its version, and a staged canary's.
entry_versions(spec) := {["version", spec.version]} | {["canary.version", spec.canary.version] | spec.canary.version}

# Already on the base branch: deployed, and valid after the source moves on.
baselined(env, model, "version", version) if data.llm.baseline[env][model] == version

baselined(env, model, "canary.version", version) if data.llm.canary_baseline[env][model] == version

problems contains {"object": policy.config_object(config), "msg": msg} if {
	some config in configs
	source := config.promotion.from
	some model, spec in config.models
	some [field, version] in entry_versions(spec)
	not baselined(config.name, model, field, version)
	not [model, version] in running
	msg := sprintf("sets models.%s.%s to %s, which %s does not run; promote versions through %s first (npm run promote)", [model, field, version, source, source])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
