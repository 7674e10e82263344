"""The proxy's fault configuration (``--config`` JSON, or ``POST /_proxy/config`` at run time), validated.

::

    {"seed": 7,
     "faults": {"UploadPart": {"rate": 0.1, "kinds": ["500", "503", "drop"], "burst": 1},
                "CompleteMultipartUpload": {"rate": 0.1, "kinds": ["500", "drop_after"], "spacing": "even"},
                "PutObject": {"rate": 0.05, "kinds": ["503", "drop", "drop_after"]}},
     "sticky": [{"op": "PutObject", "key_contains": "<zoom file id>", "kind": "503", "count": 6}]}

``faults`` maps an operation (see ``operations.classify``) to a :class:`FaultRule`; ``sticky`` rules
(:class:`StickyRule`) fail the first ``count`` requests of one operation whose key contains ``key_contains``
(one file that keeps failing, e.g. longer than all of a task's retries), before any rate applies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: What the client sees: ``500 InternalError`` / ``503 SlowDown`` (never forwarded), ``drop`` (the connection
#: closes without a response, never forwarded), ``drop_after`` (forwarded, then the response is lost).
FAULT_KINDS = ("500", "503", "drop", "drop_after")
SPACINGS = ("hash", "even")


def _check_keys(value: Any, allowed: set[str], where: str) -> None:
    unknown = set(value) - allowed
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")


@dataclass
class FaultRule:
    """Faults for one operation: ``rate`` of its requests get one of ``kinds``, ``burst`` times in a row.

    ``spacing`` ``hash`` (default): each request is faulted by a seeded hash of its identity and attempt;
    ``even``: exactly ``rate`` of the operation's requests, evenly spaced, with ``kinds`` in turn (a small sample
    still gets its share and every kind).
    """

    rate: float = 0.0
    kinds: list[str] = field(default_factory=lambda: ["500", "503"])
    burst: int = 1
    spacing: str = "hash"

    @classmethod
    def from_json(cls, op: str, value: Any) -> FaultRule:
        """The rule ``faults.<op>``; raises ``ValueError`` when it is malformed."""
        if not isinstance(value, dict):
            raise ValueError(f"faults.{op} must be an object")
        _check_keys(value, {"rate", "kinds", "burst", "spacing"}, f"faults.{op}")
        rule = cls(
            rate=float(value.get("rate", 0.0)),
            kinds=[str(k) for k in value.get("kinds", ["500", "503"])],
            burst=int(value.get("burst", 1)),
            spacing=str(value.get("spacing", "hash")),
        )
        if not 0.0 <= rule.rate <= 1.0:
            raise ValueError(f"faults.{op}.rate must be between 0 and 1")
        if not rule.kinds or any(k not in FAULT_KINDS for k in rule.kinds):
            raise ValueError(f"faults.{op}.kinds must be a non-empty subset of {list(FAULT_KINDS)}")
        if rule.burst < 1:
            raise ValueError(f"faults.{op}.burst must be >= 1")
        if rule.spacing not in SPACINGS:
            raise ValueError(f"faults.{op}.spacing must be hash or even")
        return rule

    def to_json(self) -> dict[str, Any]:
        return {"rate": self.rate, "kinds": list(self.kinds), "burst": self.burst, "spacing": self.spacing}


@dataclass
class StickyRule:
    """Fail the first ``count`` requests of ``op`` whose key contains ``key_contains`` with ``kind``."""

    op: str
    key_contains: str
    kind: str = "503"
    count: int = 1

    @classmethod
    def from_json(cls, value: Any) -> StickyRule:
        """One ``sticky`` entry; raises ``ValueError`` when it is malformed."""
        if not isinstance(value, dict) or not {"op", "key_contains"} <= set(value):
            raise ValueError("each sticky rule needs op and key_contains")
        _check_keys(value, {"op", "key_contains", "kind", "count"}, "sticky")
        rule = cls(
            str(value["op"]), str(value["key_contains"]), str(value.get("kind", "503")), int(value.get("count", 1))
        )
        if rule.kind not in FAULT_KINDS or rule.count < 1 or not rule.key_contains:
            raise ValueError(f"sticky: kind must be one of {list(FAULT_KINDS)}, count >= 1, key_contains set")
        return rule

    def to_json(self) -> dict[str, Any]:
        return {"op": self.op, "key_contains": self.key_contains, "kind": self.kind, "count": self.count}


@dataclass
class ProxyConfig:
    """The whole configuration: the ``seed`` of every decision, rate ``faults`` by operation, ``sticky`` rules."""

    seed: int | str = 0
    faults: dict[str, FaultRule] = field(default_factory=dict)
    sticky: list[StickyRule] = field(default_factory=list)

    @classmethod
    def from_json(cls, value: Any) -> ProxyConfig:
        """Parse and validate a configuration object; raises ``ValueError`` naming what is wrong."""
        if not isinstance(value, dict):
            raise ValueError("config must be a JSON object")
        unknown = set(value) - {"seed", "faults", "sticky"}
        if unknown:
            raise ValueError(f"unknown config keys {sorted(unknown)}")
        faults = value.get("faults", {})
        faults = {} if faults is None else faults
        if not isinstance(faults, dict):
            raise ValueError("faults must be an object of operation -> rule")
        sticky = value.get("sticky") or []
        if not isinstance(sticky, list):
            raise ValueError("sticky must be a list of rules")
        seed = value.get("seed", 0)
        return cls(
            seed=seed if isinstance(seed, int | str) else str(seed),
            faults={str(op): FaultRule.from_json(str(op), rule) for op, rule in faults.items()},
            sticky=[StickyRule.from_json(rule) for rule in sticky],
        )

    def to_json(self) -> dict[str, Any]:
        """The configuration as ``from_json`` accepts it (what ``GET /_proxy/config`` returns)."""
        return {
            "seed": self.seed,
            "faults": {op: rule.to_json() for op, rule in self.faults.items()},
            "sticky": [rule.to_json() for rule in self.sticky],
        }
