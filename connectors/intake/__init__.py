"""The outside world coming in: the intake server's routes (DESIGN.md)."""

# Where the intake server listens unless told (here, not in server.py: the command line reads them
# without loading the server and its web stack).
DEFAULT_HOST, DEFAULT_PORT = "127.0.0.1", 8411
