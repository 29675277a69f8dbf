package workload.namespace_test

import data.lib.fixtures
import data.workload.namespace

test_own_namespace_passes if {
	count(namespace.deny) == 0 with input as fixtures.web
}

test_cluster_scoped_objects_need_no_namespace if {
	count(namespace.deny) == 0 with input as {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "llm-demo"}}
}

test_default_namespace_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "replace", "path": "/metadata/namespace", "value": "default"}])
	findings := namespace.deny with input as obj
	count(findings) == 1
	some f in findings
	f.policy == "WL-008"
	contains(f.msg, "default namespace")
}

test_missing_namespace_is_denied if {
	obj := json.patch(fixtures.web, [{"op": "remove", "path": "/metadata/namespace"}])
	findings := namespace.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "no metadata.namespace")
}
