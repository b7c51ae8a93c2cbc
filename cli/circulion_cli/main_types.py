"""The shape of a sub-command, shared by ``main`` and the command wrappers."""

from __future__ import annotations

import argparse
from collections.abc import Callable

from circulion_cli.config import CliConfig
from circulion_cli.console import Io

Command = Callable[[argparse.Namespace, CliConfig, Io], int]
