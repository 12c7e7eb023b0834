"""A seeded synthetic marketplace: brands, sellers, listings, orders and risk events.

The files it writes follow the exchange formats (brand packs, sellers and listings
JSONL, risk events JSONL) so every capability can be demonstrated, tested and
benchmarked on the same data; the ground truth goes to ``labels/`` and is never
read by the platform. Entry point: :func:`marketguard.simulate.service.simulate`.
"""
