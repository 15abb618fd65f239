"""Two real charon daemons in two network namespaces of our own, joined by a veth pair.

Why namespaces: the daemons must talk IKE to each other without touching the host's
network, and each needs a private /run because charon's pid file path is compiled in
(`ip netns exec` gives a mount namespace of its own, where we mount a tmpfs on /run).
Everything here is created with a unique tag and removed in `Lab.close()`.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from tests.certs import PrivateKey, make_ca, make_leaf, new_key, pem

CHARON = Path("/usr/lib/ipsec/charon")
SUBNET = "10.231.{n}.{host}"
# No `stroke` (it would trust the host's /etc/ipsec.d/cacerts), no `forecast` (multicast).
PLUGINS = (
    "random nonce openssl pem pkcs1 pkcs8 x509 revocation constraints pubkey "
    "sha1 sha2 hmac aes gcm drbg kdf kernel-netlink socket-default vici"
)
STRONGSWAN_CONF = """charon {{
  load = {plugins}
  install_routes = no
  install_virtual_ip = no
  plugins {{ vici {{ socket = unix://{dir}/charon.vici }} }}
  filelog {{ f {{ path = {dir}/charon.log
               time_format = %T
               default = 1
               ike = 2
               flush_line = yes }} }}
  syslog {{ daemon {{ default = -1 }} }}
}}
"""


def run(*cmd: str) -> None:
    subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@dataclass
class Identity:
    """A host's certificate and key, issued by its own CA."""

    ca: x509.Certificate
    cert: x509.Certificate
    key: PrivateKey

    @property
    def ca_pem(self) -> str:
        return pem(self.ca)

    @property
    def dn(self) -> str:
        """The subject as strongSwan writes it (RDNs in order, ", " between them)."""
        return ", ".join(a.rfc4514_string() for a in self.cert.subject.rdns)


def make_identity(label: str, ip: str) -> Identity:
    ca_key = new_key("p256")
    ca, _ = make_ca(ca_key, f"ontap-ipsec test CA {label}")
    cert, key = make_leaf((ca, ca_key), f"peer-{label}", key=new_key("p256"), san={"ip": [ip]})
    return Identity(ca, cert, key)


@dataclass
class Charon:
    """One charon daemon in namespace `netns`, configured from `dir`."""

    name: str
    netns: str
    dir: Path
    ip: str
    identity: Identity
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path:
        return self.dir / "charon.vici"

    @property
    def uri(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self, timeout: float = 10.0) -> None:
        """Start the daemon and wait until its VICI socket accepts connections."""
        self.dir.mkdir(parents=True, exist_ok=True)
        (self.dir / "strongswan.conf").write_text(
            STRONGSWAN_CONF.format(plugins=PLUGINS, dir=self.dir)
        )
        self.socket_path.unlink(missing_ok=True)
        env = dict(os.environ, STRONGSWAN_CONF=str(self.dir / "strongswan.conf"))
        with open(self.dir / "stdout", "ab") as out:
            self.process = subprocess.Popen(
                ["ip", "netns", "exec", self.netns, "sh", "-c",
                 f"mount -t tmpfs tmpfs /run && exec {CHARON}"],
                env=env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + timeout
        while True:
            with socket.socket(socket.AF_UNIX) as probe:
                try:
                    probe.connect(str(self.socket_path))
                    return
                except OSError:
                    pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"charon {self.name} did not come up; see {self.dir}")
            time.sleep(0.02)

    def stop(self) -> None:
        """SIGTERM by pid, then SIGKILL if it lingers."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def log(self) -> str:
        path = self.dir / "charon.log"
        return path.read_text(errors="replace") if path.exists() else ""


@dataclass
class Lab:
    """Namespaces `<tag>a` / `<tag>b`, a veth pair between them, a charon in each."""

    tag: str
    work: Path
    daemons: dict[str, Charon] = field(default_factory=dict)
    namespaces: list[str] = field(default_factory=list)

    @classmethod
    def create(cls) -> Lab:
        pid = os.getpid()
        tag = f"oits{pid % 100000}"
        lab = cls(tag=tag, work=Path(tempfile.mkdtemp(prefix="ontap-ipsec-strongswan-")))
        try:
            lab._build(subnet=pid % 200 + 20)
        except BaseException:
            lab.close()
            raise
        return lab

    def _build(self, subnet: int) -> None:
        ends = {side: (f"{self.tag}{side}", SUBNET.format(n=subnet, host=i + 1))
                for i, side in enumerate("ab")}  # fmt: skip
        for netns, _ in ends.values():
            run("ip", "netns", "add", netns)
            self.namespaces.append(netns)
        veth = {side: f"v{self.tag}{side}"[-15:] for side in ends}
        run("ip", "link", "add", veth["a"], "netns", ends["a"][0], "type", "veth",
            "peer", "name", veth["b"], "netns", ends["b"][0])  # fmt: skip
        for side, (netns, ip) in ends.items():
            run("ip", "-n", netns, "addr", "add", f"{ip}/24", "dev", veth[side])
            run("ip", "-n", netns, "link", "set", "lo", "up")
            run("ip", "-n", netns, "link", "set", veth[side], "up")
        for side, (netns, ip) in ends.items():
            daemon = Charon(side, netns, self.work / side, ip, make_identity(side, ip))
            self.daemons[side] = daemon
            daemon.start()

    def close(self) -> None:
        """Stop the daemons and delete the namespaces; safe to call more than once."""
        for daemon in self.daemons.values():
            daemon.stop()
        for netns in self.namespaces:
            subprocess.run(["ip", "netns", "del", netns], stderr=subprocess.DEVNULL)
        self.namespaces.clear()
        if os.environ.get("KEEP_STRONGSWAN_LOGS"):
            print(f"strongSwan logs kept in {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)

    @contextmanager
    def session(self, side: str) -> Iterator[Any]:
        """A raw `vici.Session` to one daemon, for what the test sets up itself."""
        import vici

        sock = socket.socket(socket.AF_UNIX)
        sock.settimeout(10)
        sock.connect(str(self.daemons[side].socket_path))
        try:
            yield vici.Session(sock)
        finally:
            sock.close()

    def configure(self, side: str) -> None:
        """Load the daemon's own certificate, key and IKE-only connection to its peer."""
        me = self.daemons[side]
        peer = self.daemons["b" if side == "a" else "a"]
        der = me.identity.cert.public_bytes(serialization.Encoding.DER)
        key = me.identity.key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )  # fmt: skip
        conn = {
            "version": "2",
            "local_addrs": [me.ip],
            "remote_addrs": [peer.ip],
            "send_cert": "always",  # else a peer without our CA gets no CERT at all
            "childless": "force",  # IKE-only: this kernel has no ESP
            "local": {"auth": "pubkey", "certs": [der], "id": me.identity.dn},
            "remote": {"auth": "pubkey", "id": peer.identity.dn},
        }
        with self.session(side) as s:
            s.load_cert({"type": "X509", "flag": "NONE", "data": der})
            s.load_key({"type": "any", "data": key})
            s.load_conn({"peer": conn})
