# METADATA
# title: LoadBalancer Services are internal
# description: >-
#   A Service of type LoadBalancer declares an internal scheme
#   (service.beta.kubernetes.io/aws-load-balancer-scheme internal, or the legacy
#   aws-load-balancer-internal "true"). Depending on the controller, the default is a public load
#   balancer that bypasses the gateway's authentication, throttling and WAF; traffic from outside
#   enters through API Gateway and the ALB Ingress only.
# custom:
#   id: NET-003
#   severity: critical
#   kinds: [Service]
#   input: object
package network.load_balancer_service

import data.lib.k8s
import data.lib.policy

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind == "Service"
	input.spec.type == "LoadBalancer"
	not declared_internal
	msg := "is a LoadBalancer Service that is not declared internal; set service.beta.kubernetes.io/aws-load-balancer-scheme: internal, or use a ClusterIP Service behind the Ingress"
}

declared_internal if k8s.annotations(input)["service.beta.kubernetes.io/aws-load-balancer-scheme"] == "internal"

declared_internal if k8s.annotations(input)["service.beta.kubernetes.io/aws-load-balancer-internal"] == "true"

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
