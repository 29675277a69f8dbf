# METADATA
# title: Internet-facing load balancers only where allowed, and behind a WAF
# description: >-
#   An ALB is internet-facing only in the environments policies/data/network.yaml lists (the
#   sample fleet lists staging and prod, whose API is the ALB; dev's stays internal), whether the
#   scheme comes from an Ingress annotation or from IngressClassParams. An internet-facing Ingress
#   also names a WAF web ACL (alb.ingress.kubernetes.io/wafv2-acl-arn): a public inference
#   endpoint without one is an open invitation to scraping and prompt floods that the GPU bill
#   pays for.
# custom:
#   id: NET-002
#   severity: critical
#   kinds: [Ingress, IngressClassParams]
#   input: object
package network.internet_facing

import data.lib.k8s
import data.lib.policy

default allowed_environments := []

allowed_environments := data.ingress_exposure.internet_facing_environments

problems contains {"object": input, "msg": msg} if {
	internet_facing
	not policy.environment in allowed_environments
	msg := sprintf("makes an internet-facing load balancer in %q, where only internal ones are allowed; set the scheme to internal (or list the environment in policies/data/network.yaml)", [policy.environment])
}

problems contains {"object": input, "msg": msg} if {
	internet_facing
	input.kind == "Ingress"
	object.get(k8s.annotations(input), "alb.ingress.kubernetes.io/wafv2-acl-arn", "") == ""
	msg := "is internet-facing without a WAF; set alb.ingress.kubernetes.io/wafv2-acl-arn to a web ACL"
}

internet_facing if {
	k8s.is_object_input(input)
	input.kind == "Ingress"
	k8s.annotations(input)["alb.ingress.kubernetes.io/scheme"] == "internet-facing"
}

internet_facing if {
	k8s.is_object_input(input)
	input.kind == "IngressClassParams"
	input.spec.scheme == "internet-facing"
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
