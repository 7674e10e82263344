"""Streaming results: the cases, each case's runs and figures, the report section and the figures the targets need.

``benchmarks.streaming`` runs the cases; this module turns its result into the *Streaming* section of the report
(``markdown``) and the ratios the targets compare (``summary``).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from benchmarks.measure import MB, MIB, ChildRun, fmt, markdown_table, size_label

MODES = ("archive", "download", "upload", "blog")
#: Run again, each round, against a second moto serving HTTPS (its own CA, verification on): botocore's default
#: production path, uploads ``aws-chunked`` with a CRC32 trailer. The download leg is the same as over HTTP.
HTTPS_MODES = ("archive", "upload")
LABELS = {
    "archive": "archive (ours: streamed)",
    "download": "download alone → /dev/null",
    "upload": "upload alone (same bytes, generated)",
    "blog": "blog: temp file, then upload",
    "baseline": "archive of a 1 KiB file (baseline)",
    "archive_https": "archive over HTTPS (TLS, CRC32 trailer)",
    "upload_https": "upload alone over HTTPS (TLS, CRC32 trailer)",
}
ORDER = ["baseline", *MODES, *(f"{m}_https" for m in HTTPS_MODES)]
HEADER = ["case", "file", "runs", "wall s (median)", "wall s (best)", "MB/s (best)", "peak RSS MiB (max)",
          "RSS over 1 KiB archive MiB", "last part stored at s", "S3 complete s",
          "bytes written to local disk (max)", "CPU s: ours / moto / emulator", "complete"]  # fmt: skip


@dataclass
class Measured:
    """One case's runs (one per round)."""

    mode: str
    size: int
    throttled: bool
    runs: list[ChildRun]

    def median(self, key: str) -> float | None:
        values = [r.payload[key] for r in self.runs if r.payload.get(key) is not None]
        return statistics.median(values) if values else None

    @property
    def seconds(self) -> float | None:
        return self.median("seconds")

    def by_round(self) -> dict[int, float]:
        """Wall seconds of each complete round."""
        return {r.payload["round"]: r.payload["seconds"] for r in self.runs if r.payload.get("seconds") is not None}

    @property
    def best(self) -> float | None:
        values = [r.payload["seconds"] for r in self.runs if r.payload.get("seconds") is not None]
        return min(values) if values else None

    @property
    def mb_per_s(self) -> float | None:
        seconds = self.best
        return self.size / seconds / MB if seconds else None

    @property
    def peak_rss(self) -> int | None:
        return max((r.peak_rss for r in self.runs), default=None)

    @property
    def write_bytes(self) -> int | None:
        return max((r.write_bytes for r in self.runs), default=None)

    @property
    def ok(self) -> bool:
        return bool(self.runs) and all(r.returncode == 0 and r.payload.get("bytes") == self.size for r in self.runs)


def _round(run: ChildRun) -> int:
    return run.payload.get("round", -1)


def paired(archive: Measured | None, *others: Measured | None) -> list[float]:
    """Per round: the archive's wall ÷ the slowest of the others in the same round (they ran back to back)."""
    if archive is None or any(o is None for o in others):
        return []
    rounds = [m.by_round() for m in (archive, *others)]  # type: ignore[union-attr]
    common = sorted(set(rounds[0]).intersection(*rounds[1:]))
    return [rounds[0][r] / max(other[r] for other in rounds[1:]) for r in common]


def baseline_rss(result: dict[str, Any]) -> int | None:
    runs = [r.peak_rss for (mode, _, _), m in result["measured"].items() if mode == "baseline" for r in m.runs]
    return int(statistics.median(runs)) if runs else None


def get(result: dict[str, Any], mode: str, size: int, throttled: bool = False) -> Measured | None:
    return result["measured"].get((mode, size, throttled))


# -- the report section ------------------------------------------------------------------------------------------
def markdown(result: dict[str, Any]) -> str:
    """The *Streaming* section: how the cases were measured, then one row per case."""
    return f"{_method(result)}\n\n" + markdown_table(HEADER, _rows(result))


def _rows(result: dict[str, Any]) -> list[list[Any]]:
    """One table row per case: small files first, then unthrottled before throttled, in ``ORDER``."""
    base = baseline_rss(result)
    rows = []
    keys = sorted(result["measured"], key=lambda k: (k[1], k[2], ORDER.index(k[0])))
    for mode, size, throttled in keys:
        m = result["measured"][(mode, size, throttled)]
        label = LABELS[mode] + (" — CDN throttled to the upload speed" if throttled else "")
        rss = m.peak_rss
        rows.append([
            label, size_label(size), fmt(len(m.runs)), fmt(m.seconds, 2), fmt(m.best, 2), fmt(m.mb_per_s),
            fmt(rss / MIB if rss else None), fmt((rss - base) / MIB if rss and base else None),
            fmt(m.median("parts_seconds"), 2), fmt(m.median("complete_seconds"), 2), fmt(m.write_bytes),
            " / ".join(fmt(m.median(f"{k}cpu_seconds")) for k in ("", "s3_", "zoom_")), "yes" if m.ok else "**no**",
        ])  # fmt: skip
    return rows


def _method(result: dict[str, Any]) -> str:
    """The paragraph above the table: setup, what each column means, the throttle and the HTTPS rows."""
    return (
        "Emulator CDN host (`localhost`) → moto's S3 server (`127.0.0.1`), each case in a fresh child process, "
        "rounds interleaved, after one discarded warm-up upload per size; the S3 client signs as botocore does "
        "against AWS over HTTPS (no SHA-256 of the "
        "payload, CRC32 checksums on), for every case. Wall time covers the transfer only (imports, token and S3 "
        "client creation excluded); "
        "the targets compare the cases round by round (each round runs them back to back) and take the median of "
        "those per-round ratios; MB = 10^6 bytes (from the best round); CPU is the transfer's, per process "
        "(medians). Peak RSS is "
        "the child's kernel high-water mark (`wait4`); bytes written are the child process tree's `write_bytes`. "
        "*Last part stored at* is when the upload's last part was acknowledged (medians; for the archive: when "
        "the streaming ended); *S3 complete* is the `CompleteMultipartUpload` call that follows, inside the wall "
        "time: moto assembles the object in Python (copies every byte and writes it to its temp files) after the "
        f"last byte arrived, so no method can overlap it. {_throttle_note(result)}"
        f"{HTTPS_NOTE if _has_https(result) else ''}"
    )


def _throttle_note(result: dict[str, Any]) -> str:
    throttle = result.get("throttle")
    return (
        f"Throttled cases: the emulator's CDN capped at {throttle / MB:.1f} MB/s, the speed at which the upload "
        f"alone of the {size_label(result['throttle_size'])} file took bytes in (size ÷ time to its last stored "
        "part), so both legs stream at the same speed."
        if throttle
        else "Throttled cases not run (no upload speed measured)."
    )


HTTPS_NOTE = (
    " *Over HTTPS* rows: the same file against a second moto server serving TLS with a CA made for the run "
    "(the connection's extra `verify` points at it, verification on) and botocore's defaults, as against AWS: every "
    "part sent `aws-chunked` with a CRC32 trailer; the download leg is the same as over HTTP. moto decodes the "
    "chunked parts and terminates TLS in Python, so that endpoint is slower than the HTTP one: compare the HTTPS "
    "archive with the HTTPS upload alone."
)


def _has_https(result: dict[str, Any]) -> bool:
    return any(mode.endswith("_https") for mode, _, _ in result["measured"])


# -- the figures the targets need --------------------------------------------------------------------------------
def summary(result: dict[str, Any]) -> dict[str, Any]:
    """Figures the targets need."""
    base = baseline_rss(result)
    base_writes = max((m.write_bytes or 0 for k, m in result["measured"].items() if k[0] == "baseline"), default=0)
    out: dict[str, Any] = {"baseline_rss": base, "baseline_writes": base_writes, "per_size": {}}
    for size in result["sizes"]:
        out["per_size"][size] = _size_summary(result, size, base)
    out["throttled"] = _throttled_summary(result)
    by_mode: dict[str, list[int]] = defaultdict(list)
    for (mode, _, _), m in result["measured"].items():
        by_mode[mode].append(m.write_bytes or 0)
    out["blog_writes"] = max(by_mode.get("blog", [0]))
    return out


def _size_summary(result: dict[str, Any], size: int, base: int | None) -> dict[str, Any]:
    """One size over HTTP: wall ÷ slower leg alone, the archive's memory and disk writes (and its HTTPS rows)."""
    archive, download, upload = (get(result, m, size) for m in ("archive", "download", "upload"))
    ratios = paired(archive, download, upload)
    return {
        "ratio": statistics.median(ratios) if ratios else None,
        "ratios": ratios,
        "archive_s": archive.seconds if archive else None,
        "slower_leg_s": max(download.seconds, upload.seconds) if download and upload else None,
        "peak_rss": archive.peak_rss if archive else None,
        "rss_increase": archive.peak_rss - base if archive and archive.peak_rss and base else None,
        "write_bytes": archive.write_bytes if archive else None,
        "ok": bool(archive and archive.ok),
        "https": _https_summary(result, size),
    }


def _throttled_summary(result: dict[str, Any]) -> dict[str, Any]:
    """The matched-leg cases: the archive's wall ÷ the blog method's, per round, with and without S3's complete."""
    size = result.get("throttle_size")
    archive_t, blog_t = get(result, "archive", size, True), get(result, "blog", size, True)
    download_t = get(result, "download", size, True)
    ratios = paired(archive_t, blog_t)
    net, floor = _net_and_floor(archive_t, blog_t, download_t) if archive_t and blog_t else ([], [])
    return {
        "ratio": statistics.median(ratios) if ratios else None,
        "ratios": ratios,
        "net_ratio": statistics.median(net) if net else None,
        "net_ratios": net,
        "floor_ratio": statistics.median(floor) if floor else None,
        "archive_s": archive_t.seconds if archive_t else None,
        "blog_s": blog_t.seconds if blog_t else None,
        "complete_s": archive_t.median("complete_seconds") if archive_t else None,
    }


def _net_and_floor(
    archive_t: Measured, blog_t: Measured, download_t: Measured | None
) -> tuple[list[float], list[float]]:
    """Per round: archive ÷ blog without the endpoint's complete, and the floor (download alone + complete) ÷ blog."""
    net: list[float] = []
    floor: list[float] = []
    downloads = download_t.by_round() if download_t else {}
    blogs = {_round(b): b.payload for b in blog_t.runs}
    for a in archive_t.runs:
        b = blogs.get(_round(a))
        if not b or not a.payload.get("complete_seconds") or not b.get("complete_seconds"):
            continue
        # the endpoint's CompleteMultipartUpload taken out of both walls
        net.append((a.payload["seconds"] - a.payload["complete_seconds"]) / (b["seconds"] - b["complete_seconds"]))
        if _round(a) in downloads:
            # the best any streaming method can do here: the download leg alone, then the endpoint's complete
            floor.append((downloads[_round(a)] + a.payload["complete_seconds"]) / b["seconds"])
    return net, floor


def _https_summary(result: dict[str, Any], size: int) -> dict[str, Any] | None:
    """The HTTPS rows of ``size``: wall ÷ slower leg alone (the download is the same leg as over HTTP)."""
    archive, upload = get(result, "archive_https", size), get(result, "upload_https", size)
    download, plain = get(result, "download", size), get(result, "archive", size)
    if archive is None:
        return None
    ratios = paired(archive, download, upload)
    return {
        "ratio": statistics.median(ratios) if ratios else None,
        "ratios": ratios,
        "archive_s": archive.seconds,
        "slower_leg_s": max(download.seconds, upload.seconds) if download and upload else None,
        "vs_http": statistics.median(paired(archive, plain)) if plain else None,
        "rss_increase": archive.peak_rss - base if archive.peak_rss and (base := baseline_rss(result)) else None,
        "ok": archive.ok,
    }
