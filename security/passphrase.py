"""Passphrases for the command line: from an environment variable or a prompt, never from argv
(which other users of the machine can see in the process list and which shells keep in history)."""

from __future__ import annotations

import os
import sys

from security.suite import SecurityError

__all__ = ["PASSPHRASE_ENV", "NEW_PASSPHRASE_ENV", "MIN_LENGTH", "read_passphrase", "check_new_passphrase"]

PASSPHRASE_ENV = "JNJP_PASSPHRASE"  # the passphrase of the key being used
NEW_PASSPHRASE_ENV = "JNJP_NEW_PASSPHRASE"  # the passphrase of a key being made (keys issue)
MIN_LENGTH = 8


def read_passphrase(prompt: str, *, env: str = PASSPHRASE_ENV, confirm: bool = False) -> str:
    """``env`` when set, else asked at the terminal (twice when ``confirm``: a new passphrase).
    SecurityError when neither is possible (no terminal, e.g. a script without the variable)."""
    value = os.environ.get(env)
    if value is None:
        if not sys.stdin or not sys.stdin.isatty():
            raise SecurityError(f"需要口令：请在终端中运行以输入口令，或设置环境变量 {env}（口令不能写在命令行参数中）")
        import getpass

        value = getpass.getpass(prompt)
        if confirm:
            check_new_passphrase(value, getpass.getpass("再输入一次："))
    if confirm:
        check_new_passphrase(value, value)
    return value


def check_new_passphrase(first: str, again: str) -> str:
    """A new passphrase typed twice (the terminal's prompt and the window's dialogs share this rule):
    SecurityError when the two differ or it is shorter than ``MIN_LENGTH``."""
    if first != again:
        raise SecurityError("两次输入的口令不一致")
    if len(first) < MIN_LENGTH:
        raise SecurityError(f"口令太短：至少 {MIN_LENGTH} 个字符")
    return first
