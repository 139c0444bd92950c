"""The project director's sign-off (签认) of submitted monthly self-checks (R5a)."""
