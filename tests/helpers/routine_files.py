"""Short routine files for the tests and the bench that play whole sessions: tempo-paced
squats, optionally more exercises, then a timed plank, in one round."""

from __future__ import annotations

#: a to-fatigue set between the squats and the plank (`squats_and_plank(middle=...)`)
PUSH_UPS_TO_FATIGUE = """\
[[exercise]]
name = "Push-ups"
to_fatigue = true
cap_seconds = 30
expected_seconds = 10
"""


def squats_and_plank(name: str, routine_id: str, *, rest_seconds: int, plank_seconds: int,
                     squats: str = "Squats", reps: int = 2, middle: str = "") -> str:
    """A routine file's text: one round of `reps` squats (1 s down, 1 s up), the
    `[[exercise]]` blocks in `middle`, then a plank of `plank_seconds`; `rest_seconds`
    between sets."""
    return (
        f'name = "{name}"\n'
        f'id = "{routine_id}"\n'
        "rounds = 1\n"
        f"rest_seconds = {rest_seconds}\n"
        "[[exercise]]\n"
        f'name = "{squats}"\n'
        f"reps = {reps}\n"
        "tempo = { down = 1.0, up = 1.0 }\n"
        f"{middle}"
        "[[exercise]]\n"
        'name = "Plank"\n'
        f"seconds = {plank_seconds}\n"
    )
