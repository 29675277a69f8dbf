"""API-key authentication for the LiteLLM gateway, without a database.

The keys live in AWS Secrets Manager (copied into the pod by External Secrets Operator) as a JSON
list of {"alias", "sha256", "rpm_limit", "tpm_limit"}: only SHA-256 digests of the keys, never the
keys themselves. A request's bearer key is hashed and compared in constant time; a match returns
the key's identity with its rate limits, which LiteLLM enforces (shared across replicas through
Redis). Anything else is refused. The file is re-read when it changes, so a rotated secret takes
effect without a restart.

One credential per hop: in front of the gateway the load balancer verifies the caller's JWT in
`Authorization`. The gateway's own credential, the API key, then comes in the header named by
GATEWAY_API_KEY_HEADER (x-litellm-api-key), and only there: the bearer in `Authorization` is the
JWT, never taken for a key. Without GATEWAY_API_KEY_HEADER the key is LiteLLM's usual one.
"""

import hashlib
import hmac
import json
import os

from fastapi import Request
from litellm.proxy._types import UserAPIKeyAuth

KEYS_FILE = os.environ.get("GATEWAY_API_KEYS_FILE", "/etc/litellm/keys/api-keys.json")
KEY_HEADER = os.environ.get("GATEWAY_API_KEY_HEADER", "")

_cache = {"mtime": None, "keys": []}


def _keys():
    mtime = os.stat(KEYS_FILE).st_mtime
    if _cache["mtime"] != mtime:
        with open(KEYS_FILE, encoding="utf-8") as handle:
            entries = json.load(handle)
        _cache["keys"] = [
            {
                "alias": str(entry["alias"]),
                "sha256": str(entry["sha256"]).lower(),
                "rpm_limit": int(entry["rpm_limit"]),
                "tpm_limit": int(entry["tpm_limit"]),
            }
            for entry in entries
        ]
        _cache["mtime"] = mtime
    return _cache["keys"]


def _presented_key(request: Request, api_key: str) -> str:
    if not KEY_HEADER:
        return api_key
    value = request.headers.get(KEY_HEADER, "").strip()
    if value.lower().startswith("bearer "):
        value = value[len("bearer "):].strip()
    if not value:
        raise Exception(f"missing API key: send it in the {KEY_HEADER} header (Authorization carries the JWT)")
    return value


async def user_api_key_auth(request: Request, api_key: str) -> UserAPIKeyAuth:
    api_key = _presented_key(request, api_key)
    digest = hashlib.sha256(api_key.encode("utf-8")).hexdigest()
    for entry in _keys():
        if hmac.compare_digest(digest, entry["sha256"]):
            return UserAPIKeyAuth(
                api_key=api_key,
                key_alias=entry["alias"],
                rpm_limit=entry["rpm_limit"],
                tpm_limit=entry["tpm_limit"],
            )
    raise Exception("invalid API key")
