"""The outside world coming in: the intake server's routes (DESIGN.md)."""
