"""Offline stand-in for the get-pip script that ansible-test downloads to bootstrap its venvs.

ansible-test fetches ``get-pip-<version>.py`` from a host these machines cannot reach, unless a copy is
cached at ``~/.ansible/test/cache/get_pip_<version>.py``. ``make sanity`` copies this file there. It does
what get-pip does with the standard library and the package index pip is configured for: seed pip with
``ensurepip``, then install the requested packages (e.g. ``pip==24.2``) with that pip.
"""

from __future__ import annotations

import subprocess
import sys

# get-pip options that plain ``pip install`` does not know.
GET_PIP_ONLY_OPTIONS = frozenset(("--no-setuptools", "--no-wheel"))


def main() -> None:
    """Bootstrap pip into the running interpreter and install the requested packages."""
    args = [arg for arg in sys.argv[1:] if arg not in GET_PIP_ONLY_OPTIONS]
    subprocess.run([sys.executable, "-m", "ensurepip", "--upgrade", "--default-pip"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([sys.executable, "-m", "pip", "install", *args], check=True)


if __name__ == "__main__":
    main()
