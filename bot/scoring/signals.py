"""Interpretable detectors for the tactics of online grooming.

Each tactic is a set of patterns over *normalised* text (see ``normalize.py``),
written for the way people type: ``u``/``ur``/``r``, dropped apostrophes, slang
(``ngl``, ``rn``, ``wanna``, ``lemme``), and the phrasings child-protection
guidance describes (NSPCC, Thorn, NCMEC, CEOP). A signal is a reason to look,
never a verdict on its own: the scorer weighs them together with who says them
to whom. Generic words never fire alone ("pic", "snap", "meet", "secret",
"gift", "number"): every pattern needs the frame that makes it a tactic.

The stages follow the grooming literature (O'Connell 2003; Winters et al. 2017):
access (age probing), trust (flattery, gifts), risk assessment, isolation and
secrecy, then moving the contact elsewhere, requests, meeting, and pressure.

The tables live in ``tactics.py``, the shared word forms and the compiler that makes
each tactic one fast regular expression in ``patterns.py``; this module is the API.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.scoring import lexicon
from bot.scoring.patterns import Tactic, TacticMatcher, reference_pattern
from bot.scoring.tactics import CONTEXT, CONTEXT_NAMES, REPORT_FRAME, TACTICS

__all__ = [
    "CONTEXT",
    "CONTEXT_NAMES",
    "DISCLOSURES",
    "SEXUAL_CONTENT",
    "SEXUAL_CONTENT_WEIGHT",
    "SIGNAL_NAMES",
    "TACTICS",
    "TACTICS_BY_NAME",
    "TACTIC_SIGNALS",
    "WORDING",
    "WORDING_WEIGHT",
    "Hit",
    "Tactic",
    "detect",
    "quote",
    "reference_pattern",
]

TACTICS_BY_NAME = {t.name: t for t in TACTICS}
DISCLOSURES = ("minor_disclosure", "adult_disclosure")
"""Facts about a speaker rather than tactics aimed at the other person."""
SEXUAL_CONTENT = "sexual_content"
SEXUAL_CONTENT_WEIGHT = 0.5
SIGNAL_NAMES = (*tuple(t.name for t in TACTICS), SEXUAL_CONTENT)
TACTIC_SIGNALS = frozenset(
    (*(t.name for t in TACTICS if t.name not in DISCLOSURES), SEXUAL_CONTENT)
)
"""The signals that are tactics (evidence of grooming), not facts or context."""
WORDING = "wording"
"""Not a pattern: a line whose wording weighed strongly in the text model's score."""
WORDING_WEIGHT = 0.3


_MATCHER = TacticMatcher((*TACTICS, *CONTEXT))


@dataclass(frozen=True, slots=True)
class Hit:
    name: str
    weight: float


HITS = {
    **{name: Hit(name, 0.0) for name in (*CONTEXT_NAMES, WORDING)},
    **{t.name: Hit(t.name, t.weight) for t in TACTICS},
    SEXUAL_CONTENT: Hit(SEXUAL_CONTENT, SEXUAL_CONTENT_WEIGHT),
}
"""One hit of each signal, shared by every message that shows it."""


def detect(normalized: str) -> tuple[Hit, ...]:
    """Return the signals present in one normalised message, at most one per name."""
    if not normalized:
        return ()
    found = _MATCHER.present(normalized)
    sexual = lexicon.contains_sexual_term(normalized)
    if not found and not sexual:
        return ()
    hits = [HITS[t.name] for bit, t in enumerate(TACTICS) if found >> bit & 1]
    found >>= len(TACTICS)
    context = {t.name for bit, t in enumerate(CONTEXT) if found >> bit & 1}
    if hits and REPORT_FRAME.search(normalized):
        context.add("concern_report")
    if any(hit.name == "secrecy" for hit in hits):
        context.discard("parent_involvement")  # "dont tell your parents"
    hits += [HITS[name] for name in CONTEXT_NAMES if name in context]
    if sexual:
        hits.append(HITS[SEXUAL_CONTENT])
    return tuple(hits)


def quote(text: str, limit: int = 120) -> str:
    """A short, single-line excerpt of a message for an alert."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
