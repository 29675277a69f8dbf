# Helpers for reading Kubernetes objects: pod specs of every workload kind, containers, selectors,
# images and identities. No rules here, only functions and constants.
package lib.k8s

# Kinds whose objects carry a pod template (or are a pod). A LeaderWorkerSet
# (leaderworkerset.x-k8s.io/v1, sigs.k8s.io/lws v0.9.0) carries two: a leader's and a worker's.
# An Argo Rollout (argoproj.io/v1alpha1) carries one in spec.template, as a Deployment does.
workload_kinds := {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob", "LeaderWorkerSet", "Rollout"}

# Long-running workloads (they need probes and disruption planning), not batch.
serving_kinds := {"Deployment", "StatefulSet", "DaemonSet", "LeaderWorkerSet", "Rollout"}

# Workloads whose replicas are set in spec.replicas (or by an autoscaler). A LeaderWorkerSet's
# replicas are groups of leaderWorkerTemplate.size pods each.
replicated_kinds := {"Deployment", "StatefulSet", "LeaderWorkerSet", "Rollout"}

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

# The pod spec of a workload. For a LeaderWorkerSet it is the worker template's: its pod-level
# fields (everything but containers and initContainers) must equal the leader's (WL-010), so the
# rules that read them read both. containers() and init_containers() return both templates'.
pod_spec(obj) := obj.spec if obj.kind == "Pod"

pod_spec(obj) := obj.spec.template.spec if obj.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Rollout"}

pod_spec(obj) := obj.spec.jobTemplate.spec.template.spec if obj.kind == "CronJob"

pod_spec(obj) := lws_worker_template(obj).spec if obj.kind == "LeaderWorkerSet"

pod_metadata(obj) := object.get(obj, "metadata", {}) if obj.kind == "Pod"

pod_metadata(obj) := object.get(obj.spec.template, "metadata", {}) if obj.kind in {"Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "Rollout"}

pod_metadata(obj) := object.get(obj.spec.jobTemplate.spec.template, "metadata", {}) if obj.kind == "CronJob"

pod_metadata(obj) := object.get(lws_worker_template(obj), "metadata", {}) if obj.kind == "LeaderWorkerSet"

pod_labels(obj) := object.get(pod_metadata(obj), "labels", {})

pod_annotations(obj) := object.get(pod_metadata(obj), "annotations", {})

# The pod templates of a workload ({metadata, spec}): one, or a LeaderWorkerSet's leader's and
# worker's (the leader's first).
pod_templates(obj) := [{"metadata": pod_metadata(obj), "spec": pod_spec(obj)}] if obj.kind != "LeaderWorkerSet"

pod_templates(obj) := [lws_leader_template(obj), lws_worker_template(obj)] if obj.kind == "LeaderWorkerSet"

# Every container of the workload's pods: for a LeaderWorkerSet the leader's, then the worker's
# (containers of the same name appear once per template).
containers(obj) := object.get(pod_spec(obj), "containers", []) if obj.kind != "LeaderWorkerSet"

containers(obj) := array.concat(lws_leader_containers(obj), lws_worker_containers(obj)) if obj.kind == "LeaderWorkerSet"

init_containers(obj) := object.get(pod_spec(obj), "initContainers", []) if obj.kind != "LeaderWorkerSet"

init_containers(obj) := array.concat(
	object.get(lws_leader_template(obj), ["spec", "initContainers"], []),
	object.get(lws_worker_template(obj), ["spec", "initContainers"], []),
) if obj.kind == "LeaderWorkerSet"

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

# GPUs a pod asks for, summed over its containers (for a LeaderWorkerSet, the larger of its
# leader's and its worker's pods).
pod_gpus(obj) := max([sum([gpu_count(c) | some c in object.get(template, ["spec", "containers"], [])]) |
	some template in pod_templates(obj)
])

# LeaderWorkerSets (sigs.k8s.io/lws v0.9.0). leaderTemplate is optional: without it the leader
# runs the worker template.
lws_worker_template(obj) := object.get(obj, ["spec", "leaderWorkerTemplate", "workerTemplate"], {})

lws_leader_template(obj) := object.get(obj, ["spec", "leaderWorkerTemplate", "leaderTemplate"], lws_worker_template(obj))

lws_leader_containers(obj) := object.get(lws_leader_template(obj), ["spec", "containers"], [])

lws_worker_containers(obj) := object.get(lws_worker_template(obj), ["spec", "containers"], [])

# Pods per group (the leader included); LWS defaults it to 1.
lws_size(obj) := object.get(obj, ["spec", "leaderWorkerTemplate", "size"], 1)

# A container only the workers of a LeaderWorkerSet run: they serve no traffic (the leader does,
# and LWS recreates the whole group when any of its containers exits).
is_lws_worker_container(obj, container) if {
	obj.kind == "LeaderWorkerSet"
	container in lws_worker_containers(obj)
	not container in lws_leader_containers(obj)
}

# The labels the LWS controller adds to the pods it creates, besides the template's (the group
# index and group key vary by group and are left out).
lws_name_label := "leaderworkerset.sigs.k8s.io/name"

lws_worker_index_label := "leaderworkerset.sigs.k8s.io/worker-index"

lws_group_key_label := "leaderworkerset.sigs.k8s.io/group-key"

# Label sets of the pods a workload creates: one, or a LeaderWorkerSet's leader's (worker index
# "0") and, for groups of more than one pod, a worker's (index "1" stands for them all).
pod_label_sets(obj) := [pod_labels(obj)] if obj.kind != "LeaderWorkerSet"

pod_label_sets(obj) := [lws_leader_labels(obj)] if {
	obj.kind == "LeaderWorkerSet"
	lws_size(obj) <= 1
}

pod_label_sets(obj) := [lws_leader_labels(obj), lws_worker_labels(obj)] if {
	obj.kind == "LeaderWorkerSet"
	lws_size(obj) > 1
}

# The labels of the pods that serve the workload's traffic: a LeaderWorkerSet's leaders.
serving_pod_labels(obj) := pod_labels(obj) if not obj.kind in {"LeaderWorkerSet", "Rollout"}

# A Rollout's stable pods: Argo Rollouts adds the labels of canary.stableMetadata to each.
serving_pod_labels(obj) := object.union(pod_labels(obj), rollout_track_labels(obj, "stable")) if obj.kind == "Rollout"

serving_pod_labels(obj) := lws_leader_labels(obj) if obj.kind == "LeaderWorkerSet"

# The labels Argo Rollouts' ephemeral metadata adds to a track's pods ("stable" or "canary").
rollout_track_labels(obj, track) := object.get(obj, ["spec", "strategy", "canary", sprintf("%sMetadata", [track]), "labels"], {})

# The containers that serve it: a LeaderWorkerSet's leader's.
serving_containers(obj) := containers(obj) if obj.kind != "LeaderWorkerSet"

serving_containers(obj) := lws_leader_containers(obj) if obj.kind == "LeaderWorkerSet"

lws_leader_labels(obj) := object.union(
	object.get(lws_leader_template(obj), ["metadata", "labels"], {}),
	{lws_name_label: name(obj), lws_worker_index_label: "0"},
)

lws_worker_labels(obj) := object.union(
	object.get(lws_worker_template(obj), ["metadata", "labels"], {}),
	{lws_name_label: name(obj), lws_worker_index_label: "1"},
)

is_model_server(obj) if pod_labels(obj)["app.kubernetes.io/component"] == "model-server"

is_model_server(obj) if labels(obj)["app.kubernetes.io/component"] == "model-server"

# A warm-capacity placeholder (cluster.yaml gpu.warmNodes): a Deployment whose pods hold a node's
# GPUs doing nothing, so that the node is up and its images pulled, until any workload preempts
# them. It is told from data (policies/data/gpu.yaml, gpu_placeholders), never from a label, and
# every condition must hold, so that a real workload cannot become one by accident:
#   - its kind is Deployment;
#   - its pod template's priorityClassName is one of gpu_placeholders.priority_classes;
#   - it has at least one container and no init containers (they could do real work);
#   - every container's command is exactly one of gpu_placeholders.commands (["sleep", "infinity"]),
#     with no args (they would be appended to it), no ports (it serves nothing) and no lifecycle
#     hooks (a postStart could do real work).
# A model server always runs its engine (vllm serve, or the image's entrypoint with args) and
# listens on a port, so it fails at least three of these. GPU-007 holds placeholders to yielding.
default placeholder_priority_classes := []

placeholder_priority_classes := data.gpu_placeholders.priority_classes

default placeholder_commands := []

placeholder_commands := data.gpu_placeholders.commands

is_placeholder(obj) if {
	obj.kind == "Deployment"
	object.get(pod_spec(obj), "priorityClassName", "") in placeholder_priority_classes
	count(object.get(pod_spec(obj), "initContainers", [])) == 0
	count(containers(obj)) > 0
	every container in containers(obj) {
		does_nothing(container)
	}
}

does_nothing(container) if {
	object.get(container, "command", []) in placeholder_commands
	count(object.get(container, "args", [])) == 0
	count(object.get(container, "ports", [])) == 0
	not has_key(container, "lifecycle")
}

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

# The API group of an autoscaler's target: KEDA defaults scaleTargetRef.apiVersion to apps/v1, so
# a LeaderWorkerSet target must name leaderworkerset.x-k8s.io/v1. An HPA without an apiVersion
# is not judged on it.
scale_target_group(scaler) := group({"apiVersion": object.get(scaler.spec.scaleTargetRef, "apiVersion", "apps/v1")}) if scaler.kind == "ScaledObject"

scale_target_group(scaler) := group({"apiVersion": scaler.spec.scaleTargetRef.apiVersion}) if {
	scaler.kind == "HorizontalPodAutoscaler"
	scaler.spec.scaleTargetRef.apiVersion
}

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
	target_group_matches(scaler, workload)
}

target_group_matches(scaler, workload) if scale_target_group(scaler) == group(workload)

target_group_matches(scaler, _) if {
	scaler.kind == "HorizontalPodAutoscaler"
	not scaler.spec.scaleTargetRef.apiVersion
}
