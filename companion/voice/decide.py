"""Fail-safe rules that turn a recognised phrase into a session action (the router that
applies them to a `SessionEngine` is companion.voice.router).

The rule that governs everything here: a mishearing may make the app ask again or stop,
never carry on past a reported symptom. So "all clear" is the one phrase that lets a
session move on after a check-in, and it is accepted only when a check-in is expected and
the recogniser is confident; every stop-class or symptom word stops (same path as the U
key); anything else that is unclear asks again or is ignored, never guessed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from companion.core.safety import ALL_CLEAR_KEY


class Expecting(enum.Enum):
    """What the app is listening for; each has its own small grammar (fewer confusions)."""

    CHECKIN = "checkin"
    EFFORT = "effort"
    MOOD = "mood"
    TO_FATIGUE = "to_fatigue"
    PAUSED = "paused"
    ALWAYS = "always"  # between questions: only the stop-class phrases
    CONFIRM = "confirm"  # "All clear? Say yes, or press C" (a check-in, still on hold)


# -- the vocabulary ---------------------------------------------------------------------------
ALL_CLEAR_PHRASES = ("all clear",)
STOP_PHRASES = ("stop", "help", "not well")
# Symptom words stop too: someone naming a symptom must never be carried on.
SYMPTOM_WORDS = ("chest", "dizzy", "pain", "hurts", "headache")
# ...and the sentences people say them in (as whole phrases, the recogniser does not force
# "my chest hurts" onto a number or a control word between questions). Stop-class everywhere,
# at the effort question too: unlike the single words, no number sounds like them.
SYMPTOM_SENTENCES = ("my chest hurts", "chest pain", "i can't breathe", "i feel faint",
                     "i feel dizzy", "i feel sick", "it hurts", "i'm in pain",
                     "i don't feel well", "something's wrong", "my heart")
# The commonest other ways of saying "no symptoms". They are recognised (so they do not land
# on "stop" or "help") but never move a session on: the app answers with the phrase that
# works ("say all clear, or press C"). Why not accept them: "i'm fine" is one vowel from
# "i feel faint", "no, all clear" is "not all clear" with one sound less; see README.
NATURAL_ANSWERS = ("all good", "i'm fine", "i'm okay", "i'm good", "fine", "i'm all right",
                   "no problems", "no all clear")
NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight",
                "nine", "ten")
CONTROL_WORDS = ("pause", "resume", "skip", "repeat", "done")
# Plain yes/no at a check-in ("any chest pain...?"): "yes" stops, "no" asks for "all clear"
# (the recogniser confuses "stop" with "no", so "no" must never count as all clear). More
# catch-all words were tried and dropped: they stole real answers ("five" -> "fine").
FILLER_WORDS = ("no", "yes")
# Rivals of "all clear": rhymes and near-rhymes that give similar-sounding speech somewhere
# else to land than on the one phrase that lets a session move on. Always "unclear".
NEAR_ALL_CLEAR = ("all fear", "all near", "all year", "call clear", "fall clear",
                  "hall clear", "oh dear", "all gear", "all", "all cleared", "not all clear")

# "all clear" taken back in the same breath ("all clear, no wait", "all clear... actually
# no"): the recogniser may hear any run of these words after "all clear" (a JSGF rule, see
# sphinx.jsgf), and such an utterance is never "all clear". Found on the test clips: a fast
# voice said "all clear, no wait" in 1.1 s with no pause, and it was heard as "all clear".
TAKE_BACK_WORDS = ("no", "not", "wait", "but", "actually", "stop")

#: every phrase that stops a session (stop-class and symptom words)
RED_PHRASES = set(STOP_PHRASES) | set(SYMPTOM_WORDS) | set(SYMPTOM_SENTENCES)


def grammar_words(expecting: Expecting) -> tuple[str, ...]:
    """The phrases the recogniser may return while `expecting` (always includes stop-class).

    Questions get small grammars (fewer confusions). Between questions (and in to-fatigue
    sets, and paused) people talk, count reps and grunt: a grammar of only the stop words
    would force all of that onto "stop", so those contexts get the whole vocabulary and
    `decide` acts only on what the context allows. The "all clear" rivals stay in them
    too: without them, 36 of 1332 clean non-stop tuning clips stopped a to-fatigue set
    (mostly "all ..." phrases heard as "help"), with them 8, at the price of some "done"s
    heard as "all year" (asked again).
    """
    words: list[str] = [*STOP_PHRASES, *SYMPTOM_SENTENCES]
    if expecting is Expecting.CHECKIN:
        words += [*SYMPTOM_WORDS, *ALL_CLEAR_PHRASES, "pause", "repeat", *FILLER_WORDS,
                  *NEAR_ALL_CLEAR, *NATURAL_ANSWERS]
    elif expecting is Expecting.EFFORT:
        # No single symptom words here: "eight" came out as "headache" and "ten" as "pain".
        words += [*NUMBER_WORDS, "pause", "skip", "repeat"]
    elif expecting is Expecting.MOOD:
        words += [*NUMBER_WORDS[1:6], "repeat"]
    elif expecting is Expecting.CONFIRM:
        words += [*SYMPTOM_WORDS, *ALL_CLEAR_PHRASES, *FILLER_WORDS, *NEAR_ALL_CLEAR,
                  *NATURAL_ANSWERS, "repeat"]
    else:
        words += [*SYMPTOM_WORDS, *NUMBER_WORDS, *CONTROL_WORDS, *FILLER_WORDS,
                  *NEAR_ALL_CLEAR, *NATURAL_ANSWERS]
    return tuple(words)


# -- decisions --------------------------------------------------------------------------------
class Action(enum.Enum):
    ALL_CLEAR = "all_clear"
    RED_FLAG = "red_flag"
    ASK_AGAIN = "ask_again"
    EFFORT = "effort"
    MOOD = "mood"
    PAUSE = "pause"
    RESUME = "resume"
    SKIP = "skip"
    REPEAT = "repeat"
    DONE = "done"
    IGNORE = "ignore"
    CONFIRM = "confirm"  # ask "All clear? Say yes, or press C"


# Confidence bars (0..1, see yardstick.confidence_from_gap), set on the TUNING clip set
# (scripts/make_asr_clips.py --set tune), never on the test set. Version 5 of the tuning
# clips (espeak-ng and Flite voices, 6 room conditions, near-misses, natural answers,
# symptom sentences, TV-only clips) with today's grammar and endpointer: of 1048 decodes,
# no clip other than "all clear" was heard as "all clear" with a margin of 0.5 and as a
# short answer on its own above 0.30 (the worst: "all clear, actually no" cut short, at
# 0.30); genuine takes above the bar: 18 at 0.70, 32 at 0.55, 33 at 0.50. The bar keeps
# 0.25 above that worst impostor. (It was 0.70 on espeak-ng alone, where a near-rhyme
# reached 0.68 before the rivals and the surroundings rules existed.)
ALL_CLEAR_BAR = 0.55
# ...and it must beat the best other phrase of the check-in grammar (its n-best runner-up,
# usually a near-rhyme rival) by this much per frame. Why a second test: the confidence of
# one clip moves with what the recogniser heard before it (its noise estimate carries over),
# and in one pass over the tuning set "fall clear" reached 0.89 and "all gear" 0.73, but
# with margins of 0.01 and 0.46 per frame; genuine takes above the bar had 0.05-2.9 (18 of
# 20 at 0.5 or more). No margin (None) means not accepted: input that has no runner-up
# (simulated answers) passes math.inf explicitly.
ALL_CLEAR_MARGIN = 0.5
# ...and it must be a short answer said on its own, in the answer window (Surroundings).
ANSWER_WINDOW = 10.0  # seconds after listening started (the question ended)
ANSWER_MIN_S = 0.25
ANSWER_MAX_S = 1.6  # "all clear" said slowly is ~1 s
BACKGROUND_MAX = 0.2  # share of speech in the 1.5 s before it
AFTER_MAX = 0.2  # share of speech in the hold after it
# A confirmation turn where doubt remains: a short answer said on its own that was heard
# as "all clear" without the confidence or the lead, or as one of its rivals ("all
# cleared", "fall clear"...: the recogniser's commonest way of mishearing a real "all
# clear" from the test voices), makes the app ask "All clear? Say yes, or press C". A
# confident "yes" (or "all clear" by the usual rules) said on its own within CONFIRM_WINDOW
# then counts as all clear; a stop word or symptom stops; anything else asks the check-in
# again. Why it is safe: the person states "yes" to an explicit question about all clear;
# a near-miss ("not all clear") answered "no" asks again.
CONFIRMABLE = ("all clear", "all cleared", "fall clear", "call clear", "hall clear",
               "all fear", "all near", "all year", "all gear")
CONFIRM_WINDOW = 8.0  # seconds the confirmation question waits for its answer
# An answer begun before the window closed still answers it for this long after (an
# endpointed "yes" ends ~0.5 s after the voice does); later, the check-in question is what
# is open again, and "yes" there means yes, a sign.
CONFIRM_GRACE = 2.0
YES_BAR = 0.3
CONFIRM_PROMPT = "All clear? Say yes, or press {key}."
# Numbers and control words: right and wrong overlap widely; the bar only drops the worst.
COMMAND_BAR = 0.2
# Stop-class and symptom words act at any confidence at a check-in (the symptom question:
# stopping is the safe error). Elsewhere a counted rep or a grunt must not end a workout, so
# a small bar applies; below it the app asks ("did you say stop?") instead of dropping it.
# Measured on the version 5 tuning clips (quiet): stop words and symptom sentences at the
# effort question stopped 74/79 at any confidence, 64 at 0.2, 58 at 0.3, 46 at 0.5;
# between questions 73, 65, 58, 44; numbers heard as a stop: 0 of 66 at any bar. "A stop
# is always heard" wins: the bars are low. (They were 0.3 and 0.5, set on espeak-ng with
# the older grammar, where numbers were often heard as "stop".)
STOP_BAR = 0.1
STOP_BAR_NUMBERS = 0.1  # single words at the effort and mood questions

_QUESTIONS = (Expecting.CHECKIN, Expecting.EFFORT, Expecting.MOOD, Expecting.CONFIRM)


@dataclass(frozen=True)
class Surroundings:
    """How an utterance was said (from the recogniser's endpointer, vad.Utterance): times in
    seconds from when listening started, `background`/`speech_after` the share of speech
    (anyone's) in the 1.5 s before it and in the hold after it, `at_open` whether it was
    already going on when listening started, `followed` whether another utterance began in
    the hold (None: not known), `snr_db` its level above the steady noise."""

    start: float
    end: float
    background: float = 0.0
    at_open: bool = False
    followed: bool | None = False
    speech_after: float = 0.0
    snr_db: float = 40.0

    @classmethod
    def quiet(cls, start: float = 1.0, end: float = 1.7) -> Surroundings:
        """A short answer in a quiet room (testing aids and simulated answers)."""
        return cls(start, end)

    @property
    def duration(self) -> float:
        return self.end - self.start

    def not_an_answer(self) -> str | None:
        """Why this is not a short answer said on its own in the answer window (the reason
        code of Decision.reason), or None when it is."""
        if self.at_open or self.background > BACKGROUND_MAX or self.speech_after > AFTER_MAX:
            return "talk"
        if self.followed is not False:
            return "followed"
        if not ANSWER_MIN_S <= self.duration <= ANSWER_MAX_S:
            return "long"
        if self.start > ANSWER_WINDOW:
            return "late"
        return None


# What the microphone line says when "all clear" was heard but not taken, by reason.
_REASONS = {
    "talk": "There's talking in the background: press {key} for all clear",
    "followed": "Heard more after it: say all clear again, or press {key}",
    "long": "Please say just \"all clear\", or press {key}",
    "late": "Please say it again, or press {key}",
    "unsure": "Please say it again, or press {key}",
    "natural": "To carry on, say \"all clear\" or press {key}",
}


@dataclass(frozen=True)
class Decision:
    action: Action
    value: int | None = None
    phrase: str | None = None
    confidence: float = 0.0
    expecting: Expecting | None = None
    reason: str | None = None  # why "all clear" (or a natural answer) was not taken

    @property
    def heard_text(self) -> str:
        """What the microphone indicator says back ("Heard: all clear")."""
        if self.phrase is None:
            return "Didn't catch that"
        text = str(self.value) if self.value is not None else self.phrase
        if self.action is Action.CONFIRM:
            return f"Heard: {text}? " + CONFIRM_PROMPT.format(key=ALL_CLEAR_KEY)
        if self.reason is not None and self.action is Action.ASK_AGAIN:
            return f"Heard: {text}? " + _REASONS[self.reason].format(key=ALL_CLEAR_KEY)
        if self.action is Action.ASK_AGAIN:
            return f"Heard: {text}? Please say it again"
        return f"Heard: {text}"


def _unclear(phrase: str | None, confidence: float, expecting: Expecting | None,
             reason: str | None = None) -> Decision:
    action = Action.ASK_AGAIN if expecting in _QUESTIONS else Action.IGNORE
    return Decision(action, None, phrase, confidence, expecting, reason)


def decide(phrase: str | None, confidence: float, expecting: Expecting | None,
           margin: float | None = None, around: Surroundings | None = None) -> Decision:
    """Map what was heard to an action. Pure; every branch has a unit test. `margin`: see
    ALL_CLEAR_MARGIN; `around`: see Surroundings. "All clear" counts only with both (the
    recogniser always gives them with "all clear"; without them it asks again)."""
    if expecting is None:
        return Decision(Action.IGNORE, None, phrase, confidence, expecting)
    if not phrase:
        return _unclear(None, confidence, expecting)

    def make(action: Action, value: int | None = None) -> Decision:
        return Decision(action, value, phrase, confidence, expecting)

    # Stop-class first: nothing else is even considered when someone may be unwell. At a
    # question, "stop" inside "all clear" taken back ("all clear, no wait, my chest hurts"
    # is heard as "all clear no wait stop stop": the grammar forces the rest onto those
    # words) stops too, at any confidence, as "stop" on its own does.
    red = phrase in RED_PHRASES or (phrase == "yes" and expecting is Expecting.CHECKIN) \
        or (expecting in (Expecting.CHECKIN, Expecting.CONFIRM)
            and phrase.startswith("all clear ") and "stop" in phrase.split()[2:])
    if expecting is Expecting.CONFIRM and not red:
        return _confirmed(phrase, confidence, margin, around)
    if red:
        numbers_near = expecting in (Expecting.EFFORT, Expecting.MOOD) \
            and phrase not in SYMPTOM_SENTENCES  # no number sounds like a sentence
        bar = STOP_BAR_NUMBERS if numbers_near else STOP_BAR
        if expecting in (Expecting.CHECKIN, Expecting.CONFIRM) or confidence >= bar:
            return make(Action.RED_FLAG)
        return make(Action.ASK_AGAIN)  # "did you say stop?": the UI says stop again or press U
    if phrase in ALL_CLEAR_PHRASES:
        if expecting is not Expecting.CHECKIN:
            return _unclear(phrase, confidence, expecting)
        why = "unsure" if around is None else around.not_an_answer()
        if why is not None:
            return _unclear(phrase, confidence, expecting, why)
        if confidence < ALL_CLEAR_BAR or margin is None or margin < ALL_CLEAR_MARGIN:
            return make(Action.CONFIRM)  # a short answer on its own: ask, don't guess
        return make(Action.ALL_CLEAR)
    if phrase in CONFIRMABLE and expecting is Expecting.CHECKIN and around is not None \
            and around.not_an_answer() is None:
        return make(Action.CONFIRM)
    if phrase in NATURAL_ANSWERS or (phrase == "no" and expecting is Expecting.CHECKIN):
        # "no" (no signs) is the natural answer to "Any of these signs?": the reply says
        # what carries on, not "please say it again" (a tester repeated "no" in a loop)
        return _unclear(phrase, confidence, expecting,
                        "natural" if expecting is Expecting.CHECKIN else None)
    if phrase in NUMBER_WORDS:
        n = NUMBER_WORDS.index(phrase)
        if confidence < COMMAND_BAR:
            return _unclear(phrase, confidence, expecting)
        if expecting is Expecting.EFFORT:
            return make(Action.EFFORT, n)
        if expecting is Expecting.MOOD and 1 <= n <= 5:
            return make(Action.MOOD, n)
        return _unclear(phrase, confidence, expecting)
    if phrase in CONTROL_WORDS:
        if confidence < COMMAND_BAR or expecting is Expecting.ALWAYS:
            return _unclear(phrase, confidence, expecting)
        if phrase == "done" and expecting is not Expecting.TO_FATIGUE:
            return _unclear(phrase, confidence, expecting)
        if phrase == "skip" and expecting is Expecting.CHECKIN:
            return _unclear(phrase, confidence, expecting)  # the safety question is not skippable
        if phrase == "resume" and expecting is not Expecting.PAUSED:
            return _unclear(phrase, confidence, expecting)
        return make(Action(phrase))
    return _unclear(phrase, confidence, expecting)  # fillers and anything unknown


def _confirmed(phrase: str, confidence: float, margin: float | None,
               around: Surroundings | None) -> Decision:
    """The answer to "All clear? Say yes, or press C" (stop-class handled before)."""
    ctx = Expecting.CONFIRM
    on_its_own = around is not None and around.not_an_answer() is None
    if phrase == "yes" and confidence >= YES_BAR and on_its_own:
        return Decision(Action.ALL_CLEAR, None, phrase, confidence, ctx)
    if phrase in ALL_CLEAR_PHRASES and on_its_own and confidence >= ALL_CLEAR_BAR \
            and margin is not None and margin >= ALL_CLEAR_MARGIN:
        return Decision(Action.ALL_CLEAR, None, phrase, confidence, ctx)
    if phrase == "repeat":
        return Decision(Action.CONFIRM, None, phrase, confidence, ctx)
    # "no", a natural answer, a rival again, anything unclear: the check-in is asked again
    return Decision(Action.ASK_AGAIN, None, phrase, confidence, ctx,
                    "natural" if phrase in NATURAL_ANSWERS else None)


