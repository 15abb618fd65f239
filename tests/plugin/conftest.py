"""The plugin's own tests. It is normally loaded through its pytest11 entry point; when the
installed package predates that entry point, register it here so the fixtures exist."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest

import ontap_ipsec.testing as plugin

ENTRY_POINT = any(ep.value == "ontap_ipsec.testing" for ep in entry_points(group="pytest11"))
# what an inner pytest run (pytester) needs to load the plugin
PLUGIN_ARGS: list[str] = [] if ENTRY_POINT else ["-p", "ontap_ipsec.testing"]


def pytest_configure(config: pytest.Config) -> None:
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
    if not config.pluginmanager.is_registered(plugin):
        config.pluginmanager.register(plugin, "ontap_ipsec")
