"""The control plane under ``/_proxy/`` (never forwarded; ``_proxy`` cannot be a bucket name), an httpbase app.

====  ======================  ===================================================================================
GET   /_proxy/health          ``{"ok": true}``
GET   /_proxy/stats           requests by operation, faults injected by ``operation:kind`` and by kind, upstream
                              statuses, the list of injected faults
POST  /_proxy/stats/reset     zeroes the counters
GET   /_proxy/config          the configuration
POST  /_proxy/config          replaces the ``seed``/``faults``/``sticky`` given in the body (400 when invalid)
====  ======================  ===================================================================================
"""

from __future__ import annotations

import copy
import json

from zoom_emulator.httpbase import Request, Response, json_response
from zoom_sandbox.s3_proxy.config import ProxyConfig
from zoom_sandbox.s3_proxy.faults import FaultPlan

PREFIX = "/_proxy/"
_OK = {"ok": True}


class ControlApp:
    """``app(Request) -> Response`` for the ``/_proxy/`` endpoints of one :class:`FaultPlan`."""

    def __init__(self, plan: FaultPlan) -> None:
        self.plan = plan

    def __call__(self, request: Request) -> Response:
        plan = self.plan
        route = (request.method, request.raw_path.removeprefix("/_proxy").rstrip("/"))
        if route == ("GET", "/stats"):
            return json_response(200, plan.snapshot())
        if route == ("GET", "/health"):
            return json_response(200, _OK)
        if route == ("GET", "/config"):
            return json_response(200, plan.config.to_json())
        if route == ("POST", "/stats/reset"):
            plan.reset()
            return json_response(200, _OK)
        if route == ("POST", "/config"):
            return self._configure(request.body)
        return json_response(404, {"error": "unknown control endpoint"})

    def _configure(self, body: bytes) -> Response:
        plan = self.plan
        try:
            update = json.loads(body or b"{}")
            merged = {**plan.config.to_json(), **(update if isinstance(update, dict) else {"?": update})}
            plan.configure(ProxyConfig.from_json(copy.deepcopy(merged)))
        except ValueError as exc:
            return json_response(400, {"error": str(exc)})
        return json_response(200, plan.config.to_json())
