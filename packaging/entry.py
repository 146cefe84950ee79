"""The frozen program's entry point: the same `switchback` command line and designer."""
import sys

from switchback.app.cli import main

if __name__ == "__main__":
    sys.exit(main())
