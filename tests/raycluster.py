"""A real Ray cluster on loopback for the tests: a head and one worker node, each with one
CPU, in their own temp folder and ports, stopped by killing exactly their processes (`ray
stop` would end every Ray process of the user, other clusters included)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

RAY = Path(sys.executable).with_name("ray")


def _pids_of(temp_dir: Path) -> set[int]:
    """Processes whose command line names `temp_dir`, and all their descendants."""
    parents: dict[int, int] = {}
    mine: set[int] = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents[int(entry.name)] = ppid
        if str(temp_dir) in cmdline:
            mine.add(int(entry.name))
    grew = True
    while grew:
        extra = {pid for pid, ppid in parents.items() if ppid in mine and pid not in mine}
        mine |= extra
        grew = bool(extra)
    return mine - {os.getpid()}


class LoopbackCluster:
    def __init__(self, temp_dir: Path, base_port: int):
        import secrets

        self.temp_dir = temp_dir  # short: Ray's socket paths must fit in 107 bytes
        self.port = base_port
        self.address = f"127.0.0.1:{base_port}"
        # Token authentication with a token of its own: what a ~/.ray/auth_token left by
        # another Ray (which new Rays pick up by default) says does not matter. Drivers
        # connecting to it run with `env`.
        env = {k: v for k, v in os.environ.items()
               if k not in ("RAY_ADDRESS", "RAY_AUTH_TOKEN_PATH")}
        self.env = {**env, "RAY_AUTH_MODE": "token", "RAY_AUTH_TOKEN": secrets.token_hex(32)}

    def _start(self, *args: str, ports: int) -> None:
        """One node; every port it opens is its own (two nodes share this machine)."""
        p = self.port + ports
        cmd = [str(RAY), "start", *args, "--node-ip-address", "127.0.0.1", "--num-cpus", "1",
               "--disable-usage-stats", "--temp-dir", str(self.temp_dir),
               "--node-manager-port", str(p + 1), "--object-manager-port", str(p + 2),
               "--dashboard-agent-listen-port", str(p + 3),
               "--dashboard-agent-grpc-port", str(p + 4),
               "--runtime-env-agent-port", str(p + 5), "--metrics-export-port", str(p + 6),
               "--min-worker-port", str(p + 10), "--max-worker-port", str(p + 40)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, env=self.env)
        if proc.returncode:
            raise RuntimeError(f"ray start failed ({proc.returncode}):\n"
                               f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")

    def start(self) -> LoopbackCluster:
        self._start("--head", "--port", str(self.port), "--include-dashboard=false",
                    ports=0)
        self._start("--address", self.address, ports=50)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and self.nodes() < 2:
            time.sleep(1)
        return self

    def nodes(self) -> int:
        out = subprocess.run([str(RAY), "status", "--address", self.address],
                             capture_output=True, text=True, timeout=60, env=self.env).stdout
        return out.count(" node_")

    def stop(self) -> None:
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = _pids_of(self.temp_dir)
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + 10
            while pids and time.monotonic() < deadline:
                pids = {p for p in pids if Path(f"/proc/{p}").exists()
                        and "zombie" not in _state(p)}
                time.sleep(0.2)
        shutil.rmtree(self.temp_dir, ignore_errors=True)


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/status").read_text().split("State:")[1].split("\n")[0]
    except (OSError, IndexError):
        return "zombie"
