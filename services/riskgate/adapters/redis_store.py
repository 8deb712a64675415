"""The state store on Redis, via redis-py."""

from __future__ import annotations

import builtins  # `set` is also a method name here
import contextlib
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any, cast

import redis

from riskgate.adapters.store import READS, Read


class _RedisBatch:
    def __init__(self, pipe: redis.client.Pipeline, ns: str) -> None:
        self._pipe = pipe
        self._ns = ns

    def set(self, key: str, value: str) -> None:
        self._pipe.set(self._ns + key, value)

    def hset(self, key: str, mapping: Mapping[str, str]) -> None:
        if mapping:
            self._pipe.hset(self._ns + key, mapping=dict(mapping))  # type: ignore[arg-type]

    def hdel(self, key: str, *fields: str) -> None:
        if fields:
            self._pipe.hdel(self._ns + key, *fields)

    def sadd(self, key: str, *members: str) -> None:
        if members:
            self._pipe.sadd(self._ns + key, *members)

    def delete(self, key: str) -> None:
        self._pipe.delete(self._ns + key)


class RedisStore:
    """Live state in Redis; transactions are MULTI/EXEC, locks are redis-py locks."""

    def __init__(self, url: str, namespace: str = "riskgate:") -> None:
        self._redis = redis.Redis.from_url(
            url, decode_responses=True, socket_timeout=10, retry_on_timeout=True
        )
        self._ns = namespace

    @property
    def client(self) -> redis.Redis:
        return self._redis

    def _k(self, key: str) -> str:
        return self._ns + key

    def get(self, key: str) -> str | None:
        return cast(str | None, self._redis.get(self._k(key)))  # decode_responses: str

    def set(self, key: str, value: str) -> None:
        self._redis.set(self._k(key), value)

    def hget(self, key: str, field: str) -> str | None:
        return cast(str | None, self._redis.hget(self._k(key), field))

    def hgetall(self, key: str) -> dict[str, str]:
        return cast(dict[str, str], self._redis.hgetall(self._k(key)))

    def hset(self, key: str, mapping: Mapping[str, str]) -> None:
        if mapping:
            self._redis.hset(self._k(key), mapping=dict(mapping))  # type: ignore[arg-type]

    def sadd(self, key: str, *members: str) -> int:
        return int(self._redis.sadd(self._k(key), *members)) if members else 0

    def sismember(self, key: str, member: str) -> bool:
        return bool(self._redis.sismember(self._k(key), member))

    def read_many(self, reads: Sequence[Read]) -> list[Any]:
        """The reads pipelined: one round trip. The members asked of one set go as one
        SMISMEMBER and the fields asked of one hash as one HMGET (a poll asks after hundreds
        of events in the one processed set), each hash read whole as its own HGETALL."""
        members: dict[str, list[tuple[int, str]]] = {}  # set -> (index in reads, member)
        fields: dict[str, list[tuple[int, str]]] = {}  # hash -> (index in reads, field)
        whole: list[tuple[int, str]] = []  # (index in reads, hash)
        for index, (op, key, *args) in enumerate(reads):
            if op == "sismember":
                members.setdefault(key, []).append((index, args[0]))
            elif op == "hget":
                fields.setdefault(key, []).append((index, args[0]))
            elif op == "hgetall":
                whole.append((index, key))
            else:
                raise ValueError(f"read_many: {op!r} is not one of {', '.join(READS)}")
        pipe = self._redis.pipeline(transaction=False)
        for key, asked in members.items():
            pipe.smismember(self._k(key), [member for _, member in asked])
        for key, asked in fields.items():
            pipe.hmget(self._k(key), [name for _, name in asked])
        for _, key in whole:
            pipe.hgetall(self._k(key))
        replies = iter(pipe.execute())
        results: list[Any] = [None] * len(reads)
        for asked in members.values():
            for (index, _), stored in zip(asked, next(replies), strict=True):
                results[index] = bool(stored)
        for asked in fields.values():
            for (index, _), value in zip(asked, next(replies), strict=True):
                results[index] = value
        for index, _ in whole:
            results[index] = next(replies)
        return results

    def smembers(self, key: str) -> builtins.set[str]:
        return cast(builtins.set[str], set(self._redis.smembers(self._k(key))))

    def keys(self, prefix: str) -> list[str]:
        n = len(self._ns)
        return sorted(k[n:] for k in self._redis.scan_iter(match=self._k(prefix) + "*", count=1000))

    @contextmanager
    def transaction(self) -> Iterator[_RedisBatch]:
        pipe = self._redis.pipeline(transaction=True)
        yield _RedisBatch(pipe, self._ns)
        pipe.execute()

    @contextmanager
    def lock(
        self, name: str, timeout_s: float = 30.0, wait_s: float | None = None
    ) -> Iterator[object]:
        wait = timeout_s if wait_s is None else wait_s
        lock = self._redis.lock(self._k("lock:" + name), timeout=timeout_s, blocking_timeout=wait)
        if not lock.acquire(blocking=wait > 0):
            raise TimeoutError(f"could not take lock {name} within {wait}s")
        try:
            yield lock
        finally:
            with contextlib.suppress(redis.exceptions.LockError):  # expired: another holds it now
                lock.release()

    def ping(self) -> bool:
        try:
            return bool(self._redis.ping())
        except redis.exceptions.RedisError:
            return False

    def flush_all(self) -> None:
        keys = list(self._redis.scan_iter(match=self._ns + "*", count=1000))
        for i in range(0, len(keys), 500):
            self._redis.delete(*keys[i : i + 500])
