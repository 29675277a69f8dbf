# Exceptions and the shape of findings, through one real policy (WL-001).
package lib.policy_test

import data.lib.fixtures
import data.lib.policy
import data.workload.requests_limits

# Both containers of the model server lose their memory limit: two findings.
unlimited := json.patch(fixtures.model_server, [
	{"op": "remove", "path": "/spec/template/spec/containers/0/resources/limits/memory"},
	{"op": "remove", "path": "/spec/template/spec/initContainers/0/resources/limits/memory"},
])

exception(overrides) := object.union(
	{
		"policy": "WL-001",
		"env": "dev",
		"kind": "Deployment",
		"namespace": "llm-demo",
		"name": "demo",
		"reason": "measuring the cache fill's peak memory first",
		"owner": "ml-platform@example.com",
		"expires": "2027-01-31",
	},
	overrides,
)

# 2027-01-15T00:00:00Z
before_expiry := 1799971200000000000

# 2027-02-01T00:00:00Z
after_expiry := 1801440000000000000

test_findings_carry_metadata_and_object if {
	findings := requests_limits.deny with input as unlimited with data.exceptions as []
	count(findings) == 2
	some f in findings
	f.policy == "WL-001"
	f.severity == "high"
	f.title == "Containers request and limit CPU and memory"
	f.kind == "Deployment"
	f.namespace == "llm-demo"
	f.name == "demo"
	f.container == "vllm"
	startswith(f.msg, "Deployment llm-demo/demo: container \"vllm\"")
}

test_container_exception_suppresses_only_that_container if {
	exceptions := [exception({"container": "model-cache-fill"})]
	denied := requests_limits.deny with input as unlimited with data.exceptions as exceptions with data.llm.environment as "dev" with time.now_ns as before_expiry
	warned := requests_limits.warn with input as unlimited with data.exceptions as exceptions with data.llm.environment as "dev" with time.now_ns as before_expiry
	{f.container | some f in denied} == {"vllm"}
	{w.container | some w in warned} == {"model-cache-fill"}
	every w in warned {
		w.excepted == true
	}
}

test_exception_without_container_covers_the_object if {
	denied := requests_limits.deny with input as unlimited with data.exceptions as [exception({})] with data.llm.environment as "dev" with time.now_ns as before_expiry
	count(denied) == 0
}

test_exception_holds_through_its_last_day if {
	last_day := 1801439999000000000
	denied := requests_limits.deny with input as unlimited with data.exceptions as [exception({})] with data.llm.environment as "dev" with time.now_ns as last_day
	count(denied) == 0
}

test_expired_exception_suppresses_nothing if {
	denied := requests_limits.deny with input as unlimited with data.exceptions as [exception({})] with data.llm.environment as "dev" with time.now_ns as after_expiry
	warned := requests_limits.warn with input as unlimited with data.exceptions as [exception({})] with data.llm.environment as "dev" with time.now_ns as after_expiry
	count(denied) == 2
	count(warned) == 0
}

test_exception_for_another_environment_suppresses_nothing if {
	denied := requests_limits.deny with input as unlimited with data.exceptions as [exception({})] with data.llm.environment as "prod" with time.now_ns as before_expiry
	count(denied) == 2
}

test_exception_for_another_policy_or_object_suppresses_nothing if {
	exceptions := [exception({"policy": "WL-002"}), exception({"name": "other"}), exception({"namespace": "llm-other"}), exception({"kind": "StatefulSet"})]
	denied := requests_limits.deny with input as unlimited with data.exceptions as exceptions with data.llm.environment as "dev" with time.now_ns as before_expiry
	count(denied) == 2
}

test_metadata_is_read_from_the_package_annotation if {
	chain := [
		{"path": ["data", "x", "deny"]},
		{"path": ["data", "x"], "annotations": {"scope": "package", "title": "T", "custom": {"id": "X-1", "severity": "low"}}},
	]
	policy.metadata(chain).custom.id == "X-1"
}

test_cluster_configs_are_recognised if {
	policy.is_config({"name": "dev", "aws": {}, "models": {}})
	not policy.is_config({"name": "dev", "aws": {}, "models": {}, "kind": "ConfigMap"})
}

# conftest loads only the .rego files of a policy folder: the samples beside each rule (Kubernetes
# manifests and cluster configurations) would otherwise be merged into data at its root.
test_samples_are_not_loaded_as_data if {
	not data.apiVersion
	not data.kind
	not data.metadata
	not data.spec
	not data.models
}
