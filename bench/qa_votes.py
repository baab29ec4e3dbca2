"""Q&A vote burst benchmark: N phones vote within ~2 s (`burst.py votes`, see there).

    python bench/qa_votes.py [--mode eventlet|gevent] [--phones 500] [--tmp-dir /dev/shm]
"""
import sys

from burst import main

if __name__ == "__main__":
    sys.exit(main("votes"))
