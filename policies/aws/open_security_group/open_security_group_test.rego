package aws.open_security_group_test

import data.aws.open_security_group

group(rules) := {
	"apiVersion": "ec2.services.k8s.aws/v1alpha1",
	"kind": "SecurityGroup",
	"metadata": {"name": "gateway-load-balancer", "namespace": "gateway"},
	"spec": {"name": "llm-prod-gateway-alb", "description": "API load balancer", "vpcID": "vpc-0a1b2c3d4e5f60718", "ingressRules": rules},
}

world(protocol, from, to) := {"ipProtocol": protocol, "fromPort": from, "toPort": to, "ipRanges": [{"cidrIP": "0.0.0.0/0", "description": "clients"}]}

test_https_and_http_from_anywhere_pass if {
	count(open_security_group.deny) == 0 with input as group([world("tcp", 443, 443), world("tcp", 80, 80)])
}

test_private_ranges_and_group_references_pass if {
	rules := [
		{"ipProtocol": "tcp", "fromPort": 8000, "toPort": 8000, "ipRanges": [{"cidrIP": "10.30.0.0/16"}]},
		{"ipProtocol": "tcp", "fromPort": 6379, "toPort": 6379, "userIDGroupPairs": [{"groupRef": {"from": {"name": "gateway-pods"}}}]},
	]
	count(open_security_group.deny) == 0 with input as group(rules)
}

test_model_port_from_anywhere_is_denied if {
	findings := open_security_group.deny with input as group([world("tcp", 8000, 8000)])
	count(findings) == 1
	some f in findings
	f.policy == "AWS-004"
	f.kind == "SecurityGroup"
	contains(f.msg, "tcp ports 8000-8000 from 0.0.0.0/0")
}

test_a_range_that_includes_443_is_denied if {
	count(open_security_group.deny) == 1 with input as group([world("tcp", 0, 65535)])
}

test_all_traffic_from_anywhere_over_ipv6_is_denied if {
	rule := {"ipProtocol": "-1", "ipv6Ranges": [{"cidrIPv6": "::/0"}]}
	findings := open_security_group.deny with input as group([rule])
	count(findings) == 1
	some f in findings
	contains(f.msg, "all traffic from ::/0")
}

test_udp_443_from_anywhere_is_denied if {
	count(open_security_group.deny) == 1 with input as group([world("udp", 443, 443)])
}

test_egress_is_not_this_rule if {
	sg := json.patch(group([]), [{"op": "add", "path": "/spec/egressRules", "value": [world("tcp", 443, 443)]}])
	count(open_security_group.deny) == 0 with input as sg
}

test_other_kinds_are_ignored if {
	other := json.patch(group([world("tcp", 22, 22)]), [{"op": "replace", "path": "/kind", "value": "NetworkAcl"}])
	count(open_security_group.deny) == 0 with input as other
}
