"""ops: /healthz answers anyone (a load balancer has no account); the test world has no heartbeat yet, so the
full check answers 503 (the web scope, database and broker, is tested in tests/ops)."""

from ..rules import route

route("healthz", get=503, post=405)
