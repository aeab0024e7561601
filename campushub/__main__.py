import sys

from campushub.cli.main import main

sys.exit(main())
