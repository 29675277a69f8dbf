# METADATA
# title: Security groups open to the internet only for HTTPS (and HTTP to redirect)
# description: >-
#   ACK security groups (ec2.services.k8s.aws SecurityGroup) admit 0.0.0.0/0 or ::/0 only on
#   TCP 443 and TCP 80, one port per rule: the only listener of this platform that may face the
#   internet is a load balancer, which redirects HTTP to HTTPS. A model server, the gateway's pods
#   or the cache opened to the world (a port range, all protocols, SSH) is an exposure no network
#   policy inside the cluster can take back.
# custom:
#   id: AWS-004
#   severity: critical
#   kinds: [SecurityGroup]
#   input: object
package aws.open_security_group

import data.lib.k8s
import data.lib.policy

web_ports := {80, 443}

# The "anywhere" ranges of an ingress rule, IPv4 and IPv6.
world_ranges(rule) := ranges if {
	ipv4 := {r.cidrIP | some r in object.get(rule, "ipRanges", []); r.cidrIP == "0.0.0.0/0"}
	ipv6 := {r.cidrIPv6 | some r in object.get(rule, "ipv6Ranges", []); r.cidrIPv6 == "::/0"}
	ranges := ipv4 | ipv6
}

web_only(rule) if {
	rule.ipProtocol == "tcp"
	rule.fromPort == rule.toPort
	rule.fromPort in web_ports
}

traffic(rule) := "all traffic" if object.get(rule, "ipProtocol", "-1") in {"-1", "all"}

traffic(rule) := sprintf("%v ports %v-%v", [rule.ipProtocol, object.get(rule, "fromPort", "any"), object.get(rule, "toPort", "any")]) if {
	not object.get(rule, "ipProtocol", "-1") in {"-1", "all"}
}

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	k8s.group(input) == "ec2.services.k8s.aws"
	input.kind == "SecurityGroup"
	some rule in object.get(input, ["spec", "ingressRules"], [])
	some range in world_ranges(rule)
	not web_only(rule)
	msg := sprintf("admits %s from %s; only TCP 443 (and 80, to redirect) may be open to the internet, one port per rule", [traffic(rule), range])
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
