"""The wording rule: phrases the app must never show or say, for everyone.

Weight, looks and streak pressure (eating disorders, exercise addiction, body dysmorphia), and
heart-rate targets (beta-blockers: effort is judged on the CR10 scale). A test applies it to
every user-facing string: resources/, the compiled timelines, the Learn page, the report.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# "Bodyweight squats" and "lighter weights" (equipment) are fine; "lose weight", "burn fat" and
# "streak" are not.
_BANNED: tuple[tuple[str, str], ...] = (
    ("weight", r"\b(lose|losing|lost|shed|drop)\s+(some\s+)?(weight|pounds|kilos|kg|lbs)\b"),
    ("weight", r"\bweight[- ]?(loss|gain|goal|target)s?\b"),
    ("weight", r"\b(your|ideal|target|healthy)\s+weight\b"),
    ("weight", r"\bweigh(-in|\s+in|\s+yourself)\b"),
    ("weight", r"\b(bmi|body mass|body fat|calories?|kcal)\b"),
    ("weight", r"\b(burn|burning|blast|torch)\w*\s+(the\s+)?(fat|calories)\b"),
    ("weight", r"\bfat[- ]?(loss|burn\w*)\b"),
    ("weight", r"\b\d+(\.\d+)?\s?(kg|lbs?|pounds)\b"),
    ("appearance", r"\b(slim|slimmer|skinny|toned|tone up|toning|shred(ded)?|ripped)\b"),
    ("appearance", r"\b(beach|bikini|summer)[- ]body\b"),
    ("appearance", r"\b(six[- ]pack|physique|waistline|flat (belly|stomach)|love handles)\b"),
    ("appearance", r"\blook(s|ing)?\s+(better|good|great|slimmer|leaner|fit|amazing|younger)\b"),
    ("appearance", r"\b(your|body)\s+(shape|appearance|measurements?)\b"),
    ("streak", r"\bstreaks?\b"),
    ("streak", r"\b(don'?t|never)\s+break\s+the\s+chain\b"),
    ("streak", r"\b(you\s+)?(missed|skipped)\s+(a|your|\d+)\s+(day|session)s?\b"),
    ("heart rate", r"\b(target|max(imum)?|zone)\s+heart[- ]rate\b"),
    ("heart rate", r"\bheart[- ]rate\s+(target|zone|of)\b"),
    ("heart rate", r"\b\d+\s?bpm\b|\bbeats per minute\b"),
)
_BANNED_RE = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in _BANNED)


@dataclass(frozen=True)
class WordingProblem:
    kind: str  # "weight", "appearance", "streak" or "heart rate"
    phrase: str

    def __str__(self) -> str:
        return f"{self.kind} wording: {self.phrase!r}"


def wording_problems(text: str) -> list[WordingProblem]:
    """Phrases the app must never show or say: weight, looks, streak pressure, heart-rate targets.

    Applied to every user-facing string (a test scans resources/ and the compiled timelines),
    so it holds for everyone, not only for those whose screening asks for it.
    """
    return [
        WordingProblem(kind, m.group(0))
        for kind, rx in _BANNED_RE
        for m in rx.finditer(text)
    ]


def counted(n: int, noun: str, plural: str = "") -> str:
    """`n` and `noun`, plural unless n is 1: counted(1, "session") -> "1 session",
    counted(3, "session") -> "3 sessions"; `plural` for irregular nouns (default noun + "s")."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"

