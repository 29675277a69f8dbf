package network.streaming_edge_test

import data.network.streaming_edge

integration(type) := {
	"apiVersion": "apigatewayv2.services.k8s.aws/v1alpha1",
	"kind": "Integration",
	"metadata": {"name": "gateway", "namespace": "aws-platform"},
	"spec": {"apiRef": {"from": {"name": "api"}}, "integrationType": type, "integrationURI": "arn:aws:elasticloadbalancing:us-west-2:111122223333:listener/app/edge/1/2", "timeoutInMillis": 30000},
}

params(attributes) := {
	"apiVersion": "elbv2.k8s.aws/v1beta1",
	"kind": "IngressClassParams",
	"metadata": {"name": "alb"},
	"spec": {"scheme": "internal", "loadBalancerAttributes": attributes},
}

ingress(attributes) := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {"name": "api", "namespace": "gateway", "annotations": {"alb.ingress.kubernetes.io/load-balancer-attributes": attributes}},
	"spec": {"ingressClassName": "alb"},
}

test_an_http_api_proxy_integration_is_denied if {
	findings := streaming_edge.deny with input as integration("HTTP_PROXY")
	count(findings) == 1
	some f in findings
	f.policy == "NET-007"
	contains(f.msg, "waits at most 30 s and buffers the response")
}

test_a_lambda_integration_passes if {
	count(streaming_edge.deny) == 0 with input as integration("AWS_PROXY")
}

test_an_idle_timeout_that_holds_an_answer_passes if {
	count(streaming_edge.deny) == 0 with input as params([{"key": "idle_timeout.timeout_seconds", "value": "660"}])
}

test_the_alb_default_of_60_s_is_denied if {
	findings := streaming_edge.deny with input as params([{"key": "deletion_protection.enabled", "value": "true"}])
	count(findings) == 1
	some f in findings
	contains(f.msg, "sets no idle timeout, so the ALB closes a connection after 60 s without a byte")
}

test_the_gateway_timeout_itself_is_too_short if {
	count(streaming_edge.deny) == 1 with input as params([{"key": "idle_timeout.timeout_seconds", "value": "600"}])
}

test_an_ingress_annotation_lowering_it_is_denied if {
	findings := streaming_edge.deny with input as ingress("routing.http2.enabled=true, idle_timeout.timeout_seconds=120")
	count(findings) == 1
	some f in findings
	contains(f.msg, "sets the ALB idle timeout to 120 s")
}

test_the_minimum_comes_from_the_data if {
	count(streaming_edge.deny) == 0 with input as params([{"key": "idle_timeout.timeout_seconds", "value": "300"}])
		with data.streaming_edge.min_idle_timeout_seconds as 300
}
