"""Conversation scripts: grooming progressions and benign / hard-negative scenarios.

A script is a list of `Line`s spoken by two roles, "p0" and "p1".  In grooming
scripts p0 is the suspect.  Scripts carry no ids, times or typing style: generate.py
adds those the same way for every label, so that only the *content* tells grooming
from benign.

Both kinds of script are built from the same parts (greetings, small talk, chitchat
filler, closings, neutral phrasings) and with the same length shapes.
"""

from __future__ import annotations

import hashlib
import random
import re
from dataclasses import dataclass, field

from bot.learning.synth import phrases as P
from bot.learning.synth.noise import canonical

SPLITS = ("train", "dev")
DEV_MODULUS = 4  # about one phrasing in four goes to dev

_ALT = re.compile(r"\[([^\[\]]*)\]")
_SLOT = re.compile(r"\{(\w+)\}")


# ------------------------------------------------------------------ phrase handling
@dataclass(frozen=True)
class Phrase:
    text: str
    neutral: bool = False
    locale: str | None = None
    extra: tuple[str, ...] = ()


def parse(raw: str) -> Phrase:
    """Read the markers described in phrases.py (`*`, `us:`/`uk:`, ` #tactic`)."""
    neutral = raw.startswith("*")
    raw = raw.lstrip("*")
    locale = None
    if raw[:3] in ("us:", "uk:"):
        locale, raw = raw[:2], raw[3:]
    extra: tuple[str, ...] = ()
    if " #" in raw:
        raw, tags = raw.split(" #", 1)
        extra = tuple(tags.split())
    if "{m_grade}" in raw:
        locale = "us"
    elif "{m_year}" in raw:
        locale = "uk"
    return Phrase(raw, neutral, locale, extra)


def phrase_key(raw: str) -> str:
    """Spelling-insensitive identity of a phrasing (and of its split)."""
    return canonical(parse(raw).text if isinstance(raw, str) else str(raw))


def is_dev(key: str) -> bool:
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    return int(digest[:12], 16) % DEV_MODULUS == 0


def split_items(items: list, key=lambda x: x) -> dict[str, list]:
    """Split a bank into disjoint train/dev parts by a stable hash of each item's key.

    Variants with the same canonical key always land together.  Both parts are kept
    non-empty so every scenario can be built in both splits.
    """
    out: dict[str, list] = {"train": [], "dev": []}
    for item in items:
        out["dev" if is_dev(phrase_key(key(item))) else "train"].append(item)
    if len(items) >= 2:
        for side, other in (("dev", "train"), ("train", "dev")):
            if not out[side]:
                keys = sorted({phrase_key(key(i)) for i in out[other]})
                move = keys[0]
                out[side] = [i for i in out[other] if phrase_key(key(i)) == move]
                out[other] = [i for i in out[other] if phrase_key(key(i)) != move]
    return out


def _ex_key(ex: list[str]) -> str:
    return " ".join(line[2:] for line in ex)


class Banks:
    """Every phrase bank, restricted to one split."""

    def __init__(self, split: str) -> None:
        assert split in SPLITS
        self.split = split

        def part(items: list, key=lambda x: x) -> list:
            return split_items(items, key)[split]

        self.tactics = {t: part(b) for t, b in P.TACTIC_BANKS.items()}
        self.neutral = {t: [x for x in b if parse(x).neutral] for t, b in self.tactics.items()}
        self.replies = {t: part(r, key=lambda x: x[1]) for t, r in P.REPLIES.items()}
        self.adult_age_reactions = part(P.ADULT_AGE_REACTIONS)
        self.adult_age_replies = part(P.ADULT_AGE_REPLIES)
        self.age_replies = part(P.AGE_REPLIES)
        self.friendly = part(P.FRIENDLY_REPLIES)
        self.generic = part(P.GENERIC_REPLIES)
        self.acks = part(P.ACKS)
        self.acks_no = part(P.ACKS_NO)
        self.question_tails = part(P.QUESTION_TAILS)
        self.offer_tails = part(P.OFFER_TAILS)
        self.greetings = part(P.GREETINGS)
        self.greeting_replies = part(P.GREETING_REPLIES)
        self.closings = part(P.CLOSINGS)
        self.openers = part(P.OPENERS)
        self.tails = part(P.TAILS)
        self.bursts = part(P.BURST_PREFIXES)
        self.age_mentions = part(P.MINOR_AGE_MENTIONS)
        self.channel_openers = part(P.CHANNEL_OPENERS, key=_ex_key)
        self.talk = {
            "youth": part(P.YOUTH_TALK, key=_ex_key),
            "adult": part(P.ADULT_TALK, key=_ex_key),
            "family": part(P.FAMILY_TALK, key=_ex_key),
        }
        self.talk["mixed"] = self.talk["youth"] + self.talk["adult"]
        self.scenarios = {name: part(spec["ex"], key=_ex_key) for name, spec in P.SCENARIOS.items()}


# ---------------------------------------------------------------------- rendering
def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def minor_age(rng: random.Random) -> int:
    """Same age distribution for young people in every kind of conversation."""
    return rng.choices(range(11, 17), weights=[2, 3, 4, 4, 3, 1])[0]


def new_context(rng: random.Random, locale: str, m_age: int, a_age: int) -> dict[str, str]:
    """Values that stay the same for one conversation (the game they play, ages...)."""
    ctx = {name: rng.choice(values) for name, values in P.SLOTS.items()}
    ctx.update(
        m_age=str(m_age),
        m_age1=str(m_age + 1),
        m_grade=ordinal(m_age - 5),
        m_year=str(m_age - 4),
        a_age=str(a_age),
        a_age2=str(max(19, min(45, a_age + rng.randint(-5, 5)))),
        locale=locale,
    )
    return ctx


def render(text: str, ctx: dict[str, str], rng: random.Random) -> str:
    text = _ALT.sub(lambda m: rng.choice(m.group(1).split("|")), text)
    text = _SLOT.sub(lambda m: ctx.get(m.group(1)) or rng.choice(P.SLOTS[m.group(1)]), text)
    return " ".join(text.split())


def fits(raw: str, locale: str) -> bool:
    loc = parse(raw).locale
    return loc is None or loc == locale


def pick(rng: random.Random, items: list, locale: str | None = None):
    pool = [i for i in items if locale is None or fits(_text_of(i), locale)]
    return rng.choice(pool or items)


def _text_of(item) -> str:
    if isinstance(item, tuple):
        return item[1]
    if isinstance(item, list):
        return " ".join(item)
    return item


# ------------------------------------------------------------------------ scripts
@dataclass
class Line:
    role: str  # "p0" or "p1"
    text: str
    tactics: tuple[str, ...] = ()
    source: str = "synth"  # "synth" or "chitchat" (filler lines are not restyled much)


@dataclass
class Script:
    label: str
    scenario: str
    shape: str
    bands: dict[str, str]  # true age band of p0, p1
    lines: list[Line] = field(default_factory=list)
    suspect: str | None = None
    locale: str = "us"
    used: set[str] = field(default_factory=set)  # canonical keys of tactic phrasings


@dataclass(frozen=True)
class Shape:
    name: str
    length: tuple[int, int]
    tactics: tuple[int, int]


# Short on purpose: the committed corpus must stay small (~6 MB), and most of a
# message's bytes are its id and timestamp.
SHAPES = (
    (Shape("early", (3, 7), (1, 3)), 0.36),
    (Shape("fast", (5, 9), (2, 4)), 0.38),
    (Shape("medium", (8, 13), (3, 5)), 0.18),
    (Shape("slow", (16, 28), (4, 8)), 0.08),
)


def sample_shape(rng: random.Random) -> tuple[Shape, int]:
    """The same length distribution for every label and source."""
    shape = rng.choices([s for s, _ in SHAPES], weights=[w for _, w in SHAPES])[0]
    return shape, rng.randint(*shape.length)


class Builder:
    """Appends lines to a script; shared by grooming and benign scripts."""

    def __init__(self, rng, banks: Banks, ctx, script: Script, filler: list[str]) -> None:
        self.rng, self.banks, self.ctx, self.s, self.filler = rng, banks, ctx, script, filler
        self.disclosed = False  # has the younger person said their age yet?
        self.seen: set[int] = set()  # small-talk exchanges already used here

    def say(self, role: str, text: str, tactics=(), *, compose: bool = False) -> None:
        rng, b = self.rng, self.banks
        text = render(parse(text).text, self.ctx, rng)
        if compose:
            if rng.random() < 0.2:
                text = f"{render(rng.choice(b.openers), self.ctx, rng)} {text}"
            if rng.random() < 0.15:
                kinds = set(tactics)
                tails = list(b.tails)
                if kinds & {"gifts", "platform_move", "photo_request", "meeting"}:
                    tails += b.offer_tails
                elif kinds & {"age_probe", "risk_assessment"} or text.endswith("?"):
                    tails += b.question_tails
                text = f"{text} {rng.choice(tails)}"
            if rng.random() < 0.1:
                self.s.lines.append(Line(role, rng.choice(self.banks.bursts)))
        self.s.lines.append(Line(role, text, tuple(tactics)))

    def exchange(self, ex: list[str], roles: tuple[str, str]) -> None:
        for line in ex:
            who = roles[0] if line.startswith("A:") else roles[1]
            self.say(who, line[2:].strip())

    def talk(self, pool: list[list[str]], roles=("p0", "p1"), swap: bool = True) -> None:
        fresh = [e for e in pool if id(e) not in self.seen]
        ex = pick(self.rng, fresh or pool, self.ctx["locale"])
        self.seen.add(id(ex))
        if swap and self.rng.random() < 0.5:
            roles = (roles[1], roles[0])
        self.exchange(ex, roles)

    def chitchat(self) -> None:
        if self.filler:
            role = self.rng.choice(("p0", "p1"))
            self.s.lines.append(Line(role, self.rng.choice(self.filler), source="chitchat"))

    def opening(self, first: str, second: str, channel: bool) -> None:
        rng, b = self.rng, self.banks
        if channel and rng.random() < 0.5:
            self.exchange(pick(rng, b.channel_openers, self.ctx["locale"]), (first, second))
        elif rng.random() < 0.8:
            self.say(first, rng.choice(b.greetings))
            if rng.random() < 0.85:
                self.say(second, rng.choice(b.greeting_replies))

    def both_speak(self) -> None:
        """Every conversation has two speakers (an unanswered opener gets an answer)."""
        roles = {line.role for line in self.s.lines}
        for role in ("p1", "p0"):
            if role not in roles:
                self.say(role, self.rng.choice(self.banks.generic))

    def closing(self) -> None:
        if self.rng.random() < 0.35:
            self.say(self.rng.choice(("p0", "p1")), self.rng.choice(self.banks.closings))

    def age_mention(self, role: str) -> None:
        self.say(role, pick(self.rng, self.banks.age_mentions, self.ctx["locale"]))
        self.disclosed = True

    def pad(self, n: int, pools: list[list[list[str]]]) -> None:
        """Small talk (and some chitchat filler) until the script has n messages."""
        while len(self.s.lines) < n:
            if self.rng.random() < 0.15:
                self.chitchat()
            else:
                self.talk(self.rng.choice(pools))


def _weights(shape: Shape) -> dict[str, float]:
    w = {
        "age_probe": 3.0, "flattery": 2.5, "platform_move": 2.5, "photo_request": 2.0,
        "risk_assessment": 2.0, "secrecy": 2.0, "gifts": 1.6, "meeting": 1.5,
        "isolation": 1.2, "pressure": 1.0,
    }  # fmt: skip
    if shape.name == "early":
        for t in ("secrecy", "isolation", "meeting", "pressure", "photo_request"):
            w[t] *= 0.35
    return w


def choose_tactics(rng: random.Random, shape: Shape, n: int) -> list[str]:
    k = min(rng.randint(*shape.tactics), max(1, round(n / 2.6)))
    w = _weights(shape)
    chosen: list[str] = []
    while len(chosen) < k:
        names = [t for t in w if t not in chosen]
        t = rng.choices(names, weights=[w[x] for x in names])[0]
        chosen.append(t)
    return sorted(chosen, key=lambda t: P.STAGE[t] + rng.gauss(0, 1.3))


_DISCLOSURES = {phrase_key(x) for x in P.ADULT_DISCLOSURES}
_AGE_SLOTS = ("{m_age", "{m_grade}", "{m_year}")


def _reply(rng: random.Random, banks: Banks, t: str, line: str, loc: str) -> tuple[str, str]:
    """An answer that fits the question (bedtime answers to bedtime questions...)."""
    replies = [r for r in banks.replies[t] if fits(r[1], loc)]
    topic = next((name for name, rx in P.TOPICS.get(t, []) if re.search(rx, line, re.I)), None)
    if topic and rng.random() < 0.8:
        fitting = [r for r in replies if len(r) > 2 and r[2] == topic]
        if fitting:
            return rng.choice(fitting)[:2]
    generic = [r for r in replies if len(r) == 2]
    return rng.choice(generic or replies)[:2]


def _tactic_move(b: Builder, t: str, used: set[str]) -> None:
    """The suspect uses tactic t; the younger person answers; maybe a push after no."""
    rng, banks, loc = b.rng, b.banks, b.ctx["locale"]
    pool = [x for x in banks.tactics[t] if fits(x, loc) and phrase_key(x) not in used]
    if not b.disclosed and t != "age_probe":
        pool = [x for x in pool if not any(a in x for a in _AGE_SLOTS)]
    raw = rng.choice(pool or banks.tactics[t])
    used.add(phrase_key(raw))
    b.s.used.add(phrase_key(raw))
    ph = parse(raw)
    b.say("p0", ph.text, (t, *ph.extra), compose=True)
    if rng.random() > 0.85:
        return
    if t == "age_probe" and phrase_key(raw) in _DISCLOSURES:
        b.say("p1", rng.choice(banks.adult_age_reactions))
        return
    kind, reply = _reply(rng, banks, t, ph.text, loc)
    b.say("p1", reply)
    if t == "age_probe" and kind == "ok":
        b.disclosed = True
    if kind == "no" and t != "pressure" and rng.random() < 0.55:
        t2 = "pressure" if rng.random() < 0.7 or t != "photo_request" else "photo_request"
        pool = [x for x in banks.tactics[t2] if phrase_key(x) not in used] or banks.tactics[t2]
        raw2 = rng.choice(pool)
        used.add(phrase_key(raw2))
        b.s.used.add(phrase_key(raw2))
        ph2 = parse(raw2)
        b.say("p0", ph2.text, (t2, *ph2.extra), compose=True)
        if rng.random() < 0.7:
            b.say("p1", _reply(rng, banks, "pressure", ph2.text, loc)[1])
    elif rng.random() < 0.35:
        b.say("p0", rng.choice(banks.acks if kind == "ok" else banks.acks_no))


def grooming(rng: random.Random, banks: Banks, filler: list[str], channel: bool) -> Script:
    shape, n = sample_shape(rng)
    locale = rng.choice(["us", "us", "uk"])
    ctx = new_context(rng, locale, minor_age(rng), rng.randint(19, 45))
    s = Script("grooming", f"grooming_{shape.name}", shape.name, {"p0": "adult", "p1": "minor"})
    s.suspect = "p0"
    s.locale = locale
    b = Builder(rng, banks, ctx, s, filler)
    tactics = choose_tactics(rng, shape, n)
    first, second = ("p0", "p1") if rng.random() < 0.65 else ("p1", "p0")
    b.opening(first, second, channel)
    est = len(s.lines) + int(len(tactics) * 2.3) + 1
    budget = max(0, n - est)
    # Slow approaches spend longer on rapport before the first tactic.
    lead = int(budget * rng.uniform(0.3, 0.7)) if shape.name in ("slow", "medium") else 0
    pools = [banks.talk["youth"]] * 4 + [banks.talk["adult"]]
    b.pad(len(s.lines) + lead, pools)
    if "age_probe" not in tactics and rng.random() < 0.45:
        b.age_mention("p1")
    used: set[str] = set()
    rest = budget - lead
    for i, t in enumerate(tactics):
        _tactic_move(b, t, used)
        gap = rest // max(1, len(tactics)) if i < len(tactics) - 1 else 0
        if gap and rng.random() < 0.8:
            b.pad(len(s.lines) + rng.randint(0, gap), pools)
    b.pad(n - 1, pools)
    b.closing()
    b.both_speak()
    return s


def _benign_bands(rng: random.Random, spec: dict) -> tuple[str, str]:
    out = []
    same = rng.choice(["adult", "minor"])  # friends ("any", "any") are the same age group
    for band in spec["bands"]:
        out.append(band if band != "any" else same)
    if spec["talk"] == "adult" or spec.get("adult_age"):
        out = [x if x != "minor" else "adult" for x in out]
    return out[0], out[1]


def _neutral_move(b: Builder, t: str, speaker: str, other: str, bands: dict[str, str]) -> None:
    rng, banks, loc = b.rng, b.banks, b.ctx["locale"]
    pool = [x for x in banks.neutral[t] if fits(x, loc)]
    if not pool:
        return
    raw = rng.choice(pool)
    b.s.used.add(phrase_key(raw))
    b.say(speaker, parse(raw).text, compose=True)
    if rng.random() > 0.85:
        return
    if t == "age_probe":
        reply_pool = banks.age_replies if bands[other] == "minor" else banks.adult_age_replies
        b.say(other, pick(rng, reply_pool, loc))
    elif rng.random() < 0.6:
        b.say(other, rng.choice(banks.friendly))
    else:
        b.say(other, rng.choice(banks.generic))


_PEER_ONLY = {
    "platform_move", "photo_request", "flattery", "secrecy", "gifts", "meeting",
    "risk_assessment", "isolation", "pressure",
}  # fmt: skip

SCENARIO_WEIGHTS = {
    "teen_peers_age": 2.0, "teen_friends_apps": 1.6, "adult_dating": 1.6, "parent_child": 1.8,
    "coach_team": 1.0, "teacher_tutor": 0.9, "surprise_party": 1.0, "game_trade": 1.2,
    "tournament_age": 0.8, "siblings": 0.8, "customer_support": 0.5, "gaming_squad": 0.9,
    "book_club": 0.4, "haircut_selfie": 0.7, "safety_report": 1.1, "parenting_talk": 0.7,
    "mentor_coding": 0.6, "grandparent": 0.7, "adult_friends_meetup": 0.7, "teen_support": 0.9,
}  # fmt: skip


def benign(rng: random.Random, banks: Banks, filler: list[str], channel: bool) -> Script:
    names = list(SCENARIO_WEIGHTS)
    name = rng.choices(names, weights=[SCENARIO_WEIGHTS[x] for x in names])[0]
    spec = P.SCENARIOS[name]
    shape, n = sample_shape(rng)
    locale = rng.choice(["us", "us", "uk"])
    a_age = rng.randint(25, 40) if spec.get("adult_age") else rng.randint(19, 45)
    if name in ("parent_child", "grandparent", "parenting_talk"):
        a_age = rng.randint(30, 45) if name != "grandparent" else rng.randint(55, 80)
    ctx = new_context(rng, locale, minor_age(rng), a_age)
    band0, band1 = _benign_bands(rng, spec)
    s = Script("benign", name, shape.name, {"p0": band0, "p1": band1}, locale=locale)
    b = Builder(rng, banks, ctx, s, filler)
    sym = spec["sym"]
    first = "p0" if not sym and rng.random() < 0.65 else rng.choice(["p0", "p1"])
    b.opening(first, "p1" if first == "p0" else "p0", channel)
    k_core = {"early": 1, "fast": rng.randint(1, 2), "medium": rng.randint(1, 3)}.get(
        shape.name, rng.randint(2, 4)
    )
    pool = [e for e in banks.scenarios[name] if fits(" ".join(e), locale)]
    core = rng.sample(pool, min(k_core, len(pool)))
    k_neutral = min(rng.randint(0, 1 if shape.name in ("early", "fast") else 3), n // 4)
    allowed = spec["neutral"]
    if set(s.bands.values()) == {"adult", "minor"}:
        # An adult asking a child to move apps, for a selfie, to keep secrets... is
        # not a benign example; such neutral phrasings stay between peers.
        allowed = [t for t in allowed if t not in _PEER_ONLY]
    neutral = [rng.choice(allowed) for _ in range(k_neutral)] if allowed else []
    moves: list[tuple[str, object]] = [("ex", e) for e in core] + [("n", t) for t in neutral]
    rng.shuffle(moves)
    talk = spec["talk"]
    pools = (
        [banks.talk[talk]]
        if talk != "family"
        else [banks.talk["family"]] * 3 + [banks.talk["youth"]]
    )
    est = len(s.lines) + 3 * len(moves)
    budget = max(0, n - est)
    lead = int(budget * rng.uniform(0.3, 0.7)) if shape.name in ("slow", "medium") else 0
    b.pad(len(s.lines) + lead, pools)
    minors = [r for r, band in s.bands.items() if band == "minor"]
    if minors and rng.random() < 0.45:
        b.age_mention(rng.choice(minors))
    rest = budget - lead
    for i, (kind, item) in enumerate(moves):
        if kind == "ex":
            roles = ("p0", "p1")
            if sym and rng.random() < 0.5:
                roles = ("p1", "p0")
            b.exchange(item, roles)  # type: ignore[arg-type]
        else:
            sp = rng.choice(["p0", "p1"]) if sym else "p0"
            _neutral_move(b, item, sp, "p1" if sp == "p0" else "p0", s.bands)  # type: ignore[arg-type]
        gap = rest // max(1, len(moves)) if i < len(moves) - 1 else 0
        if gap and rng.random() < 0.8:
            b.pad(len(s.lines) + rng.randint(0, gap), pools)
    b.pad(n - 1, pools)
    b.closing()
    b.both_speak()
    return s
