"""``python -m scnekit``: the same as the ``scnekit`` command."""

import sys

from .cli import main

sys.exit(main())
