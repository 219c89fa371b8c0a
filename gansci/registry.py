"""The plugin registry: a pluggy PluginManager over the ``gansci`` entry-point group."""

from __future__ import annotations

import difflib
import logging
import os
from dataclasses import dataclass, field
from importlib import metadata
from typing import Any

import pluggy

from gansci import hookspecs
from gansci.errors import RegistryError
from gansci.specs import KINDS, SINGULAR

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "gansci"
DISABLE_ENV = "GANSCI_DISABLE_PLUGINS"


@dataclass
class PluginInfo:
    """What one plugin is and what it registered (or the error that stopped it)."""

    name: str
    version: str = ""
    registered: dict[str, list[str]] = field(default_factory=dict)
    error: str | None = None


class Registry:
    """Every component of every loaded plugin, looked up by kind and name.

    A plugin that fails to import or register is recorded as broken and skipped; the
    others still load. ``plugins`` adds objects directly (tests use tiny in-test plugins).
    """

    def __init__(self, plugins: dict[str, Any] | None = None, entry_points: bool = True):
        self.pm = pluggy.PluginManager(ENTRY_POINT_GROUP)
        self.pm.add_hookspecs(hookspecs)
        self.plugins: dict[str, PluginInfo] = {}
        self._items: dict[str, dict[str, tuple[str, Any]]] = {k: {} for k in KINDS}
        self._conflicts: dict[tuple[str, str], list[str]] = {}
        disabled = {s.strip() for s in os.environ.get(DISABLE_ENV, "").split(",") if s.strip()}
        if entry_points:
            for ep in metadata.entry_points(group=ENTRY_POINT_GROUP):
                if ep.name in disabled or ep.name in self.plugins:
                    continue
                info = PluginInfo(ep.name, ep.dist.version if ep.dist else "")
                self.plugins[ep.name] = info
                try:
                    self.pm.register(ep.load(), name=ep.name)
                except Exception as exc:  # a broken plugin must not take the others down
                    info.error = f"failed to import {ep.value}: {type(exc).__name__}: {exc}"
                    log.warning("gansci plugin %r is broken: %s", ep.name, info.error)
        for name, obj in (plugins or {}).items():
            if name in disabled:
                continue
            self.plugins[name] = PluginInfo(name, getattr(obj, "__version__", ""))
            self.pm.register(obj, name=name)
        for name, info in self.plugins.items():
            obj = self.pm.get_plugin(name)
            if obj is not None and not info.error:
                info.error = _hook_mistakes(obj, self.pm)
        self._collect()

    def _collect(self) -> None:
        found: dict[str, list[tuple[str, Any]]] = {}
        for kind in KINDS:
            hook = getattr(self.pm.hook, f"gansci_{kind}")
            for impl in hook.get_hookimpls():
                info = self.plugins[impl.plugin_name]
                if info.error:
                    continue
                try:
                    specs = impl.function()
                    if not isinstance(specs, (list, tuple)):
                        raise TypeError(f"returned {type(specs).__name__}, not a list of specs")
                    bad = [s for s in specs if not isinstance(getattr(s, "name", None), str)]
                    if bad:
                        raise TypeError(f"returned {bad[0]!r:.60}, not a spec with a name")
                except Exception as exc:
                    info.error = f"gansci_{kind}() raised {type(exc).__name__}: {exc}"
                    log.warning("gansci plugin %r is broken: %s", info.name, info.error)
                    continue
                info.registered[kind] = [s.name for s in specs]
                found.setdefault(info.name, []).extend((kind, s) for s in specs)
        # A plugin that broke half way through registering contributes nothing.
        for plugin, items in found.items():
            if not self.plugins[plugin].error:
                for kind, spec in items:
                    self._add(kind, spec, plugin)

    def _add(self, kind: str, spec: Any, plugin: str) -> None:
        existing = self._items[kind].get(spec.name)
        if existing is not None:
            self._conflicts.setdefault((kind, spec.name), [existing[0]]).append(plugin)
        else:
            self._items[kind][spec.name] = (plugin, spec)

    def get(self, kind: str, name: str) -> Any:
        """The spec of ``kind`` called ``name``; unknown or conflicting names are errors."""
        if (kind, name) in self._conflicts:
            owners = " and ".join(repr(p) for p in self._conflicts[kind, name])
            raise RegistryError(
                f"{SINGULAR[kind]} {name!r} is registered by both plugins {owners}; "
                f"disable one with {DISABLE_ENV}=name"
            )
        items = self._items[kind]
        if name not in items:
            close = difflib.get_close_matches(name, items, n=3)
            hint = f" Did you mean {' or '.join(map(repr, close))}?" if close else ""
            known = ", ".join(f"{n} ({p})" for n, (p, _) in sorted(items.items())) or "none"
            broken = [f"{p.name} ({p.error})" for p in self.plugins.values() if p.error]
            note = (
                f". Broken plugins (they register nothing): {'; '.join(broken)}" if broken else ""
            )
            raise RegistryError(
                f"unknown {SINGULAR[kind]} {name!r}.{hint} Known {kind}: {known}{note}"
            )
        return items[name][1]

    def names(self, kind: str) -> list[str]:
        return sorted(self._items[kind])

    def specs(self, kind: str) -> list[tuple[str, Any]]:
        """(plugin, spec) pairs of one kind, in registration order."""
        return list(self._items[kind].values())

    def for_domains(self, kind: str, domains: tuple[str, ...]) -> list[Any]:
        """Specs of ``kind`` that apply to data of any of ``domains``."""
        return [s for _, s in self.specs(kind) if not s.domains or set(s.domains) & set(domains)]

    @property
    def conflicts(self) -> dict[tuple[str, str], list[str]]:
        return dict(self._conflicts)


def _hook_mistakes(plugin: Any, pm: pluggy.PluginManager) -> str | None:
    """A plugin's misspelt or unmarked hooks, which would otherwise register nothing
    without a word; None when there are none."""
    hooks = {name for name in dir(pm.hook) if name.startswith("gansci_")}
    marked = {
        impl.function.__name__
        for hook in pm.hook.__dict__.values()
        if isinstance(hook, pluggy.HookCaller)
        for impl in hook.get_hookimpls()
        if impl.plugin is plugin
    }
    for name in dir(plugin):
        if not name.startswith("gansci_") or not callable(getattr(plugin, name)):
            continue
        if name not in hooks:
            close = difflib.get_close_matches(name, hooks, n=1)
            hint = f"; did you mean {close[0]}?" if close else ""
            return f"{name} is not a gansci hook{hint} (hooks: gansci.hookspecs)"
        if name not in marked:
            return f"{name} is not marked with @gansci.plugin.hookimpl, so it is never called"
    return None


_registry: Registry | None = None


def get_registry(reload: bool = False) -> Registry:
    """The process-wide registry of installed plugins, built on first use."""
    global _registry
    if _registry is None or reload:
        _registry = Registry()
    return _registry
