package network.default_deny_test

import data.lib.fixtures
import data.network.default_deny

namespace := {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gateway"}}

default_deny_policy(namespace_name, types) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "NetworkPolicy",
	"metadata": {"name": "default-deny", "namespace": namespace_name},
	"spec": {"podSelector": {}, "policyTypes": types},
}

test_namespace_with_default_deny_passes if {
	count(default_deny.deny) == 0 with input as fixtures.combined([namespace, default_deny_policy("gateway", ["Ingress", "Egress"])])
}

test_separate_policies_per_direction_pass if {
	egress := json.patch(default_deny_policy("gateway", ["Egress"]), [{"op": "replace", "path": "/metadata/name", "value": "deny-egress"}])
	count(default_deny.deny) == 0 with input as fixtures.combined([namespace, default_deny_policy("gateway", ["Ingress"]), egress])
}

test_namespace_without_policy_is_denied_for_both_directions if {
	findings := default_deny.deny with input as fixtures.combined([namespace])
	count(findings) == 2
	every f in findings {
		f.policy == "CMB-002"
		f.kind == "Namespace"
		f.name == "gateway"
	}
}

test_policy_in_another_namespace_does_not_count if {
	count(default_deny.deny) == 2 with input as fixtures.combined([namespace, default_deny_policy("other", ["Ingress", "Egress"])])
}

test_ingress_only_policy_leaves_egress_open if {
	findings := default_deny.deny with input as fixtures.combined([namespace, default_deny_policy("gateway", ["Ingress"])])
	count(findings) == 1
	some f in findings
	contains(f.msg, "for egress")
}

test_policy_with_allow_rules_is_not_a_default_deny if {
	allowing := json.patch(default_deny_policy("gateway", ["Ingress", "Egress"]), [{"op": "add", "path": "/spec/egress", "value": [{}]}])
	count(default_deny.deny) == 1 with input as fixtures.combined([namespace, allowing])
}

test_policy_selecting_some_pods_is_not_a_default_deny if {
	narrow := json.patch(default_deny_policy("gateway", ["Ingress", "Egress"]), [{"op": "replace", "path": "/spec/podSelector", "value": {"matchLabels": {"app": "x"}}}])
	count(default_deny.deny) == 2 with input as fixtures.combined([namespace, narrow])
}
