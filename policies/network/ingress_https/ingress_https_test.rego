package network.ingress_https_test

import data.network.ingress_https

alb_ingress := {
	"apiVersion": "networking.k8s.io/v1",
	"kind": "Ingress",
	"metadata": {
		"name": "api",
		"namespace": "gateway",
		"annotations": {
			"alb.ingress.kubernetes.io/certificate-arn": "arn:aws:acm:us-west-2:111122223333:certificate/abc",
			"alb.ingress.kubernetes.io/listen-ports": "[{\"HTTP\": 80}, {\"HTTPS\": 443}]",
			"alb.ingress.kubernetes.io/ssl-redirect": "443",
		},
	},
	"spec": {
		"ingressClassName": "alb",
		"rules": [{"host": "api.example.com", "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "gateway", "port": {"name": "http"}}}}]}}],
	},
}

without(annotation) := json.patch(alb_ingress, [{"op": "remove", "path": sprintf("/metadata/annotations/alb.ingress.kubernetes.io~1%s", [annotation])}])

test_https_alb_ingress_passes if {
	count(ingress_https.deny) == 0 with input as alb_ingress
}

test_alb_ingress_without_certificate_is_denied if {
	findings := ingress_https.deny with input as without("certificate-arn")
	count(findings) == 1
	some f in findings
	f.policy == "NET-001"
	f.kind == "Ingress"
	contains(f.msg, "certificate-arn")
}

test_alb_ingress_on_http_only_is_denied if {
	obj := json.patch(alb_ingress, [{"op": "replace", "path": "/metadata/annotations/alb.ingress.kubernetes.io~1listen-ports", "value": "[{\"HTTP\": 80}]"}])
	findings := ingress_https.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "does not listen on HTTPS")
}

test_alb_ingress_without_listen_ports_is_denied if {
	count(ingress_https.deny) == 1 with input as without("listen-ports")
}

test_alb_ingress_without_redirect_is_denied if {
	findings := ingress_https.deny with input as without("ssl-redirect")
	count(findings) == 1
	some f in findings
	contains(f.msg, "ssl-redirect")
}

test_other_ingress_without_tls_is_denied if {
	obj := json.patch(alb_ingress, [{"op": "replace", "path": "/spec/ingressClassName", "value": "nginx"}])
	findings := ingress_https.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "no tls section")
}

test_other_ingress_with_tls_passes if {
	obj := json.patch(alb_ingress, [
		{"op": "replace", "path": "/spec/ingressClassName", "value": "nginx"},
		{"op": "add", "path": "/spec/tls", "value": [{"hosts": ["api.example.com"], "secretName": "api-tls"}]},
	])
	count(ingress_https.deny) == 0 with input as obj
}
