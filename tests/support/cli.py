"""The command line in this process: main() with its output captured, for tests that run many commands."""
from __future__ import annotations

import io
import signal
import sys

from switchback.app.cli import main


def sw(*args, stdin: str = "") -> tuple[int, str, str]:
    """Exit code, stdout and stderr of `switchback ARGS`."""
    out, err, previous = io.StringIO(), io.StringIO(), signal.getsignal(signal.SIGTERM)
    real = sys.stdout, sys.stderr, sys.stdin
    sys.stdout, sys.stderr, sys.stdin = out, err, io.StringIO(stdin)
    try:
        rc = main([str(a) for a in args])
    finally:
        sys.stdout, sys.stderr, sys.stdin = real
        signal.signal(signal.SIGTERM, previous)      # `run` sets its own
    return rc, out.getvalue(), err.getvalue()
