"""``python -m gansci``: the command line, as torchrun's ``-m gansci`` starts it."""

import sys

from gansci.cli import main

sys.exit(main())
