# METADATA
# title: IAM policies in ACK objects grant no wildcards
# description: >-
#   The IAM policy documents of ACK objects (Policy policyDocument, Role/User/Group
#   inlinePolicies, PodIdentityAssociation session policy) are JSON strings; each is parsed and
#   every Allow statement checked. No action is "*", a whole service ("s3:*") or a wildcard that
#   is not read-only (Describe*, Get*, List* are fine); no NotAction or NotResource; on Resource
#   "*" nothing but Describe*/List* and the metadata reads AWS only grants on "*" (CloudWatch
#   metrics, EC2, pricing), unless a Condition narrows it: s3:GetObject or
#   secretsmanager:GetSecretValue on "*" reads every bucket or secret of the account. Roles attach no AdministratorAccess, PowerUserAccess or
#   *FullAccess managed policy, and trust no "*" principal. A pod's role is the blast radius of
#   that pod's compromise.
# custom:
#   id: AWS-001
#   severity: critical
#   kinds: [Policy, Role, User, Group, PodIdentityAssociation]
#   input: object
package aws.iam_least_privilege

import data.lib.k8s
import data.lib.policy

iam_group := "iam.services.k8s.aws"

# The policy documents of the object: {field, text}.
documents contains {"field": "spec.policyDocument", "text": input.spec.policyDocument} if {
	is_kind(iam_group, "Policy")
}

documents contains {"field": sprintf("spec.inlinePolicies.%s", [key]), "text": text} if {
	some kind in ["Role", "User", "Group"]
	is_kind(iam_group, kind)
	some key, text in object.get(input.spec, "inlinePolicies", {})
}

documents contains {"field": "spec.policy", "text": input.spec.policy} if {
	is_kind("eks.services.k8s.aws", "PodIdentityAssociation")
}

is_kind(group, kind) if {
	k8s.is_object_input(input)
	k8s.group(input) == group
	input.kind == kind
}

problems contains {"object": input, "msg": msg} if {
	some document in documents
	not json.is_valid(document.text)
	msg := sprintf("%s is not valid JSON; write the policy document as a JSON string", [document.field])
}

problems contains {"object": input, "msg": msg} if {
	some document in documents
	some statement in allow_statements(document.text)
	some action in as_list(statement.Action)
	wildcard_action(action)
	msg := sprintf("%s allows the wildcard action %q; list the actions the workload calls", [document.field, action])
}

problems contains {"object": input, "msg": msg} if {
	some document in documents
	some statement in allow_statements(document.text)
	statement.NotAction
	msg := sprintf("%s allows NotAction, which grants every action but a few; list the actions instead", [document.field])
}

problems contains {"object": input, "msg": msg} if {
	some document in documents
	some statement in allow_statements(document.text)
	statement.NotResource
	msg := sprintf("%s allows NotResource, which grants every resource but a few; list the resources instead", [document.field])
}

problems contains {"object": input, "msg": msg} if {
	some document in documents
	some statement in allow_statements(document.text)
	"*" in as_list(statement.Resource)
	count(object.get(statement, "Condition", {})) == 0
	broad := [action | some action in as_list(statement.Action); not harmless_on_any_resource(action)]
	count(broad) > 0
	msg := sprintf("%s allows %s on Resource \"*\"; scope the resource to ARNs (or narrow it with a Condition)", [document.field, concat(", ", broad)])
}

problems contains {"object": input, "msg": msg} if {
	is_kind(iam_group, "Role")
	some arn in object.get(input.spec, "policies", [])
	broad_managed_policy(arn)
	msg := sprintf("attaches the managed policy %s; attach a policy that lists what the workload needs", [arn])
}

problems contains {"object": input, "msg": msg} if {
	is_kind(iam_group, "Role")
	some statement in allow_statements(input.spec.assumeRolePolicyDocument)
	any_principal(statement.Principal)
	msg := "trusts any principal (\"*\") in spec.assumeRolePolicyDocument; trust pods.eks.amazonaws.com (Pod Identity) or the cluster's OIDC provider"
}

allow_statements(text) := [statement |
	json.is_valid(text)
	some statement in as_list(json.unmarshal(text).Statement)
	statement.Effect == "Allow"
]

as_list(value) := value if is_array(value)

as_list(value) := [value] if not is_array(value)

read_only(action) if regex.match(`^[a-zA-Z0-9-]+:(Describe|Get|List)[A-Za-z0-9*]*$`, action)

# Reads of metadata, not data: fine on every resource (several of them exist only on "*").
harmless_on_any_resource(action) if regex.match(`^[a-zA-Z0-9-]+:(Describe|List)[A-Za-z0-9*]*$`, action)

harmless_on_any_resource(action) if regex.match(`^(cloudwatch|ec2|pricing|elasticloadbalancing|autoscaling|eks):Get[A-Za-z0-9*]*$`, action)

wildcard_action(action) if {
	contains(action, "*")
	not read_only(action)
}

broad_managed_policy(arn) if arn in {
	"arn:aws:iam::aws:policy/AdministratorAccess",
	"arn:aws:iam::aws:policy/PowerUserAccess",
	"arn:aws:iam::aws:policy/IAMFullAccess",
}

broad_managed_policy(arn) if {
	startswith(arn, "arn:aws:iam::aws:policy/")
	endswith(arn, "FullAccess")
}

any_principal("*") := true

any_principal(principal) if principal.AWS == "*"

any_principal(principal) if "*" in as_list(principal.AWS)

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
