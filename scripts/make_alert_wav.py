"""Generate the console's fast-track alert (two rising tones, 0.7 s) as a small WAV file.

Run once; the output is committed: python scripts/make_alert_wav.py src/minsheng/web/static/alert.wav
"""

from __future__ import annotations

import math
import struct
import sys
import wave

RATE = 16000


def tone(freq: float, seconds: float, volume: float = 0.5) -> list[int]:
    n = int(RATE * seconds)
    out = []
    for i in range(n):
        envelope = min(1.0, i / (0.01 * RATE), (n - i) / (0.05 * RATE))  # short attack, soft release
        out.append(int(32767 * volume * envelope * math.sin(2 * math.pi * freq * i / RATE)))
    return out


def main(path: str) -> None:
    samples = tone(880, 0.18) + [0] * int(RATE * 0.05) + tone(1320, 0.3) + [0] * int(RATE * 0.17)
    with wave.open(path, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(RATE)
        w.writeframes(b"".join(struct.pack("<h", s) for s in samples))


if __name__ == "__main__":
    main(sys.argv[1])
