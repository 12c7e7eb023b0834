"""Seeded randomness per stage, and opaque identifiers that leak nothing.

Each stage (brands, sellers, listings, events...) draws from its own generator
derived from the seed and the stage name, so a stage's output does not shift when
another stage draws more or fewer numbers. Nothing here reads the clock or the
global ``random`` state.
"""

from __future__ import annotations

import hashlib
import random

import numpy as np


def stage_seed(seed: int, stage: str) -> int:
    """Return a 64-bit seed for ``stage``, stable across runs and platforms."""
    digest = hashlib.sha256(f"marketguard.simulate:{seed}:{stage}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def stage_random(seed: int, stage: str) -> random.Random:
    """Return a ``random.Random`` private to ``stage``."""
    return random.Random(stage_seed(seed, stage))


def stage_numpy(seed: int, stage: str) -> np.random.Generator:
    """Return a numpy Generator private to ``stage``."""
    return np.random.default_rng(stage_seed(seed, stage))


def opaque(seed: int, key: str, length: int = 10) -> str:
    """Return a stable hex token for ``key``: file names that reveal nothing."""
    return hashlib.sha256(f"{seed}:{key}".encode()).hexdigest()[:length]


class IdFactory:
    """Random-looking, unique identifiers such as ``d-3f9a0c11e2``.

    Sequential ids would leak the generator's structure (ring members created one
    after the other would get neighbouring device numbers), so ids are random
    draws, with a shared ``seen`` set guaranteeing uniqueness across stages.
    """

    def __init__(self, rng: random.Random, seen: set[str] | None = None) -> None:
        self._rng = rng
        self._seen: set[str] = seen if seen is not None else set()

    def new(self, prefix: str, hex_digits: int = 10) -> str:
        """Return a fresh ``<prefix>-<hex>`` never returned before."""
        bits = hex_digits * 4
        while True:
            value = f"{prefix}-{self._rng.getrandbits(bits):0{hex_digits}x}"
            if value not in self._seen:
                self._seen.add(value)
                return value

    def many(self, prefix: str, count: int, hex_digits: int = 10) -> list[str]:
        """Return ``count`` fresh identifiers."""
        return [self.new(prefix, hex_digits) for _ in range(count)]

    def ip(self, first_octets: tuple[int, ...]) -> str:
        """Return a fresh public-looking IPv4 address whose first octet is one of these."""
        rng = self._rng
        while True:
            value = (
                f"{rng.choice(first_octets)}.{rng.randint(0, 255)}."
                f"{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            )
            if value not in self._seen:
                self._seen.add(value)
                return value

    def phone(self, calling_code: str) -> str:
        """Return a fresh E.164 phone number for the country calling code."""
        while True:
            value = f"+{calling_code}{self._rng.randint(10**8, 10**10 - 1)}"
            if value not in self._seen:
                self._seen.add(value)
                return value
