"""`python -m katdir.cli …` is `katdir …`."""

import sys

from katdir.cli import main

sys.exit(main())
