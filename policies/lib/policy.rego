# Findings and exceptions shared by every policy.
#
# A policy package computes `problems`: objects with `object` (the Kubernetes object, or the
# cluster configuration as a pseudo-object of kind ClusterConfig), `msg` (what is wrong and what to
# change) and, when one container is at fault, `container`. Its rules then read
#
#   deny contains f if { some f in policy.denied(problems, rego.metadata.chain()) }
#   warn contains w if { some w in policy.excepted_warnings(problems, rego.metadata.chain()) }
#
# so that every finding carries the policy's id, severity and title from its METADATA, and a
# finding that a reviewed, unexpired exception in data.exceptions matches is reported as a
# warning marked `excepted` instead of a failure. The runner uses those warnings to tell which
# exceptions are still needed.
package lib.policy

import data.lib.k8s

# The metadata of the policy being evaluated: the package-scoped METADATA block of its file.
metadata(chain) := [entry.annotations | some entry in chain; entry.annotations.custom.id][0]

denied(problems, chain) := {f |
	some problem in problems
	f := finding(metadata(chain), problem)
	not excepted(f)
}

excepted_warnings(problems, chain) := {w |
	some problem in problems
	f := finding(metadata(chain), problem)
	excepted(f)
	w := object.union(f, {"excepted": true})
}

finding(meta, problem) := object.union(base_finding(meta, problem), container_part(problem))

base_finding(meta, problem) := {
	"msg": sprintf("%s: %s", [k8s.ref(problem.object), problem.msg]),
	"policy": meta.custom.id,
	"severity": meta.custom.severity,
	"title": meta.title,
	"kind": problem.object.kind,
	"namespace": k8s.namespace(problem.object),
	"name": k8s.name(problem.object),
}

container_part(problem) := {"container": problem.container} if problem.container

container_part(problem) := {} if not problem.container

# The environment being checked, passed by the runner as data.llm.environment.
default environment := ""

environment := data.llm.environment

default production_environments := ["prod"]

production_environments := data.environments.production

is_production if environment in production_environments

# A cluster configuration (clusters/<env>/cluster.yaml) as an object findings can name.
config_object(config) := {"kind": "ClusterConfig", "metadata": {"name": config.name}}

is_config(doc) if {
	is_object(doc)
	is_string(doc.name)
	is_object(doc.aws)
	is_object(doc.models)
	not doc.kind
}

# An exception matches one finding: same policy, environment, kind, namespace ("" or absent for
# cluster-scoped objects) and name, and the same container when the exception names one (then only
# that container is excepted).
matches(exception, found) if {
	exception.policy == found.policy
	exception.env == environment
	exception.kind == found.kind
	object.get(exception, "namespace", "") == found.namespace
	exception.name == found.name
	container_matches(exception, found)
}

container_matches(exception, _) if not exception.container

container_matches(exception, found) if exception.container == found.container

# Unexpired at `now_ns`: an exception holds until the end of its `expires` day (UTC).
unexpired(exception, now_ns) if time.parse_rfc3339_ns(sprintf("%sT23:59:59Z", [substring(exception.expires, 0, 10)])) >= now_ns

default exceptions := []

exceptions := data.exceptions

excepted(found) if {
	some exception in exceptions
	unexpired(exception, time.now_ns())
	matches(exception, found)
}
