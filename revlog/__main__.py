"""``python -m revlog``: the revlog command (see revlog.cli)."""
import sys

from revlog.cli import main

if __name__ == "__main__":
    sys.exit(main())
