# Helpers for reading Kubernetes objects: pod specs of every workload kind, containers, selectors,
# images and identities. No rules here, only functions and constants.
package lib.k8s

# Kinds whose objects carry a pod template (or are a pod).
workload_kinds := {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}

# Long-running workloads (they need probes and disruption planning), not batch.
serving_kinds := {"Deployment", "StatefulSet", "DaemonSet"}

# Kinds that are always namespaced (kinds we cannot classify are left alone).
namespaced_kinds := workload_kinds | {
	"Service", "ServiceAccount", "ConfigMap", "Secret", "PersistentVolumeClaim", "Ingress",
	"NetworkPolicy", "PodDisruptionBudget", "HorizontalPodAutoscaler", "Role", "RoleBinding",
	"ScaledObject", "ScaledJob", "TriggerAuthentication", "ServiceMonitor", "PodMonitor",
}

# True when the input is one Kubernetes object (the per-document pass), not the combined array
# of `conftest --combine` and not a kustomization or a cluster configuration.
is_object_input(obj) if {
	is_object(obj)
	is_string(obj.kind)
	is_string(obj.apiVersion)
	not startswith(obj.apiVersion, "kustomize.config.k8s.io/")
}

# The objects of a `conftest --combine` input: an array of {path, contents}, where contents is
# one document or, for a multi-document file, an array of them.
combined_objects(files) := [obj |
	some file in files
	some obj in documents(file.contents)
	is_object_input(obj)
]

documents(contents) := contents if is_array(contents)

documents(contents) := [contents] if is_object(contents)

pod_spec(obj) := obj.spec if obj.kind == "Pod"

pod_spec(obj) := obj.spec.template.spec if obj.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}

pod_spec(obj) := obj.spec.jobTemplate.spec.template.spec if obj.kind == "CronJob"

pod_metadata(obj) := object.get(obj, "metadata", {}) if obj.kind == "Pod"

pod_metadata(obj) := object.get(obj.spec.template, "metadata", {}) if obj.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"}

pod_metadata(obj) := object.get(obj.spec.jobTemplate.spec.template, "metadata", {}) if obj.kind == "CronJob"

pod_labels(obj) := object.get(pod_metadata(obj), "labels", {})

pod_annotations(obj) := object.get(pod_metadata(obj), "annotations", {})

containers(obj) := object.get(pod_spec(obj), "containers", [])

init_containers(obj) := object.get(pod_spec(obj), "initContainers", [])

all_containers(obj) := array.concat(containers(obj), init_containers(obj))

namespace(obj) := object.get(obj, ["metadata", "namespace"], "")

name(obj) := object.get(obj, ["metadata", "name"], "")

labels(obj) := object.get(obj, ["metadata", "labels"], {})

annotations(obj) := object.get(obj, ["metadata", "annotations"], {})

# "Deployment llm-x/x", or "Namespace llm-x" for cluster-scoped objects.
ref(obj) := sprintf("%s %s/%s", [obj.kind, namespace(obj), name(obj)]) if namespace(obj) != ""

ref(obj) := sprintf("%s %s", [obj.kind, name(obj)]) if namespace(obj) == ""

# API group of an object ("" for the core group).
group(obj) := split(obj.apiVersion, "/")[0] if contains(obj.apiVersion, "/")

group(obj) := "" if not contains(obj.apiVersion, "/")

# An object's identity: two objects with the same one overwrite each other when applied.
identity(obj) := sprintf("%s/%s %s/%s", [group(obj), obj.kind, namespace(obj), name(obj)])

# GPUs a container asks for (limits, else requests), 0 when none.
gpu_count(container) := to_number(container.resources.limits["nvidia.com/gpu"])

gpu_count(container) := to_number(container.resources.requests["nvidia.com/gpu"]) if not container.resources.limits["nvidia.com/gpu"]

gpu_count(container) := 0 if {
	not container.resources.limits["nvidia.com/gpu"]
	not container.resources.requests["nvidia.com/gpu"]
}

# GPUs a pod asks for, summed over its containers.
pod_gpus(obj) := sum([gpu_count(c) | some c in containers(obj)])

is_model_server(obj) if pod_labels(obj)["app.kubernetes.io/component"] == "model-server"

is_model_server(obj) if labels(obj)["app.kubernetes.io/component"] == "model-server"

# A label selector ({matchLabels, matchExpressions}) selects a set of labels. An empty selector
# selects everything, as in Kubernetes.
selector_matches(selector, pod_labels_) if {
	every key, value in object.get(selector, "matchLabels", {}) {
		pod_labels_[key] == value
	}
	every expression in object.get(selector, "matchExpressions", []) {
		expression_matches(expression, pod_labels_)
	}
}

expression_matches(expression, pod_labels_) if {
	expression.operator == "In"
	pod_labels_[expression.key] in expression.values
}

expression_matches(expression, pod_labels_) if {
	expression.operator == "NotIn"
	not pod_labels_[expression.key] in expression.values
}

expression_matches(expression, pod_labels_) if {
	expression.operator == "Exists"
	pod_labels_[expression.key]
}

expression_matches(expression, pod_labels_) if {
	expression.operator == "DoesNotExist"
	not pod_labels_[expression.key]
}

# A Service's selector (a plain map) selects a set of labels; an empty one selects nothing.
map_selector_matches(selector, pod_labels_) if {
	count(selector) > 0
	every key, value in selector {
		pod_labels_[key] == value
	}
}

# An image reference with the registry spelled out: "nginx" is "docker.io/library/nginx".
full_image(image) := image if {
	contains(image, "/")
	registry_like(split(image, "/")[0])
}

full_image(image) := sprintf("docker.io/%s", [image]) if {
	contains(image, "/")
	not registry_like(split(image, "/")[0])
}

full_image(image) := sprintf("docker.io/library/%s", [image]) if not contains(image, "/")

registry_like(segment) if contains(segment, ".")

registry_like(segment) if contains(segment, ":")

registry_like("localhost") := true

# The pod's effective security setting: the container's, else the pod's.
effective_security(_, container, field) := container.securityContext[field]

effective_security(obj, container, field) := pod_spec(obj).securityContext[field] if {
	not has_key(object.get(container, "securityContext", {}), field)
}

has_key(obj, key) if {
	_ = obj[key]
}

# Autoscalers (KEDA ScaledObjects and HPAs) and what they scale.
autoscaler_kinds := {"ScaledObject", "HorizontalPodAutoscaler"}

scale_target_kind(scaler) := object.get(scaler.spec.scaleTargetRef, "kind", "Deployment") if scaler.kind == "ScaledObject"

scale_target_kind(scaler) := scaler.spec.scaleTargetRef.kind if scaler.kind == "HorizontalPodAutoscaler"

# The fewest replicas an autoscaler keeps (KEDA's default is 0, the HPA's 1).
autoscaler_min(scaler) := object.get(scaler.spec, "minReplicaCount", 0) if scaler.kind == "ScaledObject"

autoscaler_min(scaler) := object.get(scaler.spec, "minReplicas", 1) if scaler.kind == "HorizontalPodAutoscaler"

# The most replicas an autoscaler may set (KEDA's default is 100).
autoscaler_max(scaler) := object.get(scaler.spec, "maxReplicaCount", 100) if scaler.kind == "ScaledObject"

autoscaler_max(scaler) := scaler.spec.maxReplicas if scaler.kind == "HorizontalPodAutoscaler"

scales(scaler, workload) if {
	scaler.kind in autoscaler_kinds
	namespace(scaler) == namespace(workload)
	scale_target_kind(scaler) == workload.kind
	scaler.spec.scaleTargetRef.name == name(workload)
}
