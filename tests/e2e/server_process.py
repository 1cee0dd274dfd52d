"""The one launcher of a real `reflect serve` subprocess for the end-to-end tests."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from contextlib import closing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "violet kettle harbour 42"


def free_port() -> int:
    """A loopback port nobody listens on (for the server, or as a certainly closed address)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class LiveServer:
    """A real `reflect serve` subprocess on its own data directory; restartable on one port."""

    data_dir: Path
    port: int
    env: dict[str, str]
    process: subprocess.Popen[bytes] | None = None
    admin_password: str = ""
    kiosk_token: str = ""
    ids: dict[str, str] = field(default_factory=dict)
    starts: int = 0
    ready_within_s: float = 120.0

    @classmethod
    def in_dir(cls, data_dir: Path, settings: Mapping[str, str | None]) -> LiveServer:
        """A server, not started yet, on a free port; `settings` set REFLECT_* (None unsets)."""
        data_dir.mkdir(parents=True, exist_ok=True)
        env = {
            **os.environ,
            "REFLECT_DATA_DIR": str(data_dir),
            "REFLECT_CONFIG": str(data_dir / "absent.toml"),
        }
        # The server must make and use its own keys in the data directory, not the developer's.
        env.pop("REFLECT_KEYRING", None)
        for name, value in settings.items():
            if value is None:
                env.pop(name, None)
            else:
                env[name] = value
        return cls(data_dir=data_dir, port=free_port(), env=env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        """The log of the latest start (each start writes its own)."""
        return self.data_dir / f"server-{self.starts}.log"

    def start(self) -> None:
        """Start `reflect serve` and wait until /health answers; stopped again if it never does."""
        self.starts += 1
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "cli", "serve", "--host", "127.0.0.1",
                 "--port", str(self.port)],
                env=self.env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
            )
        deadline = time.monotonic() + self.ready_within_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self.process = None
                raise RuntimeError(f"server exited: {self.log()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/health", timeout=5).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"server not ready in {self.ready_within_s:.0f} s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def bootstrap_password(self) -> str:
        """The bootstrap admin's one-time password (in a 0600 file: stderr is not a terminal)."""
        return (self.data_dir / "bootstrap-admin-password.txt").read_text().strip()

    def health(self) -> dict[str, Any]:
        """The parsed /health answer."""
        result: dict[str, Any] = httpx.get(f"{self.url}/health", timeout=10).json()
        return result

    def cli(self, *args: str, stdin: str | None = None) -> str:
        """Run `reflect ARGS` on this server's data directory and settings; its stdout."""
        done = subprocess.run(
            [sys.executable, "-m", "cli", *args], env=self.env, input=stdin,
            capture_output=True, text=True, timeout=120, check=False, cwd=ROOT,
        )
        if done.returncode != 0:
            raise RuntimeError(f"reflect {' '.join(args[:2])} failed: {done.stderr[-2000:]}")
        return done.stdout

    def create_account(self, username: str, role: str, password: str, display_name: str) -> None:
        """Create a staff account with the CLI, as an operator would."""
        self.cli("admin", "create-user", username, "--role", role, "--display-name",
                 display_name, "--password-stdin", stdin=password + "\n")

    def enrol_kiosk(self, name: str) -> str:
        """Enrol a kiosk with the CLI; its token becomes `kiosk_token`."""
        match = re.search(r"token[^:]*:\s*(\S+)", self.cli("admin", "enroll-kiosk", name))
        if match is None:
            raise RuntimeError("enroll-kiosk printed no token")
        self.kiosk_token = match.group(1)
        return self.kiosk_token

    def client(self, username: str | None = None, password: str = PASSWORD) -> httpx.Client:
        """An httpx client, signed in (with the CSRF header set) when a username is given."""
        client = httpx.Client(base_url=self.url, timeout=30)
        if username is not None:
            response = client.post(
                "/api/auth/login", json={"username": username, "password": password}
            )
            response.raise_for_status()
            client.headers["X-CSRF-Token"] = response.json()["csrf_token"]
        return client

    def new_session(self, therapist: str = "dr_ana") -> dict[str, Any]:
        """Create a session as the therapist; returns {session_id, code, ...}."""
        with closing(self.client(therapist)) as client:
            response = client.post("/api/sessions", json={})
            response.raise_for_status()
            result: dict[str, Any] = response.json()
            return result
