"""`python -m tui`: the same as the installed `milestones` command."""
import sys

from tui.main import main

sys.exit(main())
