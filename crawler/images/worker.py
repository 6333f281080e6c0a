"""The image judge's child process: one ``(purpose, bytes)`` request at a time on stdin, a verdict on stdout.

Run as ``python -m crawler.images.worker`` by :class:`crawler.gate.images.ImageJudge`, which kills it when a
judgement overruns its time limit. It ignores SIGINT (the crawl decides when to stop, and kills it) and
exits at end of input.
"""

from __future__ import annotations

import pickle
import signal
import sys

READY = b"R"


def main() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the verdict stream
    from crawler.images.check import ImageVerdict, check_image  # OpenCV loads here, not in the crawl

    stdout.write(READY)
    stdout.flush()
    while True:
        try:
            purpose, data = pickle.load(stdin)
        except EOFError:
            return
        try:
            verdict = check_image(data, purpose=purpose)
        except Exception as exc:  # an unforeseen failure is a refusal, never an accepted image
            verdict = ImageVerdict(False, "check-failed", f"image check failed: {type(exc).__name__}")
        pickle.dump(verdict, stdout, protocol=pickle.HIGHEST_PROTOCOL)
        stdout.flush()


if __name__ == "__main__":
    main()
