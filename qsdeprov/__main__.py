"""``python -m qsdeprov``: the operator CLI (see :mod:`qsdeprov.cli`)."""

import sys

from .cli import main

sys.exit(main())
