#!/usr/bin/env python3
"""Writes src/test/resources/utf8/lossy-cases.json: random byte strings and their decoding by Python's
bytes.decode("utf-8", "replace"), which, like Rust's String::from_utf8_lossy, puts one U+FFFD per maximal
invalid subsequence. (The JDK's decoder does not always: it is not usable as the oracle.)"""
import json, os, random
rnd = random.Random(31)
interesting = [0x00, 0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC1, 0xC2, 0xDF, 0xE0, 0xE1, 0xEC,
               0xED, 0xEE, 0xEF, 0xF0, 0xF1, 0xF3, 0xF4, 0xF5, 0xFF]
cases = []
for _ in range(3000):
    b = bytes(rnd.choice(interesting) for _ in range(rnd.randrange(12)))
    cases.append({"hex": b.hex(), "text": b.decode("utf-8", "replace")})
path = os.path.join(os.path.dirname(__file__), "..", "src", "test", "resources", "utf8", "lossy-cases.json")
with open(path, "w", encoding="utf-8") as f:
    json.dump(cases, f, ensure_ascii=True)
    f.write("\n")
