"""The frozen program's entry script: both kb-browser (windowed) and kb-browser-cli run this.

``freeze_support`` comes before anything else: on Windows the index build's worker processes
are this same executable started again, and it must turn them into workers, not a second app.
``KB_BROWSER_START_METHOD=spawn`` makes Linux start workers the way Windows does (the smoke test).
"""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()
    method = os.environ.get("KB_BROWSER_START_METHOD")
    if method:
        multiprocessing.set_start_method(method)
    from desktop_app.cli import main

    sys.exit(main())
