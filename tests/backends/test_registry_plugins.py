"""`DSBOT_BACKEND_MODULES`: the modules it names are imported at start-up, each registering its
backend, whose name the port then accepts; a module that cannot be imported stops dsbot with
one line that names the variable. Registering and unregistering bring and take away the
backend's texts and name."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dsbot.backends import registry
from dsbot.backends.port import BackendName
from dsbot.cli import cli
from dsbot.texts import Texts

PLUGIN = """
from dsbot.backends.registry import BackendSpec, register

register(
    BackendSpec(
        name="{name}",
        enabled=lambda settings: False,
        client=lambda settings, **options: None,
        adapter=lambda client, settings: None,
        feed=lambda client, settings: None,
        catalogs={{"fr": {{"item.backend_off.{name}": "{name} est éteint"}}}},
    )
)
"""


@pytest.fixture
def plugin(tmp_path, monkeypatch: pytest.MonkeyPatch):
    """A module of its own (a fresh name per test: a module is imported once per process)."""
    name = f"plug{tmp_path.name.replace('-', '_').replace('.', '_')[-20:]}".lower()
    (tmp_path / f"{name}_module.py").write_text(PLUGIN.format(name=name), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    yield name
    registry.unregister(name)


def test_the_named_modules_register_their_backends(plugin: str) -> None:
    with pytest.raises(ValueError):
        BackendName(plugin)
    loaded = registry.load_plugins({registry.PLUGINS_ENV: f" {plugin}_module , "})
    assert loaded == [f"{plugin}_module"]
    assert registry.get(plugin).name == plugin
    assert BackendName(plugin) == plugin and BackendName(plugin).value == plugin
    assert Texts("en")(f"item.backend_off.{plugin}") == f"{plugin} est éteint"

    registry.unregister(plugin)
    with pytest.raises(ValueError):
        BackendName(plugin)
    assert not Texts("fr").has(f"item.backend_off.{plugin}")


def test_nothing_named_nothing_loaded() -> None:
    assert registry.load_plugins({}) == []
    assert registry.load_plugins({registry.PLUGINS_ENV: " , "}) == []


def test_a_module_that_cannot_be_imported_stops_dsbot_with_one_line() -> None:
    env = {registry.PLUGINS_ENV: "no_such_dsbot_plugin"}
    result = CliRunner().invoke(cli, ["check"], env=env)
    assert result.exit_code == 1
    assert registry.PLUGINS_ENV in result.output and "no_such_dsbot_plugin" in result.output
