import sys

from switchback.app.cli import main

sys.exit(main())
