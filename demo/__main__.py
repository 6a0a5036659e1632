"""`python -m demo`: see demo.launcher."""

from __future__ import annotations

import sys

from demo.launcher import main

if __name__ == "__main__":
    sys.exit(main())
