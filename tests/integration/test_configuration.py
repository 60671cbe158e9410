"""Configuration that would silently weaken the service is refused at start (pitfalls.md:
"plain TCP accepted where TLS was required")."""

import pytest

from sluicetest import run


def serve_exits(dev, **settings: str | None):
    env = dev.sluice_environ()
    env.update(SLUICE_PORT="0", SLUICE_HTTP_PORT="0")
    for key, value in settings.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    # A configuration that is accepted would serve until the timeout: the test then fails.
    return run([dev["SLUICE_BIN"], "serve"], env=env, timeout=60)


@pytest.mark.parametrize("settings, key", [
    ({"SLUICE_TLS_REQUIRED": "true", "SLUICE_TLS_CERT": None, "SLUICE_TLS_KEY": None}, "tls_required"),
    ({"SLUICE_TLS_KEY": None}, "tls_key"),
    ({"SLUICE_TLS_CERT": None}, "tls_cert"),
])
def test_tls_cannot_be_off_by_accident(dev, settings, key):
    r = serve_exits(dev, **settings)
    assert r.returncode != 0, f"sluice serve started with {settings}:\n{r.stderr}"
    assert f"configuration {key}=" in r.stderr, r.stderr
