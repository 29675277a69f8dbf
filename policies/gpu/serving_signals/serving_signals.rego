# METADATA
# title: Model servers scale on serving signals, by the metric names vLLM exports
# description: >-
#   No autoscaler trigger reads GPU utilisation (DCGM_FI_DEV_GPU_UTIL, or the SM and engine
#   activity profiles): with continuous batching one request keeps the GPU busy, so the metric
#   sits near 100% and the model stays at its maximum replicas whatever its traffic. Scale on
#   vLLM's waiting requests and KV-cache usage instead. And every vllm: metric a trigger reads is
#   one the pinned vLLM exports (policies/data/model-serving.yaml): a renamed metric returns no
#   data, and the autoscaler falls back instead of scaling.
# custom:
#   id: GPU-006
#   severity: high
#   kinds: [ScaledObject]
#   input: object
package gpu.serving_signals

import data.lib.k8s
import data.lib.policy

default exported := []

exported := data.model_serving.vllm_metrics

# DCGM fields that measure how busy the GPU is, not how much work waits.
busy_metrics := `DCGM_FI_(DEV_GPU_UTIL|PROF_GR_ENGINE_ACTIVE|PROF_SM_ACTIVE|PROF_SM_OCCUPANCY|PROF_PIPE_TENSOR_ACTIVE)`

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind == "ScaledObject"
	some trigger in prometheus_triggers
	some metric in regex.find_n(busy_metrics, trigger.metadata.query, -1)
	msg := sprintf("trigger %q scales on %s, which continuous batching keeps near 100%% under one request; scale on vllm:num_requests_waiting and vllm:kv_cache_usage_perc", [trigger_name(trigger), metric])
}

problems contains {"object": input, "msg": msg} if {
	k8s.is_object_input(input)
	input.kind == "ScaledObject"
	some trigger in prometheus_triggers
	some metric in regex.find_n(`vllm:[A-Za-z0-9_:]+`, trigger.metadata.query, -1)
	not family(metric) in exported
	msg := sprintf("trigger %q reads %s, which the pinned vLLM does not export (policies/data/model-serving.yaml lists what it does)", [trigger_name(trigger), metric])
}

prometheus_triggers contains trigger if {
	some trigger in object.get(input.spec, "triggers", [])
	trigger.type == "prometheus"
	is_string(object.get(trigger, ["metadata", "query"], null))
}

trigger_name(trigger) := object.get(trigger, "name", trigger.type)

# A metric's family: its name without a counter's or a histogram's series suffix.
family(metric) := trim_suffix(metric, suffix) if {
	some suffix in ["_total", "_bucket", "_sum", "_count"]
	endswith(metric, suffix)
	trim_suffix(metric, suffix) in exported
} else := metric

deny contains f if {
	some f in policy.denied(problems, rego.metadata.chain())
}

warn contains w if {
	some w in policy.excepted_warnings(problems, rego.metadata.chain())
}
