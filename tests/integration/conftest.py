"""Fixtures for the driver-level integration tests against a live `sluice dev`."""

from __future__ import annotations

import pytest

from sluicetest import DevEnv, load_dev_env, psql, unique_name
from txpool import SluiceServe


@pytest.fixture(scope="session")
def dev() -> DevEnv:
    return load_dev_env()


@pytest.fixture
def storage_table(dev: DevEnv):
    """Factory: `storage_table()` returns a fresh name `storage.t_<random>`; every table
    made through it is dropped (through the proxy, as the customer) after the test."""
    made: list[str] = []

    def make() -> str:
        name = "storage." + unique_name("t_")
        made.append(name)
        return name

    yield make
    for name in made:
        r = psql(dev.database_url, "-c", f"DROP TABLE IF EXISTS {name}", timeout=60)
        assert r.returncode == 0, f"could not drop {name}: {r.stderr}"


@pytest.fixture(autouse=True)
def _private_proxies_survive(request):
    """After each test, every private `sluice serve` it used must still run."""
    yield
    for name, value in request.node.funcargs.items():
        if isinstance(value, SluiceServe):
            assert value.alive(), f"sluice serve ({name}) died:\n{value.log_tail()}"
