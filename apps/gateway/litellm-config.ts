import { GATEWAY_REQUEST_TIMEOUT_SECONDS } from '../../platform/spec/platform-spec.js';
import type { ModelSpec } from '../models/model-spec.js';

/** A model server the gateway routes to: clients ask for `servedModelName`. */
export interface GatewayRoute {
  readonly model: ModelSpec;
  /** In-cluster base URL of the model server's OpenAI-compatible API. */
  readonly apiBase: string;
}

/** Where the gateway finds its configuration and the API keys (mounted files). */
export const CONFIG_DIR = '/etc/litellm';
export const KEYS_DIR = '/etc/litellm/keys';
export const API_KEYS_FILE = `${KEYS_DIR}/api-keys.json`;

/**
 * LiteLLM's config.yaml for one environment: a route per model the environment runs (adding a
 * model to an environment adds its route), the Redis response cache with its TTL and the request
 * types it caches, Prometheus metrics, API keys checked by custom_auth.py, and Redis-shared rate
 * limits so that they hold across replicas. Hosts and credentials come from the environment
 * (os.environ/...), never from this file.
 */
export function litellmConfig(routes: readonly GatewayRoute[], cache: { ttlSeconds: number }): Record<string, unknown> {
  return {
    model_list: routes.map((route) => ({
      model_name: route.model.servedModelName,
      litellm_params: {
        // vLLM speaks the OpenAI API; the server needs no key inside the cluster.
        model: `openai/${route.model.servedModelName}`,
        api_base: route.apiBase,
        api_key: 'unused',
        timeout: GATEWAY_REQUEST_TIMEOUT_SECONDS,
        stream_timeout: GATEWAY_REQUEST_TIMEOUT_SECONDS,
      },
      model_info: { max_input_tokens: route.model.maxModelLen },
    })),
    litellm_settings: {
      drop_params: true,
      request_timeout: GATEWAY_REQUEST_TIMEOUT_SECONDS,
      callbacks: ['prometheus'],
      cache: true,
      cache_params: {
        type: 'redis',
        namespace: 'llm-gateway-cache',
        ttl: cache.ttlSeconds,
        // Completions only: identical prompts (with identical parameters) get the stored answer.
        supported_call_types: ['acompletion', 'atext_completion'],
      },
    },
    general_settings: {
      master_key: 'os.environ/LITELLM_MASTER_KEY',
      custom_auth: 'custom_auth.user_api_key_auth',
    },
    router_settings: {
      redis_host: 'os.environ/REDIS_HOST',
      redis_port: 'os.environ/REDIS_PORT',
      redis_password: 'os.environ/REDIS_PASSWORD',
    },
  };
}
