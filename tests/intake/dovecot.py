"""A real IMAP server for the mailbox tests: Debian's Dovecot started by the test with a configuration of its own
in a temporary folder (a free port on 127.0.0.1, passwd-file authentication, Maildir, no TLS, no system
service), and stopped at the end.

    server = Dovecot.start()           # server.port, server.user, server.password
    server.deliver(raw_bytes)          # a message into the INBOX (IMAP APPEND, as a mail server would store it)
    server.stop()

As root the mail processes run as Debian's ``dovecot`` user and the login processes as ``dovenull`` (Dovecot
refuses root for both); as another user everything runs as that user."""

from __future__ import annotations

import contextlib
import imaplib
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"
CONFIG = """\
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = {uid}
last_valid_uid = {uid}
default_internal_user = {internal_user}
default_internal_group = {internal_group}
default_login_user = {login_user}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Dovecot:
    root: Path
    port: int
    user: str
    password: str
    config: Path
    process: subprocess.Popen | None = None

    @classmethod
    def start(cls, *, user: str = "service@example.com", password: str = "imap-secret") -> Dovecot:
        if not Path(DOVECOT).exists():
            raise RuntimeError(
                f"{DOVECOT} is missing: run scripts/ensure_system_packages.sh (make test does)"
            )
        root = Path(tempfile.mkdtemp(prefix="dovecot-test-"))
        os.chmod(root, 0o755)
        if os.geteuid() == 0:
            mail_user, login_user = pwd.getpwnam("dovecot"), "dovenull"
            internal_user, internal_group = "dovecot", "dovecot"
        else:
            mail_user = pwd.getpwuid(os.geteuid())
            login_user = internal_user = mail_user.pw_name
            internal_group = mail_user.pw_name
        for sub in ("run", "state", "mail", "home"):
            (root / sub).mkdir()
        if os.geteuid() == 0:
            for sub in ("mail", "home"):
                os.chown(root / sub, mail_user.pw_uid, mail_user.pw_gid)
        (root / "passwd").write_text(f"{user}:{{PLAIN}}{password}\n")
        port = _free_port()
        config = root / "dovecot.conf"
        config.write_text(
            CONFIG.format(
                root=root,
                port=port,
                uid=mail_user.pw_uid,
                gid=mail_user.pw_gid,
                internal_user=internal_user,
                internal_group=internal_group,
                login_user=login_user,
            )
        )
        output = (root / "stderr.log").open("wb")
        # -F: in the foreground, so that this process is its master and stop() ends it by its own handle
        process = subprocess.Popen(
            [DOVECOT, "-F", "-c", str(config)],
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        output.close()
        server = cls(root=root, port=port, user=user, password=password, config=config, process=process)
        try:
            server._wait_ready()
        except Exception:
            server.stop()
            raise
        return server

    def log(self) -> str:
        return "".join(
            (self.root / name).read_text(errors="replace")
            for name in ("stderr.log", "dovecot.log")
            if (self.root / name).exists()
        )

    def _wait_ready(self, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"dovecot exited with {self.process.returncode}:\n{self.log()}")
            try:
                imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=2)
            except OSError:
                time.sleep(0.1)
                continue
            try:
                imap.login(self.user, self.password)
                return
            except imaplib.IMAP4.error:
                time.sleep(0.1)
            finally:
                with contextlib.suppress(Exception):
                    imap.logout()
        raise RuntimeError(f"dovecot did not answer on port {self.port}:\n{self.log()}")

    def deliver(self, raw: bytes, folder: str = "INBOX") -> None:
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            imap.login(self.user, self.password)
            typ, detail = imap.append(folder, None, None, raw)
            if typ != "OK":
                raise RuntimeError(f"APPEND refused: {detail}")
        finally:
            with contextlib.suppress(Exception):
                imap.logout()

    def flags(self, folder: str = "INBOX") -> list[bytes]:
        """Every message's FLAGS, in order."""
        imap = imaplib.IMAP4("127.0.0.1", self.port, timeout=10)
        try:
            imap.login(self.user, self.password)
            imap.select(folder, readonly=True)
            _typ, data = imap.fetch("1:*", "(FLAGS)")
            return [line for line in data if line]
        finally:
            with contextlib.suppress(Exception):
                imap.logout()

    def stop(self) -> None:
        """End the master (SIGTERM: it stops its children), then, if anything of its session is left, kill it."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        shutil.rmtree(self.root, ignore_errors=True)
