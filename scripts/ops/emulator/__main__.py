import sys

from scripts.ops.emulator.server import main

sys.exit(main())
