package aws.retain_stateful_test

import data.aws.retain_stateful

cache(annotations) := {
	"apiVersion": "elasticache.services.k8s.aws/v1alpha1",
	"kind": "ReplicationGroup",
	"metadata": {"name": "response-cache", "namespace": "gateway", "annotations": annotations},
	"spec": {"replicationGroupID": "llm-prod-cache", "description": "gateway response cache"},
}

retain := {"services.k8s.aws/deletion-policy": "retain"}

test_retained_cache_in_prod_passes if {
	count(retain_stateful.deny) == 0 with input as cache(retain) with data.llm.environment as "prod"
}

test_cache_without_retain_in_prod_is_denied if {
	findings := retain_stateful.deny with input as cache({}) with data.llm.environment as "prod"
	count(findings) == 1
	some f in findings
	f.policy == "AWS-002"
	f.kind == "ReplicationGroup"
	contains(f.msg, "services.k8s.aws/deletion-policy: retain")
}

test_delete_policy_in_prod_is_denied if {
	count(retain_stateful.deny) == 1 with input as cache({"services.k8s.aws/deletion-policy": "delete"}) with data.llm.environment as "prod"
}

test_dev_may_delete if {
	count(retain_stateful.deny) == 0 with input as cache({}) with data.llm.environment as "dev"
}

test_stateless_kinds_are_ignored if {
	role := {"apiVersion": "iam.services.k8s.aws/v1alpha1", "kind": "Role", "metadata": {"name": "r", "namespace": "ack-system"}, "spec": {"name": "r"}}
	count(retain_stateful.deny) == 0 with input as role with data.llm.environment as "prod"
}
