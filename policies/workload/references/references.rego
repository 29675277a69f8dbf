# METADATA
# title: ServiceAccounts, PersistentVolumeClaims and ConfigMaps that pods use exist
# description: >-
#   Over one environment: the ServiceAccount a pod runs as (other than default), the
#   PersistentVolumeClaims it mounts and the ConfigMaps it reads (volumes, projected volumes,
#   envFrom and env, unless marked optional) exist in its namespace. A missing one leaves the pod
#   Pending or in CreateContainerConfigError after the merge, on a GPU node that bills while
#   nothing runs. StatefulSet volumeClaimTemplates count as existing claims.
# custom:
#   id: CMB-004
#   severity: high
#   kinds: [Pod, Deployment, Rollout, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob, LeaderWorkerSet]
#   input: combined
package workload.references

import data.lib.k8s
import data.lib.policy

objects := k8s.combined_objects(input) if is_array(input)

workloads := [obj | some obj in objects; obj.kind in k8s.workload_kinds]

# ConfigMaps that Kubernetes publishes in every namespace.
builtin_config_maps := {"kube-root-ca.crt"}

problems contains {"object": workload, "msg": msg} if {
	some workload in workloads
	account := object.get(k8s.pod_spec(workload), "serviceAccountName", "default")
	account != "default"
	not exists("ServiceAccount", k8s.namespace(workload), account)
	msg := sprintf("runs as ServiceAccount %q, which does not exist in its namespace; add it", [account])
}

problems contains {"object": workload, "msg": msg} if {
	some workload in workloads
	some volume in object.get(k8s.pod_spec(workload), "volumes", [])
	claim := volume.persistentVolumeClaim.claimName
	not exists("PersistentVolumeClaim", k8s.namespace(workload), claim)
	not claim_template(workload, claim)
	msg := sprintf("mounts PersistentVolumeClaim %q, which does not exist in its namespace; add it", [claim])
}

problems contains {"object": workload, "msg": msg} if {
	some workload in workloads
	some config_map in config_maps(workload)
	not config_map in builtin_config_maps
	not exists("ConfigMap", k8s.namespace(workload), config_map)
	msg := sprintf("reads ConfigMap %q, which does not exist in its namespace; add it or mark the reference optional", [config_map])
}

exists(kind, namespace, name) if {
	some obj in objects
	obj.kind == kind
	k8s.namespace(obj) == namespace
	k8s.name(obj) == name
}

claim_template(workload, claim) if {
	workload.kind == "StatefulSet"
	some template in object.get(workload.spec, "volumeClaimTemplates", [])
	k8s.name(template) == claim
}

# Names of the ConfigMaps a workload's pods need (optional references excluded).
config_maps(workload) := ((volume_maps | projected_maps) | env_from_maps) | env_maps if {
	spec := k8s.pod_spec(workload)
	volume_maps := {volume.configMap.name |
		some volume in object.get(spec, "volumes", [])
		not volume.configMap.optional == true
	}
	projected_maps := {source.configMap.name |
		some volume in object.get(spec, "volumes", [])
		some source in object.get(volume, ["projected", "sources"], [])
		not source.configMap.optional == true
	}
	env_from_maps := {source.configMapRef.name |
		some container in k8s.all_containers(workload)
		some source in object.get(container, "envFrom", [])
		not source.configMapRef.optional == true
	}
	env_maps := {variable.valueFrom.configMapKeyRef.name |
		some container in k8s.all_containers(workload)
		some variable in object.get(container, "env", [])
		not variable.valueFrom.configMapKeyRef.optional == true
	}
}

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
