# METADATA
# title: The API's edge streams and holds an answer as long as the gateway does
# description: >-
#   Every hop in front of the gateway must pass a streamed answer through as it is written and
#   wait for it as long as the gateway waits for the model (policies/data/network.yaml). An API
#   Gateway HTTP API cannot: it waits at most 30 s for an integration and buffers the response,
#   so server-sent events arrive all at once and long generations get 504; an HTTP_PROXY
#   integration of an HTTP API is therefore refused. An ALB holds a connection only for its idle
#   timeout (60 s unless set), which IngressClassParams or the Ingress must set to at least the
#   minimum.
# custom:
#   id: NET-007
#   severity: high
#   kinds: [Integration, IngressClassParams, Ingress]
#   input: object
package network.streaming_edge

import data.lib.k8s
import data.lib.policy

default min_idle := 630

min_idle := data.streaming_edge.min_idle_timeout_seconds

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind == "Integration"
	k8s.group(input) == "apigatewayv2.services.k8s.aws"
	input.spec.integrationType == "HTTP_PROXY"
	msg := sprintf("proxies to %v through an API Gateway HTTP API, which waits at most 30 s and buffers the response: streamed answers arrive all at once and long ones not at all; serve the API from the ALB", [object.get(input.spec, "integrationURI", "a backend")])
}

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind == "IngressClassParams"
	seconds := class_idle_timeout(input)
	seconds < min_idle
	msg := sprintf("gives the ALB an idle timeout of %d s; streamed and long answers need at least %d s", [seconds, min_idle])
}

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind == "IngressClassParams"
	not has_idle_timeout(input)
	msg := sprintf("sets no idle timeout, so the ALB closes a connection after 60 s without a byte; streamed and long answers need at least %d s: set loadBalancerAttributes idle_timeout.timeout_seconds", [min_idle])
}

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind == "Ingress"
	some attribute in split(object.get(k8s.annotations(input), "alb.ingress.kubernetes.io/load-balancer-attributes", ""), ",")
	[key, value] := split(trim_space(attribute), "=")
	key == "idle_timeout.timeout_seconds"
	to_number(value) < min_idle
	msg := sprintf("sets the ALB idle timeout to %s s; streamed and long answers need at least %d s", [value, min_idle])
}

class_idle_timeout(params) := to_number(attribute.value) if {
	some attribute in object.get(params.spec, "loadBalancerAttributes", [])
	attribute.key == "idle_timeout.timeout_seconds"
}

has_idle_timeout(params) if {
	some attribute in object.get(params.spec, "loadBalancerAttributes", [])
	attribute.key == "idle_timeout.timeout_seconds"
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
