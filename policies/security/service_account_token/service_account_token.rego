# METADATA
# title: Pods mount no Kubernetes API token unless they say they need one
# description: >-
#   Pods set automountServiceAccountToken explicitly: false for everything that never calls the
#   Kubernetes API (model servers, gateways), true only where the API is needed, so that the
#   choice is visible in review. The implicit default mounts a token into every container, and a
#   compromised inference server should not hold cluster credentials.
# custom:
#   id: SEC-007
#   severity: medium
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: object
package security.service_account_token

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind in k8s.workload_kinds
	not k8s.has_key(k8s.pod_spec(input), "automountServiceAccountToken")
	msg := "mounts a Kubernetes API token by default; set automountServiceAccountToken: false in the pod spec (true only if it calls the API)"
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
