"""Zoom API emulator: a real HTTP server that behaves like Zoom's REST API, OAuth and recording CDN.

Run it with ``python -m zoom_emulator`` (see ``__main__``) or from Python::

    from zoom_emulator import ZoomEmulator

    with ZoomEmulator(seed="tricky", api_port=0, cdn_port=0) as emu:
        ...  # emu.api_url, emu.cdn_url, emu.files(), emu.configure(...)

Standard library only; deterministic (every random choice is seeded).
"""

from __future__ import annotations

from zoom_emulator.config import EmulatorConfig
from zoom_emulator.content import expected_sha256, file_bytes_range, iter_file_bytes
from zoom_emulator.server import ZoomEmulator

__all__ = ["EmulatorConfig", "ZoomEmulator", "expected_sha256", "file_bytes_range", "iter_file_bytes"]
