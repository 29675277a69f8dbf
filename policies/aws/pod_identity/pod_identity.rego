# METADATA
# title: ServiceAccounts that call AWS have an identity
# description: >-
#   A ServiceAccount annotated eks-llm-gitops.io/calls-aws "true" (its pods call AWS APIs) either
#   has an EKS Pod Identity association in the same environment (an ACK PodIdentityAssociation
#   naming its namespace and name) or an IRSA role (eks.amazonaws.com/role-arn). Otherwise its pods
#   fall back to the node's instance role, which is shared by everything on the node, or fail at
#   run time on a node whose metadata service is locked down. Checked over one environment with
#   conftest --combine.
# custom:
#   id: AWS-003
#   severity: high
#   kinds: [ServiceAccount]
#   input: combined
package aws.pod_identity

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

problems contains {"object": account, "msg": msg} if {
	some account in objects
	account.kind == "ServiceAccount"
	k8s.annotations(account)["eks-llm-gitops.io/calls-aws"] == "true"
	object.get(k8s.annotations(account), "eks.amazonaws.com/role-arn", "") == ""
	not associated(account)
	msg := "calls AWS but has no Pod Identity association (ACK PodIdentityAssociation for this namespace and service account) and no eks.amazonaws.com/role-arn; add the association"
}

associated(account) if {
	some association in objects
	association.kind == "PodIdentityAssociation"
	k8s.group(association) == "eks.services.k8s.aws"
	association.spec.namespace == k8s.namespace(account)
	association.spec.serviceAccount == k8s.name(account)
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
