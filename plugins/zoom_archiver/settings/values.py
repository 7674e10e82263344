"""How a setting's value is read and checked: a Variable with its default, numbers within bounds, booleans.

Every check fails with a :class:`~zoom_archiver.errors.ConfigurationError` naming the Variable (or environment
variable) and the value.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from zoom_archiver.errors import ConfigurationError

_MISSING = object()

VariableGetter = Callable[..., Any]
VariableReader = Callable[..., Any]  # (name, default=None) -> value


def variable_reader(get: VariableGetter | None) -> VariableReader:
    """A reader of Variables over ``get`` (``Variable.get`` when ``None``): unset, null or empty is the default."""
    if get is None:
        from airflow.sdk import Variable

        get = Variable.get

    def var(name: str, default: Any = None) -> Any:
        value = get(name, default=_MISSING)
        return default if value is _MISSING or value in (None, "") else value

    return var


def integer(value: Any, name: str, low: int, high: int) -> int:
    """The Variable ``name``'s ``value`` as an integer from ``low`` to ``high``."""
    return int(bounded(int, value, f"Variable {name}", low, high))


def bounded(kind: Callable[[str], float], value: Any, what: str, low: float, high: float) -> float:
    """``value`` read as ``kind`` (``int`` or ``float``), from ``low`` to ``high``; ``what`` names it in the error."""
    try:
        number = kind(str(value).strip())
    except ValueError:
        noun = "an integer" if kind is int else "a number"
        raise ConfigurationError(f"{what} must be {noun}, got {value!r}") from None
    if not low <= number <= high:
        raise ConfigurationError(f"{what} must be between {low:g} and {high:g}, got {number:g}")
    return number


def boolean(value: Any, name: str) -> bool:
    """The Variable ``name``'s ``value`` as true or false (``true``/``1``/``yes``/``on`` and their opposites)."""
    text = str(value).strip().lower()
    if text in ("true", "1", "yes", "on"):
        return True
    if text in ("false", "0", "no", "off", ""):
        return False
    raise ConfigurationError(f"Variable {name} must be true or false, got {value!r}")
