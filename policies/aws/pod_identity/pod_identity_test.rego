package aws.pod_identity_test

import data.aws.pod_identity
import data.lib.fixtures

account(annotations) := {
	"apiVersion": "v1",
	"kind": "ServiceAccount",
	"metadata": {"name": "demo", "namespace": "llm-demo", "annotations": annotations},
}

calls_aws := {"eks-llm-gitops.io/calls-aws": "true"}

association := {
	"apiVersion": "eks.services.k8s.aws/v1alpha1",
	"kind": "PodIdentityAssociation",
	"metadata": {"name": "demo", "namespace": "llm-demo"},
	"spec": {"clusterName": "llm-prod", "namespace": "llm-demo", "serviceAccount": "demo", "roleARN": "arn:aws:iam::111122223333:role/llm-prod-demo"},
}

test_associated_account_passes if {
	count(pod_identity.deny) == 0 with input as fixtures.combined([account(calls_aws), association])
}

test_irsa_account_passes if {
	irsa := object.union(calls_aws, {"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/llm-prod-demo"})
	count(pod_identity.deny) == 0 with input as fixtures.combined([account(irsa)])
}

test_account_without_identity_is_denied if {
	findings := pod_identity.deny with input as fixtures.combined([account(calls_aws)])
	count(findings) == 1
	some f in findings
	f.policy == "AWS-003"
	f.kind == "ServiceAccount"
	f.namespace == "llm-demo"
	f.name == "demo"
}

test_association_for_another_account_does_not_count if {
	other := json.patch(association, [{"op": "replace", "path": "/spec/serviceAccount", "value": "other"}])
	count(pod_identity.deny) == 1 with input as fixtures.combined([account(calls_aws), other])
}

test_accounts_that_do_not_call_aws_need_nothing if {
	count(pod_identity.deny) == 0 with input as fixtures.combined([account({})])
}

test_single_documents_are_not_checked if {
	count(pod_identity.deny) == 0 with input as account(calls_aws)
}
