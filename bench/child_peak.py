"""A `switchback` command as a process of its own, with its own peak memory. The kernel's figure for
a child (wait4, RUSAGE_CHILDREN) starts from the parent's size when the child is spawned by vfork,
as Python's subprocess does: a benchmark holding 500 MB made a 90 MB command look 500 MB. So the
child reads its own high-water mark (/proc/self/status, VmHWM) as it exits and says it last on
its standard error."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MARK = "peak-kb"

_WRAPPER = f"""
import atexit, os, sys
def said():
    try:
        kb = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        kb = "nan"
    os.write(2, f"\\n{MARK} {{kb}}\\n".encode())
atexit.register(said)
from switchback.app.cli import main
sys.exit(main())                       # argv from the command line, as the installed command
"""


def start(*args: str, **popen: object) -> subprocess.Popen:
    """`switchback ARGS`; pass stderr=subprocess.PIPE to read its peak with `peak_mb`."""
    return subprocess.Popen([sys.executable, "-c", _WRAPPER, *args], cwd=ROOT, **popen)


def peak_mb(stderr: str | bytes) -> float:
    """The peak the child said (MB); nan where /proc is not there."""
    text = stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr
    for line in reversed(text.splitlines()):
        if line.startswith(MARK + " "):
            try:
                return int(line.split()[1]) / 1024
            except ValueError:
                return float("nan")
    return float("nan")


def without_mark(stderr: str) -> str:
    return "\n".join(line for line in stderr.splitlines() if not line.startswith(MARK + " ")).strip()


def own_peak_mb() -> float:
    """This process's own peak (MB), for a benchmark that runs as a child of another."""
    try:
        with open("/proc/self/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
