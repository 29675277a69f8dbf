package network.internet_facing_test

import data.network.internet_facing

ingress(annotations) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {"name": "api", "namespace": "gateway", "annotations": annotations},
	"spec": {"ingressClassName": "alb"},
}

public := {"alb.ingress.kubernetes.io/scheme": "internet-facing"}

waf := {"alb.ingress.kubernetes.io/wafv2-acl-arn": "arn:aws:wafv2:us-west-2:111122223333:regional/webacl/llm/abc"}

class_params(scheme) := {
	"apiVersion": "elbv2.k8s.aws/v1beta1",
	"kind": "IngressClassParams",
	"metadata": {"name": "alb"},
	"spec": {"scheme": scheme},
}

test_internal_ingress_passes if {
	count(internet_facing.deny) == 0 with input as ingress({"alb.ingress.kubernetes.io/scheme": "internal"}) with data.llm.environment as "prod" with data.ingress_exposure.internet_facing_environments as []
}

test_internet_facing_where_not_allowed_is_denied if {
	findings := internet_facing.deny with input as ingress(object.union(public, waf)) with data.llm.environment as "prod" with data.ingress_exposure.internet_facing_environments as []
	count(findings) == 1
	some f in findings
	f.policy == "NET-002"
	f.severity == "critical"
	contains(f.msg, "internet-facing load balancer in \"prod\"")
}

test_internet_facing_with_waf_where_allowed_passes if {
	count(internet_facing.deny) == 0 with input as ingress(object.union(public, waf)) with data.llm.environment as "dev" with data.ingress_exposure.internet_facing_environments as ["dev"]
}

test_internet_facing_without_waf_is_denied if {
	findings := internet_facing.deny with input as ingress(public) with data.llm.environment as "dev" with data.ingress_exposure.internet_facing_environments as ["dev"]
	count(findings) == 1
	some f in findings
	contains(f.msg, "without a WAF")
}

test_internet_facing_class_params_are_denied if {
	count(internet_facing.deny) == 1 with input as class_params("internet-facing") with data.llm.environment as "prod" with data.ingress_exposure.internet_facing_environments as []
	count(internet_facing.deny) == 0 with input as class_params("internal") with data.llm.environment as "prod" with data.ingress_exposure.internet_facing_environments as []
}
