"""One real charon daemon for the strongSwan rows, in mount and network namespaces of its own.

Its pid file is compiled into charon as /var/run/charon.pid, hence a private tmpfs on
/run; a network namespace of its own keeps its IKE sockets off the host's network (the
bench only talks VICI to it, over a socket in the work dir). Started and stopped by
pid through `PROCS`, as every process of the harness.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .procs import PROCS

CHARON = Path("/usr/lib/ipsec/charon")
PLUGINS = (
    "random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey "
    "sha1 sha2 hmac aes gcm drbg kdf kernel-netlink socket-default vici"
)
CONF = """charon {{
  load = {plugins}
  install_routes = no
  install_virtual_ip = no
  plugins {{ vici {{ socket = unix://{dir}/charon.vici }} }}
  filelog {{ f {{ path = {dir}/charon.log
               default = 0
               flush_line = yes }} }}
  syslog {{ daemon {{ default = -1 }} }}
}}
"""


def problem() -> str | None:
    """Why no charon can run here for the bench, or None."""
    if os.geteuid() != 0:
        return "needs root (charon in namespaces of its own)"
    if not CHARON.exists():
        return f"no charon at {CHARON} (apt-get install strongswan-charon)"
    if shutil.which("unshare") is None:
        return "no unshare (util-linux)"
    if importlib.util.find_spec("vici") is None:
        return "the vici module is not installed (pip install vici)"
    probe = subprocess.run(["unshare", "--mount", "--net", "true"], capture_output=True, text=True)
    if probe.returncode != 0:
        return f"cannot make namespaces: {probe.stderr.strip()}"
    return None


@contextmanager
def running(work: Path, logfile: Path) -> Iterator[Path]:
    """A charon daemon; yields its VICI socket's path once it accepts connections."""
    work.mkdir(parents=True, exist_ok=True)
    (work / "strongswan.conf").write_text(CONF.format(plugins=PLUGINS, dir=work))
    sock = work / "charon.vici"
    sock.unlink(missing_ok=True)
    env = dict(os.environ, STRONGSWAN_CONF=str(work / "strongswan.conf"))
    cmd = ["unshare", "--mount", "--net", "sh", "-c", f"mount -t tmpfs tmpfs /run && exec {CHARON}"]
    proc = PROCS.start(cmd, env=env, logfile=logfile)
    try:
        deadline = time.monotonic() + 10
        while not _accepts(sock):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"charon did not come up; see {logfile}")
            time.sleep(0.02)
        yield sock
    finally:
        PROCS.stop(proc)


def _accepts(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as probe:
        try:
            probe.connect(str(path))
            return True
        except OSError:
            return False


@contextmanager
def session(path: Path) -> Iterator[Any]:
    """A raw `vici.Session`, for looking at the daemon as an operator would."""
    import vici

    sock = socket.socket(socket.AF_UNIX)
    sock.settimeout(10)
    sock.connect(str(path))
    try:
        yield vici.Session(sock)
    finally:
        sock.close()


def authority_names(s: Any, name: str | None = None) -> set[str]:
    """The names of the daemon's authorities (only `name`, if loaded, when given: cheap)."""
    query = {"name": name} if name else None
    return {found for event in s.list_authorities(query) for found in event}
