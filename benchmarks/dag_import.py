"""DAG import: the DAG file's import time next to an empty DAG's, and the network calls made while importing.

Both files are imported with ``importlib`` (fresh module names, as Airflow's DAG processor does) by the same
interpreter binary in the same run, after ``import airflow.sdk``:

* *cold* — the first import in a fresh process (what a DAG-processor parse pays, the package's modules included);
  one process per measurement, empty and ours alternating, median;
* *warm* — repeated imports in one process (our package already imported), alternating, median.

Network calls are counted by patching ``socket.socket.connect``/``connect_ex`` and ``socket.getaddrinfo``.
Child: ``python -m benchmarks.dag_import SPEC_JSON``.
"""

from __future__ import annotations

import importlib.util
import itertools
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from benchmarks.dag_import_files import dag_files

_names = itertools.count()


class NetworkCounter:
    """Counts socket connects and DNS lookups while active."""

    def __init__(self) -> None:
        import socket

        self.socket = socket
        self.count = 0
        self.active = False
        self._connect = socket.socket.connect
        self._connect_ex = socket.socket.connect_ex
        self._getaddrinfo = socket.getaddrinfo
        counter = self

        def connect(sock: Any, *args: Any, **kwargs: Any) -> Any:
            counter.count += counter.active
            return counter._connect(sock, *args, **kwargs)

        def connect_ex(sock: Any, *args: Any, **kwargs: Any) -> Any:
            counter.count += counter.active
            return counter._connect_ex(sock, *args, **kwargs)

        def getaddrinfo(*args: Any, **kwargs: Any) -> Any:
            counter.count += counter.active
            return counter._getaddrinfo(*args, **kwargs)

        socket.socket.connect = connect  # type: ignore[method-assign]
        socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
        socket.getaddrinfo = getaddrinfo


def import_file(path: Path, counter: NetworkCounter) -> float:
    """Import ``path`` under a fresh module name; return the seconds it took."""
    name = f"bench_dag_{path.stem}_{next(_names)}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    counter.active = True
    started = time.perf_counter()
    try:
        spec.loader.exec_module(module)
    finally:
        elapsed = time.perf_counter() - started
        counter.active = False
    return elapsed


def child_main(argv: list[str]) -> int:
    spec = json.loads(argv[0])
    counter = NetworkCounter()
    started = time.perf_counter()
    import airflow.sdk  # noqa: F401 - the baseline every DAG file pays anyway

    sdk_seconds = time.perf_counter() - started
    files = {k: Path(v) for k, v in spec["files"].items()}
    out: dict[str, Any] = {"sdk_import_seconds": sdk_seconds}
    if spec["mode"] == "cold":
        (label, path), = files.items()  # fmt: skip
        out[label] = import_file(path, counter)
        out["network_calls"] = counter.count
    else:
        times: dict[str, list[float]] = {k: [] for k in files}
        calls = 0
        for i in range(spec["repeats"]):
            order = list(files) if i % 2 == 0 else list(reversed(list(files)))
            for label in order:
                before = counter.count
                times[label].append(import_file(files[label], counter))
                if label == "dag":
                    calls += counter.count - before
        out.update({k: v for k, v in times.items()}, network_calls=calls)
    print(json.dumps(out), flush=True)
    return 0


def run_dag_import(workdir: Path, *, cold_pairs: int, warm_repeats: int) -> dict[str, Any]:
    """Measure both DAG files cold (one process each, alternating) and warm (one process, alternating)."""
    from benchmarks.measure import child_env

    paths = dag_files(workdir)
    env = child_env({"PYTHONDONTWRITEBYTECODE": "1"}, workdir / "home")
    errors: list[str] = []
    cold, sdk, network = _cold(paths, env, cold_pairs, errors)
    warm = _warm(paths, env, warm_repeats, errors)
    network += warm.get("network_calls", 0)
    return _figures(cold, warm, sdk, network, errors)


def _cold(
    paths: dict[str, str], env: dict[str, str], cold_pairs: int, errors: list[str]
) -> tuple[dict[str, list[float]], list[float], int]:
    """Seconds per label of first imports (one process each), ``import airflow.sdk`` seconds, our network calls."""
    from benchmarks.measure import run_child

    cold: dict[str, list[float]] = {label: [] for label in paths}
    sdk: list[float] = []
    network = 0
    for i in range(cold_pairs):
        labels = list(paths)
        for label in labels if i % 2 == 0 else reversed(labels):
            spec = {"mode": "cold", "files": {label: paths[label]}}
            child = run_child(["-m", "benchmarks.dag_import", json.dumps(spec)], env=env, timeout=600)
            if label not in child.payload:
                errors.append(child.stderr_tail[-300:])
                continue
            cold[label].append(child.payload[label])
            sdk.append(child.payload["sdk_import_seconds"])
            network += child.payload["network_calls"] if label == "dag" else 0
    return cold, sdk, network


def _warm(paths: dict[str, str], env: dict[str, str], warm_repeats: int, errors: list[str]) -> dict[str, Any]:
    """The warm child's payload: seconds per label of repeated imports in one process, and our network calls."""
    from benchmarks.measure import run_child

    spec = {"mode": "warm", "files": paths, "repeats": warm_repeats}
    warm_child = run_child(["-m", "benchmarks.dag_import", json.dumps(spec)], env=env, timeout=600)
    warm = warm_child.payload
    if "dag" not in warm:
        errors.append(warm_child.stderr_tail[-300:])
    return warm


def _figures(
    cold: dict[str, list[float]], warm: dict[str, Any], sdk: list[float], network: int, errors: list[str]
) -> dict[str, Any]:
    """The section's figures in ms, and each kind's import time added over the empty DAG (``*_delta_ms``)."""

    def med(values: list[float] | None) -> float | None:
        return statistics.median(values) * 1000 if values else None

    def best(values: list[float] | None) -> float | None:
        return min(values) * 1000 if values else None

    result: dict[str, Any] = {
        # cold: each parse is one fresh process, so a busy neighbour hits them one by one; the best of them is the
        # parse's own cost (the median is reported too)
        "cold_empty_ms": best(cold["empty"]), "cold_dag_ms": best(cold["dag"]),
        "cold_shape_ms": best(cold.get("shape")),
        "cold_median_empty_ms": med(cold["empty"]), "cold_median_dag_ms": med(cold["dag"]),
        "cold_median_shape_ms": med(cold.get("shape")),
        # the first import of each in the warm process is a cold one: leave it out of the warm median
        "warm_empty_ms": med(warm.get("empty", [])[1:]), "warm_dag_ms": med(warm.get("dag", [])[1:]),
        "warm_shape_ms": med(warm.get("shape", [])[1:]),
        "sdk_ms": med(sdk), "cold_runs": len(cold["dag"]), "warm_runs": max(0, len(warm.get("dag", [])) - 1),
        "network_calls": network, "errors": errors,
    }  # fmt: skip
    for kind in ("cold", "cold_median", "warm"):
        dag, base = result[f"{kind}_dag_ms"], result[f"{kind}_empty_ms"]
        result[f"{kind}_delta_ms"] = dag - base if dag is not None and base is not None else None
    return result


def markdown(result: dict[str, Any]) -> str:
    from benchmarks.measure import fmt, markdown_table

    rows = [
        [f"warm: one interpreter, fresh module names, alternating (median of {result['warm_runs']})",
         fmt(result["warm_empty_ms"]), fmt(result["warm_shape_ms"]), fmt(result["warm_dag_ms"]),
         fmt(result["warm_delta_ms"])],
        [f"cold: first import in a fresh interpreter (best of {result['cold_runs']})", fmt(result["cold_empty_ms"]),
         fmt(result["cold_shape_ms"]), fmt(result["cold_dag_ms"]), fmt(result["cold_delta_ms"])],
        [f"cold: first import in a fresh interpreter (median of {result['cold_runs']})",
         fmt(result["cold_median_empty_ms"]), fmt(result["cold_median_shape_ms"]), fmt(result["cold_median_dag_ms"]),
         fmt(result["cold_median_delta_ms"])],
    ]  # fmt: skip
    header = ["import", "empty DAG ms", "same DAG without our package ms", "zoom_recordings_to_s3.py ms",
              "added over the empty DAG ms"]  # fmt: skip
    return (
        f"After `import airflow.sdk` ({fmt(result['sdk_ms'], 0)} ms, not counted), same interpreter binary, same "
        "run. *Same DAG without our package* is the DAG file with its one `zoom_archiver` import replaced by a stub: "
        "what Airflow itself charges for that DAG's shape (`@task`, six `Param`s, a cron timetable). *Cold* is what "
        "a parse in a fresh process pays, Airflow's lazily imported `@task` machinery included; one process per "
        "import, so the best of them is the import's own cost and the median shows how the machine's load adds to "
        "it. Network calls made "
        f"while importing the DAG file: **{result['network_calls']}** (socket connects and DNS lookups, over every "
        "import of it above).\n\n" + markdown_table(header, rows)
    )


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
