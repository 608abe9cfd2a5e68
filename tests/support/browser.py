"""Finding (and, where allowed, installing) the system Chromium that the browser tests drive.

Playwright cannot download its own browser here, so the tests drive Debian's ``chromium``.
Chinese text needs ``fonts-wqy-zenhei`` or it renders as boxes. When either is missing and we
run as root with apt available, both are installed once, under an exclusive lock so parallel
test runs do not start two apt-gets; otherwise ``BrowserUnavailable`` says why, and the test
skips with that reason.
"""
from __future__ import annotations

import fcntl
import functools
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

CHROMIUM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
PACKAGES = {"chromium": "chromium", "font": "fonts-wqy-zenhei"}
FONT_NAME = "WenQuanYi Zen Hei"
INSTALL_LOCK = Path(tempfile.gettempdir()) / "healthcoop-chromium-install.lock"
INSTALL_TIMEOUT_S = 900
# As root Chromium needs --no-sandbox; the rest keeps it from phoning home during a test.
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run"]


class BrowserUnavailable(RuntimeError):
    """No usable Chromium, and it could not be installed; the message is the skip reason."""


def find_chromium() -> str | None:
    """``HEALTHCOOP_CHROMIUM`` if set, else Debian's usual paths, else ``chromium`` on PATH."""
    configured = os.environ.get("HEALTHCOOP_CHROMIUM")
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for path in CHROMIUM_PATHS:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def has_cjk_font() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    listing = subprocess.run([fc_list, ":", "family"], capture_output=True, text=True, check=False).stdout
    return FONT_NAME in listing


def _missing_packages() -> list[str]:
    missing = []
    if find_chromium() is None:
        missing.append(PACKAGES["chromium"])
    if not has_cjk_font():
        missing.append(PACKAGES["font"])
    return missing


def _apt(*args: str) -> None:
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    done = subprocess.run(["apt-get", *args], capture_output=True, text=True, env=env, timeout=INSTALL_TIMEOUT_S,
                          check=False)
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines()
        raise BrowserUnavailable(f"`apt-get {' '.join(args)}` failed: {lines[-1] if lines else done.returncode}")


def _install(packages: list[str]) -> None:
    if os.geteuid() != 0:
        raise BrowserUnavailable(f"{' and '.join(packages)} not installed and not running as root; "
                                 f"run `apt-get install -y --no-install-recommends {' '.join(packages)}`")
    if shutil.which("apt-get") is None:
        raise BrowserUnavailable(f"{' and '.join(packages)} not installed and apt-get is not available")
    with open(INSTALL_LOCK, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # another run may be installing: wait for it, then look again
        still_missing = _missing_packages()
        if still_missing:
            _apt("update")
            _apt("install", "-y", "--no-install-recommends", *still_missing)


@functools.cache
def ensure_chromium() -> str:
    """The Chromium executable, installing Chromium and the CJK font first where needed.

    Cached, so one test session tries an install at most once."""
    missing = _missing_packages()
    failure = None
    if missing:
        try:
            _install(missing)
        except BrowserUnavailable as exc:
            failure = str(exc)
        except (OSError, subprocess.TimeoutExpired) as exc:
            failure = f"installing {' '.join(missing)} failed: {exc}"
    path = find_chromium()
    if path is None:  # without the font alone the tests still run; Chinese just shows as boxes
        raise BrowserUnavailable(failure or "chromium is still not found after installing it")
    return path


if __name__ == "__main__":
    print(ensure_chromium())
