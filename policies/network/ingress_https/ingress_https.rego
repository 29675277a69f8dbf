# METADATA
# title: Ingresses serve HTTPS only
# description: >-
#   An ALB Ingress (class alb) names its ACM certificate (alb.ingress.kubernetes.io/certificate-arn),
#   listens on HTTPS (listen-ports) and redirects HTTP to it (ssl-redirect). Any other Ingress has
#   a tls section. Prompts and completions are user data; they never cross a network in clear
#   text, and API keys in Authorization headers even less.
# custom:
#   id: NET-001
#   severity: high
#   kinds: [Ingress]
#   input: object
package network.ingress_https

import data.lib.k8s
import data.lib.policy

prefix := "alb.ingress.kubernetes.io/"

problems contains {"object": input, "msg": msg} if {
	is_alb_ingress
	not annotation("certificate-arn")
	msg := "is an ALB Ingress without alb.ingress.kubernetes.io/certificate-arn; name the ACM certificate"
}

problems contains {"object": input, "msg": msg} if {
	is_alb_ingress
	not listens_https
	msg := "is an ALB Ingress that does not listen on HTTPS; set alb.ingress.kubernetes.io/listen-ports to '[{\"HTTP\": 80}, {\"HTTPS\": 443}]'"
}

problems contains {"object": input, "msg": msg} if {
	is_alb_ingress
	not annotation("ssl-redirect")
	msg := "is an ALB Ingress that does not redirect HTTP to HTTPS; set alb.ingress.kubernetes.io/ssl-redirect: \"443\""
}

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind == "Ingress"
	not is_alb_ingress
	count(object.get(input, ["spec", "tls"], [])) == 0
	msg := "has no tls section, so it serves plain HTTP; add spec.tls with its hosts and certificate secret"
}

is_alb_ingress if {
	k8s.is_object_input(input)
	input.kind == "Ingress"
	input.spec.ingressClassName == "alb"
}

is_alb_ingress if {
	k8s.is_object_input(input)
	input.kind == "Ingress"
	k8s.annotations(input)["kubernetes.io/ingress.class"] == "alb"
}

annotation(name) := value if {
	value := k8s.annotations(input)[concat("", [prefix, name])]
	value != ""
}

listens_https if {
	ports := annotation("listen-ports")
	json.is_valid(ports)
	some port in json.unmarshal(ports)
	port.HTTPS
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
