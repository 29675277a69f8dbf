package aws.iam_least_privilege_test

import data.aws.iam_least_privilege

s3_read := json.marshal({
	"Version": "2012-10-17",
	"Statement": [
		{"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": "arn:aws:s3:::weights/meta-llama/*"},
		{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::weights"},
		{"Effect": "Allow", "Action": ["ec2:Describe*"], "Resource": "*"},
	],
})

trust := json.marshal({
	"Version": "2012-10-17",
	"Statement": [{"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"}, "Action": ["sts:AssumeRole", "sts:TagSession"]}],
})

role(inline) := {
	"apiVersion": "iam.services.k8s.aws/v1alpha1",
	"kind": "Role",
	"metadata": {"name": "llm-prod-demo", "namespace": "ack-system"},
	"spec": {"name": "llm-prod-demo", "assumeRolePolicyDocument": trust, "inlinePolicies": {"weights": inline}},
}

policy_object(document) := {
	"apiVersion": "iam.services.k8s.aws/v1alpha1",
	"kind": "Policy",
	"metadata": {"name": "demo", "namespace": "ack-system"},
	"spec": {"name": "demo", "policyDocument": document},
}

statement(s) := json.marshal({"Version": "2012-10-17", "Statement": s})

test_scoped_role_passes if {
	count(iam_least_privilege.deny) == 0 with input as role(s3_read)
}

test_star_action_is_denied if {
	findings := iam_least_privilege.deny with input as policy_object(statement([{"Effect": "Allow", "Action": "*", "Resource": "arn:aws:s3:::weights"}]))
	count(findings) == 1
	some f in findings
	f.policy == "AWS-001"
	f.kind == "Policy"
	contains(f.msg, "wildcard action \"*\"")
}

test_service_wildcard_is_denied if {
	findings := iam_least_privilege.deny with input as role(statement({"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::weights/*"}))
	count(findings) == 1
	some f in findings
	contains(f.msg, "spec.inlinePolicies.weights")
	contains(f.msg, "s3:*")
}

test_write_on_any_resource_is_denied if {
	findings := iam_least_privilege.deny with input as role(statement([{"Effect": "Allow", "Action": ["ec2:DescribeInstances", "s3:PutObject"], "Resource": "*"}]))
	count(findings) == 1
	some f in findings
	contains(f.msg, "allows s3:PutObject on Resource")
	not contains(f.msg, "ec2:DescribeInstances")
}

test_data_reads_on_any_resource_are_denied if {
	findings := iam_least_privilege.deny with input as role(statement([{"Effect": "Allow", "Action": ["secretsmanager:GetSecretValue", "cloudwatch:GetMetricData"], "Resource": "*"}]))
	count(findings) == 1
	some f in findings
	contains(f.msg, "allows secretsmanager:GetSecretValue on Resource")
	not contains(f.msg, "cloudwatch:GetMetricData")
}

test_not_resource_is_denied if {
	findings := iam_least_privilege.deny with input as role(statement([{"Effect": "Allow", "Action": "s3:GetObject", "NotResource": "arn:aws:s3:::private/*"}]))
	count(findings) == 1
	some f in findings
	contains(f.msg, "NotResource")
}

test_write_on_any_resource_with_condition_passes if {
	document := statement([{"Effect": "Allow", "Action": "ec2:CreateTags", "Resource": "*", "Condition": {"StringEquals": {"ec2:CreateAction": "RunInstances"}}}])
	count(iam_least_privilege.deny) == 0 with input as role(document)
}

test_deny_statements_are_not_grants if {
	count(iam_least_privilege.deny) == 0 with input as role(statement([{"Effect": "Deny", "Action": "*", "Resource": "*"}]))
}

test_not_action_is_denied if {
	findings := iam_least_privilege.deny with input as role(statement([{"Effect": "Allow", "NotAction": "iam:*", "Resource": "arn:aws:s3:::weights"}]))
	count(findings) == 1
	some f in findings
	contains(f.msg, "NotAction")
}

test_invalid_json_is_denied if {
	findings := iam_least_privilege.deny with input as policy_object("{not json")
	count(findings) == 1
	some f in findings
	contains(f.msg, "not valid JSON")
}

test_admin_managed_policy_is_denied if {
	obj := json.patch(role(s3_read), [{"op": "add", "path": "/spec/policies", "value": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"]}])
	findings := iam_least_privilege.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "AmazonS3FullAccess")
}

test_trusting_anyone_is_denied if {
	open_trust := json.marshal({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}]})
	obj := json.patch(role(s3_read), [{"op": "replace", "path": "/spec/assumeRolePolicyDocument", "value": open_trust}])
	findings := iam_least_privilege.deny with input as obj
	count(findings) == 1
	some f in findings
	contains(f.msg, "trusts any principal")
}

test_pod_identity_session_policy_is_checked if {
	association := {
		"apiVersion": "eks.services.k8s.aws/v1alpha1",
		"kind": "PodIdentityAssociation",
		"metadata": {"name": "demo", "namespace": "llm-demo"},
		"spec": {"clusterName": "llm-prod", "namespace": "llm-demo", "serviceAccount": "demo", "roleARN": "arn:aws:iam::111122223333:role/x", "policy": statement({"Effect": "Allow", "Action": "*", "Resource": "*"})},
	}
	findings := iam_least_privilege.deny with input as association
	count(findings) == 2
}
