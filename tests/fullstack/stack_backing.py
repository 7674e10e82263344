"""The machine's PostgreSQL and Redis, shared with other sessions: each stack makes a metadata database of its own
and claims a Redis database of its own (marked as the session's, emptied when it is done)."""

from __future__ import annotations

import random
import subprocess
from pathlib import Path

from tests.fullstack.stack_config import PG_HOST, PG_PORT, REDIS_DBS, REDIS_HOST, REDIS_OWNER_KEY, REDIS_PORT


class StackError(RuntimeError):
    pass


def run_command(
    cmd: list[str], *, timeout: float = 120, env: dict[str, str] | None = None, log: Path | None = None
) -> str:
    """Run ``cmd`` (its output appended to ``log``); raise :class:`StackError` when it fails."""
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env, check=False)
    output = proc.stdout + proc.stderr
    if log is not None:
        with log.open("a") as handle:
            handle.write(f"$ {' '.join(cmd)}\n{output}\n")
    if proc.returncode != 0:
        raise StackError(f"{' '.join(cmd)} exited with {proc.returncode}:\n{output[-3000:]}")
    return output


def postgres_available() -> bool:
    return subprocess.run(["pg_isready", "-q", "-h", PG_HOST, "-p", str(PG_PORT)], check=False).returncode == 0


def redis_client(db: int = 0):
    import redis

    return redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=db, socket_timeout=10)


def claim_redis_db(session: str) -> int:
    """An empty Redis database, marked as this session's (other sessions skip marked databases)."""
    candidates = list(REDIS_DBS)
    random.shuffle(candidates)
    for db in candidates:
        client = redis_client(db)
        if client.set(REDIS_OWNER_KEY, session, nx=True, ex=6 * 3600):
            if client.dbsize() == 1:
                return db
            client.delete(REDIS_OWNER_KEY)  # in use by someone who does not mark databases
    raise StackError("no free Redis database (1-15) to use as the Celery broker")


def release_redis_db(db: int, session: str) -> None:
    client = redis_client(db)
    if client.get(REDIS_OWNER_KEY) == session.encode():
        client.flushdb()
