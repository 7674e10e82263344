"""The shared state of one running emulator: data, settings, tokens, counters, fault memory, URLs."""

from __future__ import annotations

import threading
from datetime import date, datetime, timedelta, timezone
from typing import Any

from zoom_emulator.background import BackgroundConsumer
from zoom_emulator.cdn_urls import UrlSigner
from zoom_emulator.clock import DailyCounter, DeadlineQueue
from zoom_emulator.config import EmulatorConfig
from zoom_emulator.dataset import Dataset
from zoom_emulator.faults import FaultState, RateLimiter
from zoom_emulator.ids import IdFactory
from zoom_emulator.planted import PlantedFaults
from zoom_emulator.stats import Stats
from zoom_emulator.tokens import PageTokens, TokenStore
from zoom_emulator.trash import Trash


class EmulatorState:
    """Everything the API, CDN and control-plane apps share. ``dataset`` may be swapped by a reset."""

    def __init__(
        self,
        dataset: Dataset,
        config: EmulatorConfig,
        *,
        today: date | None = None,
        seed_name: str = "custom",
        seed_params: dict[str, Any] | None = None,
    ) -> None:
        self.dataset = dataset
        self.config = config
        self.seed_name = seed_name
        self.seed_params = dict(seed_params or {})
        self.today_override = today
        self.lock = threading.RLock()
        runtime_seed = f"{seed_name}:{config.fault_seed}"
        self.tokens = TokenStore(IdFactory(f"tokens:{runtime_seed}"))
        self.pages = PageTokens(IdFactory(f"pages:{runtime_seed}"))
        self.stats = Stats()
        self.faults = FaultState(config.fault_seed)
        self.limiter = RateLimiter()
        self.background = BackgroundConsumer(self)
        self.planted = PlantedFaults()
        self.trash = Trash()
        self.signer = UrlSigner(IdFactory(f"cdn-secret:{runtime_seed}").urlsafe(32).encode())
        self.api_base = ""
        self.cdn_base = ""
        self.cdn_port = 0
        #: how far ``POST /_emulator/clock`` moved the emulated clock ahead of the real one
        self.clock_offset = timedelta(0)
        self.deadlines = DeadlineQueue()
        self.daily = DailyCounter()
        self.last_purge_day: date | None = None

    def now(self) -> datetime:
        """The emulated UTC time: now (on the ``--today`` date when pinned) plus ``clock_offset``."""
        real = datetime.now(timezone.utc)
        if self.today_override is not None:
            real = datetime.combine(self.today_override, real.timetz())
        return real + self.clock_offset

    def base_today(self) -> date:
        """'Today' without the emulated clock's offset (what a reset builds its seed for: a reset rewinds the clock)."""
        return self.today_override or datetime.now(timezone.utc).date()

    def today(self) -> date:
        """The emulator's 'today' (UTC): the ``--today`` override, else the current UTC date (both moved by the
        emulated clock's offset)."""
        return self.now().date()

    def configure(self, changes: dict[str, Any]) -> dict[str, Any]:
        """Merge settings (raises ``ValueError``); a new ``fault_seed`` restarts fault decisions."""
        with self.lock:
            old_seed = self.config.fault_seed
            self.config.merge(changes)
            if self.config.fault_seed != old_seed:
                self.faults.reset(self.config.fault_seed)
            if self.config.background_share:
                self.background.ensure_running()
            return self.config.to_dict()

    def replace_dataset(self, dataset: Dataset, seed_name: str, seed_params: dict[str, Any]) -> None:
        """Swap in a new dataset; forgets page tokens, first-download history, planted faults and counters."""
        with self.lock:
            self.dataset = dataset
            self.seed_name = seed_name
            self.seed_params = dict(seed_params)
            self.pages.clear()
            self.faults.reset(self.config.fault_seed)
            self.planted = PlantedFaults()
            self.trash = Trash()
            self.stats.reset()
            self.clock_offset = timedelta(0)
            self.deadlines = DeadlineQueue()
            self.daily = DailyCounter()
            self.last_purge_day = None

    def redirect_base(self) -> str:
        """Scheme/host/port for 302 Locations, honouring ``redirect_host_override``."""
        override = self.config.redirect_host_override
        if not override:
            return self.cdn_base
        if "://" in override:
            return override.rstrip("/")
        if ":" in override:
            return f"http://{override}"
        return f"http://{override}:{self.cdn_port}"
