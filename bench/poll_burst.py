"""Poll burst benchmark: N phones answer a live poll within ~5 s (`burst.py poll`, see there).

    python bench/poll_burst.py [--mode eventlet|gevent] [--phones 2000] [--burst-seconds 5]
"""
import sys

from burst import main

if __name__ == "__main__":
    sys.exit(main("poll"))
