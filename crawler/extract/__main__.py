"""python -m crawler.extract PATH_OR_URL [--url URL] — the same as `katdir extract`."""

import sys

from .cli import main

sys.exit(main())
