"""The signal registry: built-in signals register exactly the way a plugin does.

Why: platforms have their own signals (a seller-reputation service, a
marketplace-specific image model). A signal is a small class with a ``name`` and
one ``evaluate(context) -> list[Evidence]``; a factory builds it from the
detector's compiled knowledge. Built-ins are registered by
:func:`marketguard.detection.builtin.register`, a function of the same shape an
outside package exposes under the ``marketguard.detection_signals`` entry-point
group, so nothing the platform ships is privileged.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import entry_points
from typing import Protocol

from marketguard.detection.context import DetectorSetup, ScanContext
from marketguard.detection.evidence import Evidence
from marketguard.errors import ConfigurationError

ENTRY_POINT_GROUP = "marketguard.detection_signals"


class Signal(Protocol):
    """A detector of one kind of evidence."""

    name: str

    def evaluate(self, context: ScanContext) -> list[Evidence]:
        """Return the evidence this signal sees in the listing (possibly none)."""
        ...


SignalFactory = Callable[[DetectorSetup], Signal]
RegisterHook = Callable[["SignalRegistry"], None]


class SignalRegistry:
    """Named signal factories, evaluated in registration order."""

    def __init__(self) -> None:
        self._factories: dict[str, SignalFactory] = {}

    def register(self, name: str, factory: SignalFactory, *, replace: bool = False) -> None:
        """Add a signal; a second one with the same name is refused unless ``replace``."""
        if name in self._factories and not replace:
            raise ConfigurationError(
                f"detection signal {name!r} is registered twice; pass replace=True to override it"
            )
        self._factories[name] = factory

    def unregister(self, name: str) -> None:
        """Remove a signal (to switch a built-in off)."""
        self._factories.pop(name, None)

    def names(self) -> list[str]:
        """Return the registered signal names in evaluation order."""
        return list(self._factories)

    def build(self, setup: DetectorSetup) -> list[Signal]:
        """Instantiate every registered signal for one detector."""
        return [factory(setup) for factory in self._factories.values()]


def load_plugins(registry: SignalRegistry, group: str = ENTRY_POINT_GROUP) -> list[str]:
    """Call every installed plugin's register hook; return the entry points loaded."""
    loaded = []
    for entry in entry_points(group=group):
        hook: RegisterHook = entry.load()
        hook(registry)
        loaded.append(entry.name)
    return loaded


def default_registry(*, plugins: bool = False) -> SignalRegistry:
    """Return a registry with the built-in signals (and installed plugins if asked)."""
    from marketguard.detection import builtin

    registry = SignalRegistry()
    builtin.register(registry)
    if plugins:
        load_plugins(registry)
    return registry
