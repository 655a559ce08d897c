"""The fuzz corpus: the shipped rule files, and a strategy that mutates them (inserted
tokens, deleted and duplicated spans, truncation), shared by the fuzz and formatter tests."""

from __future__ import annotations

from functools import lru_cache

from hypothesis import strategies as strat

from mapsync.engine.language import LanguageError, parse_text
from mapsync.engine.language.ast import RuleFile
from mapsync.engine.resources import rules_dir

RULE_FILES = sorted(rules_dir().glob("*.map"))
NOISE = strat.sampled_from([b"{", b"}", b"(", b")", b'"', b"\\", b"|", b"->", b"<-", b"<->",
                            b"off", b"map", b"ref", b"when", b"label", b"\n", b"#", b".",
                            b"\x00", b"\xff", b"\xc3", b"mapping X {", b"lines L {", b"key",
                            b"1.5", b"null", b"not", b"in [", b"==", b"\t", b"\r"])


@lru_cache(maxsize=1)
def shipped() -> dict[str, RuleFile]:
    files = {}
    for path in RULE_FILES:
        try:
            files[path.name] = parse_text(path.read_text("utf-8"), path.name, path.name)
        except LanguageError:
            continue
    return files


@strat.composite
def mutated(draw: strat.DrawFn) -> tuple[str, bytes]:
    path = draw(strat.sampled_from(RULE_FILES))
    data = bytearray(path.read_bytes())
    for _ in range(draw(strat.integers(1, 4))):
        at = draw(strat.integers(0, len(data)))
        action = draw(strat.sampled_from(["insert", "delete", "truncate", "duplicate"]))
        if action == "insert":
            data[at:at] = draw(NOISE)
        elif action == "delete":
            del data[at:at + draw(strat.integers(1, 40))]
        elif action == "truncate":
            del data[at:]
        else:
            data[at:at] = data[at:at + draw(strat.integers(1, 200))]
    return path.name, bytes(data)
