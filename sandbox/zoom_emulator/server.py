"""``ZoomEmulator``: the API and CDN listeners of one emulator, run in daemon threads.

>>> with ZoomEmulator(seed="tricky", api_port=0, cdn_port=0, config={"token_ttl": 5}) as emu:
...     emu.api_url, emu.cdn_url   # e.g. ('http://127.0.0.1:40123', 'http://localhost:40124')
"""

from __future__ import annotations

import threading
from datetime import date, datetime, timezone
from typing import Any

from zoom_emulator.api import ApiApp
from zoom_emulator.cdn import CdnApp
from zoom_emulator.config import EmulatorConfig
from zoom_emulator.control import file_entry
from zoom_emulator.httpbase import EmulatorServer
from zoom_emulator.seeds import build_seed
from zoom_emulator.state import EmulatorState


class ZoomEmulator:
    """A Zoom API + CDN emulator. ``start()`` binds both ports; ``stop()`` closes them.

    ``api_host_name``/``cdn_host_name`` are the host names put in the URLs the emulator hands out
    (distinct by default, so an allowlist can tell them apart); ``bind`` is the listening address.
    ``config`` is a partial ``EmulatorConfig`` dict; ``seed_params`` parametrises the ``bench`` seed.
    """

    def __init__(
        self,
        seed: str = "demo",
        *,
        api_port: int = 0,
        cdn_port: int = 0,
        bind: str = "127.0.0.1",
        api_host_name: str = "127.0.0.1",
        cdn_host_name: str = "localhost",
        config: dict[str, Any] | None = None,
        today: date | str | None = None,
        seed_params: dict[str, Any] | None = None,
    ) -> None:
        settings = EmulatorConfig()
        settings.merge(dict(config or {}))
        today_override = date.fromisoformat(today) if isinstance(today, str) else today
        seed_day = today_override or datetime.now(timezone.utc).date()
        dataset = build_seed(seed, seed_day, settings.account_id, seed_params)
        self.state = EmulatorState(
            dataset, settings, today=today_override, seed_name=seed, seed_params=seed_params or {}
        )
        self._bind = bind
        self._ports = (api_port, cdn_port)
        self._host_names = (api_host_name, cdn_host_name)
        self._servers: list[EmulatorServer] = []
        self._threads: list[threading.Thread] = []

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> ZoomEmulator:
        """Bind both listeners and serve them in daemon threads; returns ``self``."""
        if self._servers:
            return self
        api = EmulatorServer((self._bind, self._ports[0]), ApiApp(self.state), "api")
        try:
            cdn = EmulatorServer((self._bind, self._ports[1]), CdnApp(self.state), "cdn")
        except OSError:
            api.server_close()
            raise
        self._servers = [api, cdn]
        api_name, cdn_name = self._host_names
        self.state.api_base = f"http://{api_name}:{api.server_address[1]}"
        self.state.cdn_base = f"http://{cdn_name}:{cdn.server_address[1]}"
        self.state.cdn_port = cdn.server_address[1]
        for server in self._servers:
            thread = threading.Thread(
                target=server.serve_forever,
                kwargs={"poll_interval": 0.05},
                name=f"zoom-emulator-{server.label}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)
        if self.state.config.background_share:
            self.state.background.ensure_running()
        return self

    def stop(self) -> None:
        """Stop serving, close open connections and release both ports."""
        self.state.background.stop()
        stoppers = [threading.Thread(target=server.shutdown, daemon=True) for server in self._servers]
        for stopper in stoppers:
            stopper.start()
        for server in self._servers:
            server.wake()
        for stopper in stoppers:
            stopper.join(timeout=5)
        for server in self._servers:
            server.close_connections()
            server.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self._servers, self._threads = [], []

    def __enter__(self) -> ZoomEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ addresses
    @property
    def api_port(self) -> int:
        """The bound API port."""
        return self._servers[0].server_address[1]

    @property
    def cdn_port(self) -> int:
        """The bound CDN port."""
        return self._servers[1].server_address[1]

    @property
    def api_url(self) -> str:
        """``http://<api host name>:<port>`` (also the OAuth ``api_url``)."""
        return self.state.api_base

    @property
    def cdn_url(self) -> str:
        """``http://<cdn host name>:<port>``."""
        return self.state.cdn_base

    # ------------------------------------------------------------------ conveniences (same as the control plane)
    def configure(self, **changes: Any) -> dict[str, Any]:
        """Merge settings at run time (like ``POST /_emulator/config``)."""
        return self.state.configure(changes)

    def files(self, with_sha: bool = True) -> list[dict[str, Any]]:
        """The ``/_emulator/files`` entries."""
        return [file_entry(self.state, m, f, with_sha) for m, f in self.state.dataset.iter_files() if not f.deleted]

    def stats(self) -> dict[str, Any]:
        """The ``/_emulator/stats`` counters."""
        return self.state.stats.snapshot()

    def reset(self, seed: str | None = None, seed_params: dict[str, Any] | None = None) -> None:
        """Reload a seed (like ``POST /_emulator/reset``); also resets counters and fault memory."""
        name = seed or self.state.seed_name
        params = seed_params if seed_params is not None else self.state.seed_params
        dataset = build_seed(name, self.state.base_today(), self.state.config.account_id, params)
        self.state.replace_dataset(dataset, name, params)
