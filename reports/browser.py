"""browser.py: headless Chromium (Debian's `chromium`) for the report: the DOM after the
page's scripts ran, and a screenshot. Each call uses a fresh profile directory and no
network-facing services."""
import os
import shutil
import subprocess
import tempfile

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--disable-dev-shm-usage", "--hide-scrollbars",
         "--mute-audio"]


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        path = shutil.which(name)
        if path:
            return path
    return None


def _run(extra, url, timeout=60):
    exe = find_chromium()
    if not exe:
        raise RuntimeError("chromium not found (Debian: `make deps` installs it)")
    with tempfile.TemporaryDirectory(prefix="bevconf-chromium-") as profile:
        cmd = [exe] + FLAGS + [f"--user-data-dir={profile}"] + extra + [url]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           env=dict(os.environ, HOME=profile))
    if p.returncode != 0:
        raise RuntimeError(f"chromium exit status {p.returncode}: {p.stderr[-2000:]}")
    return p


def file_url(path, fragment=""):
    url = "file://" + os.path.abspath(path)
    return url + ("#" + fragment if fragment else "")


def dump_dom(path, fragment=""):
    """The serialized DOM once the page has loaded and its scripts have run."""
    return _run(["--virtual-time-budget=2000", "--dump-dom"], file_url(path, fragment)).stdout


def screenshot(path, png, fragment="", size="1500,1000"):
    png = os.path.abspath(png)
    if os.path.exists(png):
        os.remove(png)
    _run([f"--screenshot={png}", f"--window-size={size}", "--virtual-time-budget=2000"],
         file_url(path, fragment))
    if not os.path.exists(png):
        raise RuntimeError("chromium wrote no screenshot")
    return png
