"""pocketsphinx as the recogniser uses it: the tuned decoder settings, the extra
pronunciations, the grammar for each context and how its answers are read (Qt-free; runs
in the recogniser's processes, companion.voice.decoder and companion.voice.yardstick).
"""

from __future__ import annotations

from typing import Any

from companion.voice.decide import TAKE_BACK_WORDS, Expecting, grammar_words

# Decoder settings, chosen on the tuning clips (scripts/make_asr_clips.py --set tune, 12
# voices x 3 rates, 720 clean command clips). topn: Gaussians scored per frame (pocketsphinx
# default 4); 16 gained about 1% over 8 at a third more decode time, which the parallel
# yardstick process pays for. warp_params: a frequency warp of 1.06 (a slightly shorter
# vocal tract than the model's average speaker) gained about 1.5%; 0.88-1.12 were tried.
DECODER_OPTIONS: dict[str, Any] = {"topn": 16, "warp_params": "1.06"}
# Extra pronunciations (CMUdict has one each) for words said with a reduced or shifted vowel
# ("sev'n", "dawn" for done). Chosen on the tuning clips: command accuracy 0.81 -> 0.89.
ALT_PRONS: tuple[tuple[str, str], ...] = (
    ("seven(2)", "S EH V N"), ("seven(3)", "S EH V IH N"), ("seven(4)", "S AE V AH N"),
    ("seven(5)", "S EH M AH N"), ("seven(6)", "S EH V AH M"),
    ("nine(2)", "N AA N"), ("nine(3)", "N AY AH N"), ("nine(4)", "N AY M"),
    ("done(2)", "D AO N"), ("done(3)", "D AA N"),
    ("four(2)", "F OW R"), ("four(3)", "F AO"),
)
#: The search name of the free phone loop (`add_allphone_file`), the yardstick.
PHONES = "phones"


def new_decoder(options: dict[str, Any]) -> Any:
    """A pocketsphinx `Decoder` with the tuned settings (`options["decoder"]` overrides
    them) and no search yet. The grammar decoder and the yardstick both start here: the
    confidence is the gap between their two scores, so both must see the same features."""
    from pocketsphinx import Decoder

    kwargs: dict[str, Any] = {**DECODER_OPTIONS, "lm": None, "loglevel": "FATAL"}
    kwargs.update(options.get("decoder", {}))
    return Decoder(**kwargs)


def decode(ps: Any, logmath: Any, data: bytes) -> tuple[str, float | None]:
    """Decode one whole utterance (16 kHz mono 16-bit samples) with the active search:
    the raw hypothesis ("" for none) and its log score (None when there is none)."""
    ps.start_utt()
    ps.process_raw(data, full_utt=True)
    ps.end_utt()
    hyp = ps.hyp()
    if hyp is None:
        return "", None
    # pocketsphinx 5 hands scores back as logmath.exp(score); undo it.
    return hyp.hypstr, logmath.log(hyp.score) if hyp.score > 0 else None


def jsgf(expecting: Expecting) -> str:
    """The JSGF grammar of the phrases heard while `expecting` (decide.grammar_words), plus
    "all clear" taken back in the same breath ("all clear no wait"), never all clear."""
    alts = " | ".join(grammar_words(expecting))
    if "all clear" in grammar_words(expecting):
        alts += f" | all clear ({' | '.join(TAKE_BACK_WORDS)})+"
    return f"#JSGF V1.0;\ngrammar {expecting.value};\npublic <cmd> = {alts};\n"


def complete(phrase: str, expecting: Expecting) -> bool:
    """Whether the grammar search ended on a whole phrase (not a partial path)."""
    if phrase in grammar_words(expecting):
        return True
    words = phrase.split()
    return phrase.startswith("all clear ") and "all clear" in grammar_words(expecting) \
        and all(w in TAKE_BACK_WORDS for w in words[2:])


def clean(hypstr: str) -> str:
    """A hypothesis as words: fillers (<sil>, [noise]) and alternate-pronunciation marks
    ("seven(2)") dropped."""
    words = [w for w in hypstr.split() if not w.startswith("<") and not w.startswith("[")]
    return " ".join(w.split("(")[0] for w in words)
