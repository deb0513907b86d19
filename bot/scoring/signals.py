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

Every pattern implicitly starts at a word boundary. The patterns of one tactic
are compiled into one regular expression whose branches are grouped by their
first character (see ``_compile``), which keeps ``detect`` fast on every message.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from bot.scoring import lexicon

# -- building blocks (normalised text: lowercase, elongations cut to two letters) --
YOU = r"(?:you|u|ya|yu|yuo|yoo)"
YOUR = r"(?:your|ur|yur|yor|you'?re|youre|yours)"
YOURE = r"(?:you'?re|youre|u'?re|ur|u r|you are|u are|your)"
ARE = r"(?:are|r|re|ar)"
IM = r"(?:i'?m|im|i am|iam)"
BE = r"(?:be|b)"
TO = r"(?:to|2)"
WHAT = r"(?:wh?at+|wut|wot|wht)"
WHATS = r"(?:wh?at+'?s|wh?at+ is|wuts|wots|whts)"
WHY = r"(?:why+|y|wy)"
ABOUT = r"(?:about|abt|bout|abour)"
DONT = r"(?:don'?t|dont|do not|dnt|dun|doesn'?t|doesnt|does not)"
WONT = r"(?:won'?t|wont|will not|wouldn'?t|wouldnt|would not)"
CANT = r"(?:can'?t|cant|cannot|can not)"
NOONE = r"(?:no+ ?one|no+ ?body|none of them)"
ILL = r"(?:i'?ll|ill|i will|i can|i could|let me|lemme|i'?d|i wanna|i want to|imma|i'?m gonna|im gonna|i'?m going to|im going to)"
OFFER = rf"(?:{ILL}|want me {TO}|wanna me {TO}|should i|i would|i just|i'?ll just|ill just)"
LETS = r"(?:let'?s|lets|let us|we should|we could|we can|can we|could we|shall we|should we|wanna|want to|u wanna|you wanna|i wanna|i want to|how about we|why dont we|why don'?t we)"
PARENTS = r"(?:parents?|parnts|rents|mom|mum|mommy|mummy|mam|mama|moms|mums|dad|daddy|dads|folks|family|fam|step ?(?:mom|mum|dad)|mother|father|grandma|grandpa|nan|gran|guardians?|carers?|sister|brother|sis|bro|siblings?)"
MOMDAD = r"(?:parents?|parnts|rents|mom|mum|mommy|mummy|mam|mama|dad|daddy|folks|step ?(?:mom|mum|dad)|mother|father|guardians?)"
APP = r"(?:snap ?chat|snap|sc|insta(?:gram)?|ig|whats ?app|wa|telegram|tele|kik|discord|disc|skype|tik ?tok|we ?chat|signal|facetime|messenger|viber|wickr|threema|imessage|line app|session app|email)"
APP_Q = r"(?:snap ?chat|snap|sc|insta(?:gram)?|ig|whats ?app|wa|telegram|kik|discord|disc|skype|tik ?tok|tt|we ?chat|viber|wickr|messenger|facetime|signal|threema|email|e-mail|a phone number|phone number|a number|a cell|a cell ?phone)"
HANDLE = r"(?:phone ?(?:number|#|num)?|number|num|digits|#|cell|mobile|snap ?chat|snap|sc|insta(?:gram)?|ig|whats ?app|wa|telegram|tele|kik|discord|disc|skype|tik ?tok|tt|signal|wickr|viber|email|e-mail|gmail|@|user ?name|user|handle|tag|contact|socials)"
PIC = rf"(?:pics?|pix|picture|pictures|photos?|pho|selfies?|snaps?|vids?|videos?|face ?reveal|one of {YOU})"
MINOR_AGE = r"(?:1[0-7]|[89]|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)"
AGE_NUM = r"(?:[89]|1\d|2[01]|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen|eighteen)"
ADULT_AGE = r"(?:1[89]|[2-6]\d|twenty\w*|thirty\w*|forty\w*|fifty\w*)"
GRADE = r"(?:[4-9]th|1[0-2]th|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|grade [4-9]|grade 1[0-2])"
NOT_A_QUANTITY = r"(?!\s*(?:min|mins|minutes|hours|hrs|h\b|km|miles|mi\b|%|:|\.\d|pm|am|dollars|bucks|\$|points|pts|kills|wins|games|levels?|times|people|ppl|of|in a row|more|left|percent|sec|secs|seconds|days|weeks|months|k\b|lbs|kg|ft|cm|inches|quid|pounds|euros|coins|robux|gems|years? (?:ago|later|from))|\s*-\s*\d)"


@dataclass(frozen=True, slots=True)
class Tactic:
    name: str
    weight: float
    """How strongly this sign alone suggests grooming, for the rule-based scorer."""
    stage: int
    """Rough position in the grooming progression, 1 (access) .. 6 (pressure)."""
    description: str
    pattern: re.Pattern[str]
    parts: tuple[str, ...] = ()
    """The source patterns, each implicitly anchored at a word boundary."""


_QUANTIFIERS = ("?", "*", "+", "{")


def _group_end(text: str, start: int) -> int:
    """Index of the ``)`` closing the group opened at ``start``."""
    depth, i = 0, start
    while i < len(text):
        ch = text[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(text, i) + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    raise ValueError(f"unbalanced group in {text!r}")


def _class_end(text: str, start: int) -> int:
    i = start + 1
    if i < len(text) and text[i] == "^":
        i += 1
    if i < len(text) and text[i] == "]":
        i += 1
    while text[i] != "]":
        i += 2 if text[i] == "\\" else 1
    return i


def _alternatives(body: str) -> list[str]:
    """Split a group's body on its top-level ``|``."""
    out, depth, i, last = [], 0, 0, 0
    while i < len(body):
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            i = _class_end(body, i) + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            out.append(body[last:i])
            last = i + 1
        i += 1
    out.append(body[last:])
    return out


def _heads(part: str, top: bool = True, depth: int = 0) -> list[tuple[str | None, str]]:
    """Rewrite ``part`` as alternatives ``(first literal char, rest)``.

    An exact rewrite: ``(?:a|b)x`` is ``ax|bx`` and ``c?x`` is ``cx|x``. What cannot
    be rewritten (lookarounds, anchors, escapes such as ``\\d``, quantified groups)
    is returned whole, with ``None`` as its first character. At the top level a
    leading ``\\b`` is dropped: every pattern is anchored at a word boundary anyway.
    """
    if depth > 8 or not part:
        return [(None, part)]
    if part.startswith(r"\b"):
        return _heads(part[2:], top, depth + 1) if top else [(None, part)]
    ch = part[0]
    if part.startswith("(?:"):
        end = _group_end(part, 0)
        body, rest = part[3:end], part[end + 1 :]
        if rest[:1] == "?" and rest[1:2] not in ("?", "+"):
            return _heads(f"(?:{body}){rest[1:]}", top, depth + 1) + _heads(
                rest[1:], top, depth + 1
            )
        if rest[:1] in _QUANTIFIERS:
            return [(None, part)]
        # Alternatives that share a first character share one copy of ``rest``.
        by_first: dict[str, list[str]] = defaultdict(list)
        out: list[tuple[str | None, str]] = []
        for alt in _alternatives(body):
            if not alt:
                out += _heads(rest, top, depth + 1)
                continue
            for first, tail in _heads(alt, top, depth + 1):
                if first is None:
                    out.append((None, f"(?:{tail}){rest}"))
                elif tail not in by_first[first]:
                    by_first[first].append(tail)
        for first, tails in by_first.items():
            joined = (
                tails[0] if len(tails) == 1 and "|" not in tails[0] else f"(?:{'|'.join(tails)})"
            )
            out.append((first, joined + rest))
        return out
    if ch == "[":
        end = _class_end(part, 0)
        body, rest = part[1:end], part[end + 1 :]
        if body.startswith("^") or "\\" in body or rest[:1] in _QUANTIFIERS:
            return [(None, part)]
        chars: list[str] = []
        i = 0
        while i < len(body):
            if i + 2 < len(body) and body[i + 1] == "-":
                chars += [chr(c) for c in range(ord(body[i]), ord(body[i + 2]) + 1)]
                i += 3
            else:
                chars.append(body[i])
                i += 1
        return [(c, rest) for c in chars]
    if ch == "\\":
        if part[1:2].isalnum():
            return [(None, part)]
        ch, rest = part[1], part[2:]
    elif ch in ".^$()|*+?{}":
        return [(None, part)]
    else:
        rest = part[1:]
    if rest[:1] == "?" and rest[1:2] not in ("?", "+"):
        return [(ch, rest[1:]), *_heads(rest[1:], top, depth + 1)]
    if rest[:1] == "+" and rest[1:2] not in ("?", "+"):
        return [(ch, re.escape(ch) + "*" + rest[1:])]
    if rest[:1] in _QUANTIFIERS:
        return [(None, part)]
    return [(ch, rest)]


_TRIE_DEPTH = 3


def _trie(alternatives: list[str], top: bool, depth: int = 0) -> str:
    """An alternation of ``alternatives`` with branches grouped by leading characters."""
    buckets: dict[str, list[str]] = defaultdict(list)
    whole: list[str] = []
    for alternative in alternatives:
        for first, rest in _heads(alternative, top):
            if first is None:
                if top and not rest:
                    raise ValueError(f"pattern can match the empty string: {alternative!r}")
                if rest not in whole:
                    whole.append(rest)
            elif rest not in buckets[first]:
                buckets[first].append(rest)
    branches = []
    for c, rests in sorted(buckets.items()):
        inner = (
            _trie(rests, False, depth + 1)
            if depth + 1 < _TRIE_DEPTH and len(rests) > 1
            else "|".join(rests)
        )
        branches.append(f"{re.escape(c)}(?:{inner})")
    branches += [f"(?:{p})" for p in whole]
    return "|".join(branches)


def _compile(parts: tuple[str, ...]) -> re.Pattern[str]:
    """One regex equivalent to ``\\b(?:part1|part2|...)``, branches grouped as a trie.

    Python's regex engine tries every branch of an alternation at every position; a
    branch that starts with a literal character is rejected in one step, so grouping
    the branches by their first characters makes a search several times faster.
    """
    return re.compile(r"\b(?:" + _trie([f"(?:{p})" for p in parts], True) + ")")


def reference_pattern(parts: tuple[str, ...]) -> re.Pattern[str]:
    """The plain alternation that ``_compile`` must be equivalent to (for tests)."""
    return re.compile("|".join(rf"\b(?:{p})" for p in parts))


def _tactic(name: str, weight: float, stage: int, description: str, *parts: str) -> Tactic:
    return Tactic(name, weight, stage, description, _compile(parts), parts)


SUBJ_YOU = rf"(?:{ARE} {YOU}|{YOURE}|{YOU})"
QUALIFIERS = r"(?:(?:like|only|just|prob|probably|def|defo|definitely|literally|barely|maybe|about|around|under|over|not even|still|even|what|wat|whatt|wut|like what|what like|at least|atleast) )"

TACTICS: tuple[Tactic, ...] = (
    _tactic(
        "age_probe",
        0.25,
        1,
        "asks or guesses the other person's age, grade or school year; plays down an age gap",
        # direct questions
        rf"h[oa]?w+ old\b(?!(?: (?:is|was|are|r|were|does|do|will))? (?:(?:the|this|that|it|its|it's|these|those|my|his|her|their|our|she|he|they)\b|{YOUR} \w))",
        rf"how young (?:{ARE}|is|were|was|{YOURE}|{YOU})\b",
        rf"(?:{WHATS}|whats|wats|tell me|say|know|and|so+|ok|btw|hbu|wbu) {YOUR} age\b",
        rf"{YOUR} age\s*\?",
        r"a ?/? ?s ?/? ?l\b",
        r"age\s*\?+",
        r"age (?:pls|plz|please|btw|tho|again|check)\b",
        rf"(?:{WHAT}|wat|which) age (?:{ARE}|group|bracket|category|division)\b",
        # school year
        rf"(?:{WHAT}|wat|which) (?:grade|year|yr|form|class|standard|school year) (?:{ARE}|ru|is|were|was) {YOU}\b",
        rf"(?:{WHAT}|wat|which) (?:grade|yr|form)\s*\?",
        rf"{SUBJ_YOU} (?:in |at )?(?:{WHAT}|wat|which) (?:grade|year|yr|form)\b",
        rf"{SUBJ_YOU} (?:(?:not|still|even|already|only|just|like|prob|probably|in|at|gonna be|going to be) ){{1,3}}(?:middle|high|junior high|jr high|primary|elementary|secondary|grade) ?school\b",
        rf"{SUBJ_YOU} (?:(?:not|still|even|already|only|just|like|prob|probably) ){{0,2}}in (?:school|year \d|yr \d|grade \d|(?:[4-9]|1[0-2])th|sixth|seventh|eighth|ninth|tenth)\b",
        r"(?:middle|high|elementary|primary|secondary) ?school or (?:middle|high|elementary|primary|secondary|uni|college)",
        rf"do {YOU} (?:still )?go to (?:middle|high|elementary|primary|secondary|junior high|grade) ?school",
        rf"{YOU} (?:still )?(?:have|get|got|do|doing|taking|sitting|writing) (?:\w+ )?(?:recess|sats|gcses?|11 ?plus|eleven plus|homeroom|naplan)\b",
        # birthday, year of birth
        rf"when(?:'?s| is|s)? {YOUR} (?:b-?day|birthday|bday|birth ?day)\b",
        rf"(?:{WHAT}|which) (?:year|yr) (?:{ARE}|were|was|did) {YOU} (?:born|get born)",
        rf"when (?:were|was|{ARE}) {YOU} born",
        rf"{YOU} born in (?:19|20)?\d\d\b",
        # guesses and checks
        rf"{ARE} {YOU} (?:(?:even|like|only|just|over|under|older than|younger than|at least|atleast|still|already|about|around|maybe|prob|probably|a|an|not) ){{0,3}}(?:{AGE_NUM}\b{NOT_A_QUANTITY}|a teen|a teenager|teen|teenager|a kid|kid|legal|young|a minor|minor|a child|old enough|a freshman|freshman|a sophomore|sophomore|a tween|tween)\b",
        rf"{YOURE} {QUALIFIERS}{{1,2}}{AGE_NUM}\b{NOT_A_QUANTITY}",
        rf"{YOURE} {AGE_NUM}\s*\?",
        rf"{YOU} (?:must|gotta|got to|have to|should|could|might|prob|probably|def|definitely|defo) (?:{BE} )?(?:like |about |around |only |just |at least |atleast |under |over )?{AGE_NUM}\b{NOT_A_QUANTITY}",
        rf"bet (?:{YOURE}|{YOU} (?:r|are)) (?:like |only |just |around |about |under )?{AGE_NUM}\b{NOT_A_QUANTITY}",
        rf"{YOU} (?:look|sound|seem|act|type|talk|text)s? (?:like )?(?:(?:so+|really|rly|very|pretty|kinda|kind of|about|around|maybe|only|like|super|way) ){{0,2}}(?:young|younger|{AGE_NUM}\b{NOT_A_QUANTITY}|a kid|a teen|a little kid)",
        rf"{YOU} (?:under|over|below|above) (?:1\d|2[01]|thirteen|sixteen|eighteen)\b",
        rf"{SUBJ_YOU} (?:(?:prob|probably|def|definitely|way|so+|much|a lot|like|a bit|a little|lil|still) ){{0,2}}(?:younger|older) than me\b",
        rf"(?:{WHAT}|wat) (?:{ARE}|is) {YOU}\W{{1,3}}{AGE_NUM}\b",
        r"(?:old|grown) enough (?:to be )?(?:on|for|to use|to have) (?:here|this|discord|this app|this server|this site|social media|snap|insta|tiktok|an account)",
        # age gap played down
        r"age (?:is|iz|s|'s) (?:just |only )?(?:a|a stupid|a silly) number",
        rf"age (?:gap |difference )?(?:{DONT}|doesnt|doesn'?t) (?:really |even )?matter",
        rf"i {DONT} (?:really |even )?care {ABOUT} (?:ur |the |our |an |a |{YOUR} )?age",
        r"age gap",
        r"(?:not|aren'?t|arent|isnt|isn'?t) (?:that|too|so+) far apart",
        r"(?:basically|practically|almost|kinda|pretty much|like) the same age",
        r"(?:mentally|at heart|inside) (?:like |only |still )?(?:1\d|a teen|a kid)\b",
        r"old (?:man|guy|lady|woman|dude|timer|head) here",
        rf"(?:older|{ADULT_AGE}|an adult)\b.{{0,30}}\b(?:is that|thats|that'?s|does that|hope that'?s|hope thats|if thats|if that'?s) (?:weird|ok|okay|oki|okk|alright|cool|fine|too old|a problem|bad|creepy|scary|bother)",
        rf"{DONT} let (?:that|my age|the age|it) (?:scare|freak|weird) {YOU}",
        rf"{YOURE} (?:like |in )?(?:{WHAT}|wat)\W{{1,3}}(?:{AGE_NUM}\b|{GRADE})",
        rf"(?:{WHAT}|wat) (?:r|are) {YOU} (?:like )?{AGE_NUM}\b{NOT_A_QUANTITY}",
        r"(?:which|what) grade\b(?! (?:did|was|is|were|do|does|should|would|will|for|of|on|in|level))",
        rf"{ARE} {YOU} (?:gonna|going to|gna) {BE} in (?:middle|high|junior high|secondary|year|grade|\d+th)",
        r"born in (?:what|which|wat) (?:year|yr)",
        r"when(?:'?s| is|s)? yr (?:b-?day|birthday|bday)\b",
        rf"(?:allowed|old enough) (?:to be )?on (?:here|this|discord|\w+) at {YOUR} age",
        rf"(?:bother|weird|scare|freak) {YOU} (?:out )?(?:that|if) (?:im|i'?m|i am) (?:\d\d|older|an adult|a lot older)",
        rf"{DONT} freak out\b.{{0,12}}\b(?:im|i'?m|i am) (?:\d\d|older|an adult)",
        r"(?:feel|feels|act|acts) like (?:we'?re|were|we are) (?:the same age|the same)\b",
        r"(?:wait|hold on|so|and|but|btw|hmm|um|lol) how old\b",
        rf"{YOURE} (?:a )?(?:teen|teenager|kid|minor|high schooler|middle schooler) (?:right|tho|though|yeah|huh|ya|yea)\b",
        r"(?:still in school|in school or|school or (?:uni|college|work))\s*\?",
        rf"(?:{ARE}|do) {YOU} (?:(?:still|even) )?(?:go to|in|at) (?:school|uni|college) or",
        rf"{YOURE} {AGE_NUM}\s*\?\?",
    ),
    _tactic(
        "minor_disclosure",
        0.0,
        1,
        "says they are a child (age, grade or school year, parents' rules)",
        rf"{IM} (?:(?:only|just|like|almost|nearly|barely|turning|gonna be|going to be|still|literally) ){{0,2}}{MINOR_AGE}\b{NOT_A_QUANTITY}",
        rf"{MINOR_AGE} ?(?:yo|y/o|y\.o|yrs? old|years? old|year old|yr old)\b(?! (?:brother|sister|son|daughter|kid|cousin|sibling|me|version|versions|self|boy|girl|kids|girls|boys))",
        rf"^(?:(?:im|me|and|well|lol|haha|ok|oh|um|uh|btw|only|just) )?{MINOR_AGE} here\b",
        rf"(?:i|i'?m|im|i just|just) (?:turned|turn|turning|gonna turn|will turn|be turning) {MINOR_AGE}\b{NOT_A_QUANTITY}",
        rf"(?:i'?ll|ill|i will) {BE} {MINOR_AGE}\b{NOT_A_QUANTITY}",
        r"my (?:1[0-7]th|thirteenth|fourteenth|fifteenth|sixteenth|twelfth|eleventh|tenth) (?:b-?day|birthday|bday)",
        rf"{IM} (?:(?:only|just|still|like|in|a|an|now) ){{0,2}}(?:{GRADE}(?: ?grade(?:r)?)?|(?:year|yr) (?:[3-9]|1[01])|(?:middle|junior high|jr high|primary|elementary|high) ?school(?:er)?|(?:a )?(?:freshman|sophomore) in (?:high|middle) school|middle schooler|tween|minor|teenager|teen)\b",
        rf"{GRADE} ?grader",
        rf"in(?<!was in)(?<!were in) {GRADE}(?: grade)?\b(?! (?:when|back|was|i was))",
        r"(?:year|yr) (?:[3-9]|1[01])\b(?! ?(?:old|olds|month|months|day|days|week|weeks|and|of|ago)\b)",
        r"i (?:still )?go to (?:middle|high|junior high|primary|elementary|secondary) ?school",
        rf"{CANT} wait (?:for|to start|{TO} go to|till|until|to be in) (?:high school|middle school|secondary|year (?:[7-9]|1[01])|(?:[6-9]|1[0-2])th grade)",
        rf"(?:i'?m |im |i )?(?:start|starting|going into|goin into|move up to|moving up to) (?:high school|middle school|secondary|year (?:[4-9]|1[01])|{GRADE}(?: grade)?)\b",
        rf"my {PARENTS} (?:wont|won'?t|will not|doesnt|doesn'?t|dont|don'?t|never|wouldnt|wouldn'?t|didnt|didn'?t) (?:ever |even )?let me",
        rf"my {MOMDAD} (?:said|says|say|told me) (?:that )?i (?:can'?t|cant|cannot|can only|can get|have to be|need to be|gotta be|am not allowed|'?m not allowed|m not allowed|have to ask)",
        rf"{IM} (?:not allowed|grounded|not old enough)\b",
        r"i (?:got|get) grounded",
        r"my (?:bed ?time|curfew)\b",
        rf"my {MOMDAD} (?:took|takes|confiscated|take) (?:away )?my (?:phone|ipad|tablet|switch|laptop|xbox|ps\d|console)",
        rf"my {MOMDAD} (?:checks?|reads?|goes through|go through|monitors?|looks? at|tracks?) my (?:phone|messages|texts|chats|dms|ipad|location)",
        rf"(?:have|need|gotta|got) {TO} ask my {MOMDAD}",
        r"i (?:have|got|gotta go to) school (?:tomorrow|tmrw|tmr|in the morning)",
    ),
    _tactic(
        "adult_disclosure",
        0.0,
        1,
        "says they are an adult",
        rf"{IM} (?:(?:only|just|like|almost|nearly|turning|already|over) ){{0,2}}{ADULT_AGE}\b{NOT_A_QUANTITY}(?! ?(?:th|st|nd|rd))",
        rf"{ADULT_AGE} ?(?:yo|y/o|yrs? old|years? old)\b",
        rf"^(?:(?:im|me|and|well|lol|haha|ok|oh|um|btw|yeah|yea) )?{ADULT_AGE} here\b",
        r"age (?:is|iz) (?:just )?a number\b",
        r"age (?:doesnt|doesn'?t|dont|don'?t) matter\b",
        rf"{IM} (?:(?:a bit|a little|a lot|way|much|kinda|quite a bit|bit) )?older\b",
        rf"{IM} (?:an |a )?(?:adult|grown ?up|grown man|grown woman|grown)\b",
        rf"{IM} in my (?:(?:early|mid|late) )?(?:20s|30s|40s|50s|twenties|thirties|forties|fifties)",
        r"old (?:man|guy|lady|woman|dude|timer) here",
        rf"when i was {YOUR} age",
        r"i (?:drive|can drive|have a car|got a car|have my license|got my license|pay (?:rent|bills|taxes|my mortgage|the bills))\b",
        r"(?:after|before|at|from|leaving|finished|finish|off|late for|back from|on my way to|heading to|get off) work\b",
        r"my (?:job|apartment|flatmate|roommate|wife|husband|boss|office|coworkers?|co-workers?|colleagues?|mortgage|landlord|rent|kids|son|daughter|paycheck|salary|employees?|commute|ex-wife|ex wife|ex-husband)\b",
        rf"{IM} (?:in|at) (?:college|uni|university|grad school)\b",
    ),
    _tactic(
        "flattery",
        0.35,
        2,
        "flatters, says they are mature, frames a special relationship",
        rf"mature (?:for {YOUR} age|for (?:a|an|someone|being|only) |for {AGE_NUM}|for a kid)",
        rf"(?:{YOURE}|{YOU} (?:are|r|seem|sound|act|look)) (?:(?:so+|really|rly|realy|very|super|too|way|hella|mad|lowkey|honestly|literally|actually|kinda|just|like|more|much more|wise and|smart and) ){{0,3}}(?:mature|grown ?up|wise|beautiful|gorgeous|stunning|cute|cutee|adorable|perfect|special|one of a kind|unique|precious|pretty(?=\s*(?:$|[.!?,]|lol|haha|tho|fr|ngl|tbh|and|xx|x\b|<3|in (?:ur|your|that|this|the)|all the time)))\b",
        r"(?:such|so+) (?:a )?(?:pretty|beautiful|cute|gorgeous) (?:girl|boy|face|smile|eyes)",
        rf"(?:love|like|luv) {YOUR} (?:smile|eyes|hair|face|voice|laugh|pfp|vibe|mind)\b",
        rf"{YOUR} (?:pfp|profile pic|pic|selfie|smile|eyes|face|hair|voice) (?:is|are|r|looks?|so+) (?:(?:so+|really|rly|super|very|pretty) )?(?:cute|cutee|pretty|beautiful|gorgeous|stunning|adorable|perfect)",
        r"(?:should|could|can|gonna|ought to) (?:totally )?be a model\b",
        r"model material",
        rf"not like (?:the )?(?:other|most|all the|those other) (?:girls|boys|guys|kids|people|ppl|teens|{AGE_NUM} year olds|ones)",
        rf"(?:most|other|all) (?:\d+ |\w+ )?(?:year olds|kids|teens|girls|boys)\b.{{0,40}}\bbut (?:{YOURE}|{YOU}) (?:not|different)",
        rf"(?:older|smarter|wiser|more mature) than {YOUR} age",
        rf"(?:wise|mature|smart) beyond {YOUR} years",
        r"old soul",
        rf"{YOU} (?:act|seem|sound|talk|type|text|come across|look) (?:(?:so+|way|much|a lot|really|rly|like|more|too) ){{0,2}}(?:older|mature|grown ?up|like an adult|like a grown ?up|{ADULT_AGE}\b)",
        r"(?:could|can|would) (?:easily |totally )?pass for (?:1[6-9]|2\d|an adult|older|eighteen)",
        rf"(?:forget|forgot|keep forgetting) (?:how young|{YOURE} only|{YOURE} just|that {YOURE}|{YOUR} age|how old)",
        rf"{YOU} {DONT} (?:seem|act|sound|look|talk like) (?:like )?(?:(?:a|an) )?(?:{AGE_NUM}|kid|child|teen|{YOUR} age)",
        r"(?:special|real|deep|strong|rare|unique|genuine|true|instant) (?:connection|bond|friendship|relationship)",
        rf"(?:we|{YOU} and me|you and me|me and {YOU}) (?:just |really |rly |totally |actually )?(?:click|connect|get each other|understand each other)\b",
        r"(?:so+ much|a lot|alot|loads) in common",
        r"(?:we'?re|were|we are) (?:basically|literally|practically|pretty much|like) the same\b",
        r"(?:we'?re|were|we are) the same person",
        r"(?:soul ?mates?|twin flames?|kindred spirits?)",
        r"(?:we|we'?re|were|we are) (?:were )?meant (?:to|2) (?:be|meet|find|talk)",
        rf"(?:known|know) (?:each other|{YOU}) (?:forever|for ever|for years|so+ long|my whole life)",
        rf"(?:feels?|felt) like (?:i'?ve|ive|we'?ve|weve|i|we) (?:known|know) (?:{YOU}|each other)",
        rf"i trust {YOU} (?:more than|the most|with everything|completely)",
        rf"(?:{YOURE}|{YOU} are) the only (?:one|person) i (?:can )?(?:trust|talk to|tell|open up|feel)",
        rf"(?:i|{YOU}) can tell (?:{YOU}|me) (?:anything|everything)",
        rf"{YOU} (?:really |actually |truly |totally )?(?:get|understand) me\b(?! (?:a |an |the |some |one |something|sth|smth|stuff|food|drink|water|lunch|in\b|on\b|to\b))",
        rf"{NOONE}(?: else)? (?:gets|understands|knows|listens to) me (?:like|the way) {YOU}",
        rf"{YOURE} the only (?:one|person) (?:who|that) (?:gets|understands|listens to|knows) me",
        rf"{YOURE} (?:\w+ )?my (?:fav|fave|favou?rite|best friend|bestie|bff|person)(?: (?:person|human|person to talk to))?\b",
        rf"(?:i )?(?:really |rly |truly |actually )?care (?:{ABOUT}|for) {YOU} (?:so+ much|a lot|alot|more than|like no one)",
        rf"{YOU} mean (?:so+ much|a lot|alot|everything|the world) {TO} me",
        rf"i (?:really |rly |truly |honestly )?(?:like|love|adore|miss) {YOU} (?:so+ much|a lot|alot|more than|sm)\b",
        rf"(?:thinking|thought|think) {ABOUT} {YOU} (?:all day|all the time|a lot|alot|every|constantly|nonstop|so+ much)",
        rf"{CANT} stop thinking {ABOUT} {YOU}",
        rf"(?:{YOURE}|{YOU} are) (?:the )?first (?:person|thing) i (?:think|wanna|want|talk)",
        rf"(?:never|not ever) (?:met|known) (?:any ?one|some ?one|any ?body) like {YOU}",
        rf"(?:so+ )?(?:glad|happy|lucky) (?:we (?:met|started talking|found each other|matched)|i met {YOU}|i found {YOU}|to have {YOU}|to have met {YOU})",
        rf"(?:love|like|enjoy|luv) (?:talking|chatting|talkin) (?:to|with|2) {YOU}",
        rf"(?:never|not) get (?:bored|tired) (?:of )?(?:talking|chatting) (?:to|with|2) {YOU}",
        rf"{YOU}(?:'?re| are|r| r)? (?:so+ |really |rly |very |super )?(?:easy|fun|nice) to talk to",
        rf"(?:love|like|luv) (?:how|the way) {YOU} (?:think|talk)",
        rf"{YOU} (?:actually|really) listen",
        rf"{YOURE} (?:(?:a|such a|so+|really|rly|very|super|the best|honestly) ){{0,2}}(?:good|great|amazing|best) listener",
        rf"{YOU} deserve (?:better|the world|some ?one|more|to {BE} (?:treated|respected|happy))",
        r"(?:way )?(?:more fun|more mature|cooler|smarter|easier to talk to) than (?:any ?one|any ?body|every ?one|my friends|ppl|people|most)",
        rf"(?:so+ |really |rly )?(?:cool|mature|smart|chill|pretty|cute) for (?:a |an |someone )?(?:{AGE_NUM}|{YOUR} age)",
        r"(?:treat|treated) (?:like )?(?:the |an )?(?:adult|grown ?up)",
        rf"{YOURE} (?:like |basically |practically )?(?:a )?(?:little |lil |mini )?(?:adult|grown ?up)\b",
        r"not (?:a|like a) (?:kid|child) to me",
        rf"(?:see|treat) {YOU} as (?:an? )?(?:equal|adult|grown ?up)",
        rf"(?:no ?one|nobody|none of the \w+) {YOUR} age (?:is|thinks|acts|talks|gets)",
        r"(?:coolest|smartest|most mature|prettiest|cutest|sweetest|best) (?:kid|girl|boy|person|teen) i (?:know|have ever|'?ve ever|ve ever)",
        rf"{YOURE} (?:so+ |really |rly |way |just )?different (?:from|than) (?:every ?one|all the|the other|other|most)",
        rf"(?:more (?:interesting|mature|fun)|cooler|smarter) than (?:the )?(?:people|ppl|kids|girls|boys|adults|guys|any ?one) (?:my age|{YOUR} age|i work with|at my work)",
        rf"(?:other|those|the other) (?:kids|girls|boys|people|ppl) (?:in {YOUR} class |at {YOUR} school )?(?:are|r) (?:so+ |such |really )?(?:immature|childish|boring|annoying)\b.{{0,12}}\b(?:but |not )?{YOURE} not",
        r"(?:too|way too|so+) mature for",
        rf"(?:get|got|getting) told {YOURE} (?:so+ )?(?:pretty|cute|beautiful|gorgeous)",
        rf"(?:miss|missed|missing) (?:talking|chatting) (?:to|with|2) {YOU}",
        rf"(?:talking|chatting) (?:to|with|2) {YOU} is the (?:best|highlight)",
        r"best part of my day",
        r"look forward to (?:talking|chatting|seeing|hearing)",
        rf"(?:closer|so+ close) to {YOU} than",
        rf"{YOU} make me (?:so+ |really |rly )?(?:happy|smile)",
        r"(?:can|could) be my ?self (?:with|around)",
        rf"wish i (?:had|knew|met|had met) (?:a friend|some ?one|any ?one) like {YOU}",
        rf"{YOURE} (?:so+|honestly so+|really|rly|honestly|literally) (?:talented|amazing|gifted)\b",
        rf"{YOURE} (?:so+ |really |rly |very )?special to me",
        rf"{YOU} (?:look|seem) (?:so+ |way |much )?older in {YOUR} (?:pic|pfp|photo|selfie|profile)",
        r"(?:understand|get|know) me better than (?:any ?one|any ?body|every ?one|my \w+)",
        r"never (?:felt|connected) (?:like this|this way) (?:with|about|for) (?:any ?one|any ?body|some ?one)",
        rf"i (?:really |rly )?like {YOU} (?:a lot|alot|so+ much|more than)",
        rf"(?:smart|mature|grown up|wise) for {YOUR} age",
    ),
    _tactic(
        "relationship_probe",
        0.3,
        2,
        "asks about boyfriends, girlfriends or crushes",
        rf"(?:do|have|got|{ARE}) {YOU} (?:(?:have|got|ever had|ever|even|got a|have a|dating|seeing|talking to) ){{0,2}}(?:a |any )?(?:bf|boyfriend|gf|girlfriend|crush|crushes|partner|bae)\b",
        r"(?:got|have|any) (?:a )?(?:bf|boyfriend|gf|girlfriend|crush|crushes)\s*\?",
        rf"(?:ever|have {YOU} ever) (?:been kissed|kissed (?:any ?one|some ?one|a (?:boy|girl))|had a (?:bf|boyfriend|gf|girlfriend))\b",
        r"(?:ur|your|had ur|had your) first kiss",
        rf"{ARE} {YOU} (?:single|taken)\b",
        rf"do {YOU} like (?:any ?one|some ?one|any ?body|any (?:boys|girls|guys))\b",
        rf"would {YOU} (?:date|go out with) (?:an older|some ?one older|me)\b",
    ),
    _tactic(
        "risk_assessment",
        0.45,
        3,
        "checks who is around and watching: parents, being alone, rules, schedule",
        rf"(?:{ARE}|is|iz) {YOUR} {PARENTS} (?:(?:still|even|ever|usually|always) )?(?:home|around|there|awake|up|asleep|sleeping|in bed|out|back|gone|away|strict|working|at work|divorced|separated|together|in the house|nearby|watching|checking|looking)\b",
        rf"(?:{YOUR} )?{MOMDAD} (?:home|around|asleep|awake|out|gone|away|there)\s*\?",
        rf"(?:{ARE}|is) (?:they|she|he) (?:still )?(?:asleep|sleeping|awake|in bed)(?: yet)?\b",
        rf"(?:do|does|will|would|can|could|did) {YOUR} {PARENTS} (?:(?:ever|even|usually|always|still|actually|really) )?(?:check|look at|read|go through|see|know|notice|monitor|track|care|let {YOU}|make {YOU}|have {YOUR} (?:password|passcode)|look over|snoop|spy|search|find out|mind|ask)\b",
        rf"{YOUR} {PARENTS} (?:checks?|look at|looks at|reads?|go through|goes through|monitors?|tracks?|snoops?|spy on) (?:on )?{YOUR}",
        rf"(?:do|does) (?:any ?one|any ?body|some ?one|they|he|she)(?: else)? (?:ever )?(?:check|read|look at|go through|track|monitor|see|use|share) (?:{YOUR}|this) (?:phone|computer|laptop|tablet|ipad|account|messages|dms|chats|discord|snap|insta|location|screen|stuff|texts)",
        rf"over {YOUR} shoulder",
        r"(?:have|got|has|any|use|uses|with|there|on) (?:any )?parental (?:controls?|control app|settings|lock|monitoring)",
        r"screen ?time (?:limits?|rules|controls?|settings)",
        rf"(?:do|does|have|has) (?:{YOUR} {PARENTS}|they|any ?one|any ?body) (?:have|know|got) {YOUR} (?:passwords?|passcode|pin|login)",
        rf"(?:track|tracks|tracking|monitor|monitors) {YOUR} (?:location|phone)",
        r"life ?360\b",
        rf"who (?:else )?(?:uses|sees|reads|checks|looks at|has access to|shares|is on|goes on|knows) (?:{YOUR}|this|the) (?:phone|computer|laptop|tablet|ipad|account|messages|dms|chats|pc|device)",
        rf"is (?:it|this|that) {YOUR} (?:own )?(?:phone|ipad|tablet|laptop|computer|account|pc) or",
        rf"(?:does|do) {YOUR} (?:family|{PARENTS}|siblings?) (?:share|use) (?:a|an|the|one|{YOUR})\b",
        rf"(?:is|{ARE}) the (?:computer|laptop|pc|tablet|ipad|phone) in {YOUR} (?:room|bedroom)",
        rf"(?:do|have|got) {YOU} (?:got |have )?{YOUR} own (?:room|bedroom|phone|laptop|computer|tablet|ipad|pc|tv)",
        rf"(?:do|does) {YOU} (?:have to )?share (?:a |{YOUR} )?(?:room|bedroom|phone|ipad|tablet|computer|laptop)",
        rf"who (?:do {YOU} share|shares) (?:a |{YOUR} )?(?:room|bedroom|phone)",
        rf"{ARE} {YOU} (?:(?:home|all|by {YOUR} ?self|still|by yourself) )?alone\b",
        rf"^{YOU} alone\b",
        rf"(?:{YOU}|{YOURE}) (?:home )?alone\s*\?",
        r"home alone",
        rf"{ARE} {YOU} by {YOUR} ?self",
        rf"(?:walk|go|get|stay|home|travel|take the bus|ride the bus) (?:home |out |to school |from school )?(?:alone|by {YOUR} ?self|on {YOUR} own)\b",
        rf"(?:is|{ARE}) (?:any ?one|any ?body|some ?one) (?:else )?(?:home|with {YOU}|in (?:the|{YOUR}) (?:room|house)|awake|there with {YOU})",
        rf"who(?:'?s| is) (?:else )?(?:home|with {YOU}|in the house|there with {YOU})",
        rf"(?:when|while|if) {YOUR} {PARENTS} (?:are|r|is|go|goes|gets?|leave|leaves) (?:out|gone|away|at work|working|asleep|sleeping|not home|busy|to bed|to sleep|to work)",
        rf"{WHAT} time (?:do|does|r|are|will|did) {YOU} (?:usually )?(?:go {TO} |get {TO} )?(?:bed|sleep)\b",
        rf"{WHAT} time (?:do|does|will|r|are|is) {YOUR} {PARENTS} (?:usually )?(?:leave|go to (?:work|bed|sleep)|get home|come home|get back|come back|wake up|sleep|asleep|home)",
        rf"when (?:do|does|will|r|are|is) (?:{YOUR} {PARENTS}|they) (?:usually )?(?:get|come|be) (?:home|back)\b",
        r"how late (?:do|does|can|will|are|r)\b.{0,30}\b(?:stay|be) (?:up|out|online)",
        rf"{YOU} (?:usually |ever )?stay up late",
        rf"do {YOU} (?:sleep|go to bed) with {YOUR} phone",
        rf"(?:{YOUR} curfew|(?:have|got) a curfew|curfew\s*\?)",
        rf"{ARE} {YOU} (?:even )?allowed (?:to )?(?:go |be |stay )?(?:out|outside|alone|by {YOUR} ?self|on {YOUR} own|to go|to leave|to have|to use|to meet|on)\b",
        rf"(?:do|does) {YOUR} {PARENTS} let {YOU}",
        rf"(?:can|could) {YOU} (?:go|get|sneak|leave|come) out (?:without|w/o|w out) (?:asking|telling|permission|{YOUR} {PARENTS})",
        rf"(?:do|will|would) {YOU} (?:have|need) {TO} (?:tell|ask) {YOUR} {PARENTS}",
        rf"(?:does|do) {YOUR} {PARENTS} live with {YOU}",
        rf"do {YOU} live with (?:{YOUR} |both )?(?:{PARENTS}|both)",
        rf"(?:is it|its|it'?s) just {YOU} and {YOUR} {PARENTS}",
        rf"{WHAT} do {YOUR} {PARENTS} do for (?:work|a living|a job)",
        rf"{ARE} {YOU} (?:in|on) {YOUR} (?:room|bed|bedroom)\b",
        rf"(?:is|{ARE}) (?:{YOUR} |the )?(?:bedroom |room )?door (?:locked|shut|closed)",
        rf"lock {YOUR} (?:bedroom |room )?door",
        rf"(?:{ARE}|will|would) {YOU} (?:gonna |going to )?(?:get|be) in trouble (?:if|for|when)",
        rf"(?:get|be) in trouble if {YOURE} on",
        rf"can {YOU} talk (?:freely|privately|openly|late|properly)",
        rf"{YOUR} (?:house|home|place) (?:is )?empty",
        rf"is {YOUR} (?:house|home|place) empty",
        rf"{ARE} {YOU} on {YOUR} (?:phone|laptop|computer|ipad|tablet|pc) or",
        rf"(?:any ?one|any ?body|some ?one) else (?:around|there|with {YOU}|home|nearby|awake)",
        rf"(?:any ?one|any ?body) with {YOU}\s*\?",
        rf"do {YOUR} {PARENTS} work (?:late|nights|all day|weekends|long)",
        rf"{WHAT} do {YOUR} {PARENTS} do (?:for|4) (?:work|a living|a job)",
        rf"(?:take|takes|took) {YOUR} phone (?:at night|away|off {YOU})",
        rf"{YOUR} (?:schedule|routine) (?:like )?(?:after school|on weekends|at night)",
        rf"home (?:alone|by {YOUR} ?self)",
        rf"(?:is|{ARE}) {YOUR} {PARENTS} (?:so+ )?(?:nosy|nosey|snoopy)",
        rf"show me {YOUR} (?:room|bedroom)",
        rf"(?:do|does) {YOUR} {PARENTS} know (?:{YOURE}|{YOU}(?:'?re| are| r)?|that {YOU}) (?:talking|chatting|texting|on here|online|up)",
        rf"(?:is|{ARE}) {YOUR} (?:phone|account|insta|snap|messages|dms) private",
        rf"(?:do|does) {YOUR} (?:phone|ipad|tablet|laptop) have (?:a )?(?:pass ?code|password|lock)",
        rf"who do {YOU} live with",
        rf"{ARE} {YOU} (?:usually |always )?home (?:alone|by {YOUR} ?self|after school|on (?:ur|{YOUR}) own)",
        rf"when {ARE} {YOU} (?:usually )?(?:alone|home alone|by {YOUR} ?self|on {YOUR} own)",
        rf"(?:do|does) (?:{YOUR} {PARENTS}|they) (?:ever )?(?:check|read|look at|go through) {YOUR} (?:phone|messages|texts|chats|dms|snap|insta|discord)",
        rf"(?:do|does) {YOU} (?:take|get|ride) the bus (?:home )?(?:alone|by {YOUR} ?self|on {YOUR} own)",
        rf"{WHAT} time (?:do|does) {YOUR} {PARENTS} (?:usually )?(?:leave for work|get back from work|get home from work|go {TO} (?:sleep|bed))",
    ),
    _tactic(
        "secrecy",
        0.55,
        4,
        "asks to keep the contact secret, to hide or delete it, or to lie about it",
        rf"(?:{DONT}|never|u cant|you cant|u can'?t|{DONT} u dare|{DONT} go) (?:ever )?(?:tell|say|mention|show|talk {ABOUT}|bring up|say anything to|tell anything to) (?:this |it |that |us |me |anything )?(?:to )?(?:any ?one|any ?body|no ?one|nobody|{YOUR}|ppl|people|them|her|him|friends|my name|a soul|anything|ur)\b",
        rf"{DONT} (?:say|use|mention|type|post|put) my (?:real )?name",
        rf"{DONT} (?:mention|bring up) me\b",
        r"(?:our|little|lil|tiny|own) (?:little |lil |own |tiny )?secret\b(?!s? (?:santa|level|menu|room|door|passage|ending|boss|code|recipe|ingredient|weapon|theory|obsession|area|stash|agent|service|society|base|achievement|item|chest|move))",
        r"(?:keep|keeping|kept) (?:a |this |it |our |the |these )?secrets?\b(?! (?:santa|level|menu|room|door|passage|ending|boss|code|recipe))",
        rf"(?:between|b/w|btwn) (?:us|{YOU} and me|me and {YOU}|the two of us|us two|just us|ourselves)\b",
        rf"keep (?:this|it|that|us|our \w+|things|what we \w+) (?:\w+ )?(?:between|to {YOUR} ?self|to {YOUR} ?selves|a secret|secret|quiet|on the (?:low|dl|down ?low)|private|lowkey|hidden|hush)",
        r"on the (?:down ?low|dl|low)\b",
        r"lips (?:are )?sealed",
        r"(?:mum|mom|moms|mums|mom'?s|mum'?s) the word",
        rf"(?:promise|swear) (?:me |to me )?(?:{YOU} )?(?:{WONT}|not to|to not|never|u wont) (?:ever )?(?:tell|say|show|mention|snitch)",
        rf"{YOU} can keep (?:a )?secrets?",
        rf"(?:trust|know) {YOU} (?:not to|{WONT}|to not) (?:tell|say|snitch)",
        rf"{NOONE}(?: else)? (?:needs|has|have|got|gotta|is gonna|will|would|can|could|should|must) (?:ever )?(?:{TO} )?(?:know|find out|see|hear)",
        rf"(?:id|i'?d|i would) rather (?:no ?one|nobody|ppl|people|they|{YOUR} {PARENTS}) (?:didnt |didn'?t |not )?(?:knew|know|find out|found out)",
        rf"(?:{YOUR} )?{MOMDAD} (?:(?:never|dont|don'?t|do not|wont|won'?t) )?(?:have|need|has|needs|gotta) {TO} know",
        rf"(?:{YOUR} )?{MOMDAD} (?:can'?t|cant|cannot|must not|mustn'?t|shouldnt|shouldn'?t|will never|never) (?:ever )?(?:know|find out|see|hear)",
        rf"(?:without|w/o) {YOUR} {PARENTS} (?:knowing|finding out|seeing)",
        rf"(?:did|have) {YOU} (?:ever )?(?:tell|told|tld|mention|mentioned|show|showed) (?:any ?one|any ?body|some ?one|{YOUR} {PARENTS}|{YOUR} friends|them) {ABOUT} (?:us|me|this|our|talking|what we)",
        rf"{YOU} (?:didnt|didn'?t|did not|havent|haven'?t) (?:tell|told|mention|show) (?:any ?one|any ?body|{YOUR} {PARENTS}|them)",
        rf"who (?:have|did|else have) {YOU} (?:told|tell|shown|showed) {ABOUT} (?:me|us|this|our)",
        rf"(?:does|do) (?:any ?one|any ?body|{YOUR} {PARENTS}|{YOUR} friends) know {ABOUT} (?:me|us|this|our)",
        rf"if (?:{YOUR} {PARENTS}|any ?one|any ?body|some ?one|they|she|he|ppl|people)(?: ever)? (?:asks?|sees?|finds? out|checks?|wonders)\b.{{0,40}}\b(?:say|tell (?:them|her|him)|pretend)",
        rf"(?:just )?(?:say|tell (?:them|her|him|{YOUR} {PARENTS})) (?:that )?(?:im|i'?m|i am|{YOURE}|{YOU}(?:'?re| are| r)?|it'?s|its|we'?re|were) (?:just )?(?:a |an |{YOUR} )?(?:friend|cousin|classmate|relative|game friend|mate|aunt|uncle|someone|talking to a)",
        rf"(?:rename|save|put|list|change) me (?:under|as|in {YOUR} (?:phone|contacts) as)",
        rf"(?:different|fake|girls?|boys?|another|other) name in {YOUR} (?:phone|contacts)",
        rf"{DONT} (?:screenshot|screenshots|ss|screen ?shot|screencap|record)\b",
        r"(?:delete|del|clear|erase|unsend|wipe|archive|remove|hide) (?:(?:all|this|our|these|the|ur|your|my|those|them|every|any|it|that) ){1,3}(?:\w+ )?(?:chat|chats|messages|msgs|message|convo|conversation|conversations|texts|dms|history|pics|photos|pictures|app|account|logs|thread)\b",
        r"(?:delete|del|unsend|clear|erase) (?:it|them|this|that|everything|all|these) (?:after|afterwards|right after|when|once|later|asap|now|straight after|after u|after you)\b",
        r"vanish(?:ing)? mode",
        r"disappear(?:ing)? (?:messages|msgs|mode|chat)",
        r"(?:messages|msgs|chats|pics|snaps|texts) (?:will |just |that )?(?:disappear|vanish|auto ?delete)",
        rf"so (?:that )?(?:no ?one|nobody|{YOUR} {PARENTS}|they|any ?one|any ?body) (?:{WONT}|{CANT}|{DONT}|doesnt|doesn'?t|never|wont) (?:ever )?(?:see|sees|c|know|knows|find out|finds out|notice|check|read|hear)",
        r"log ?out (?:after|when|once|before)",
        rf"(?:clear|delete|wipe) {YOUR} (?:history|search history|browser|cache)",
        r"(?:hidden|secret|fake|burner|secret) (?:app|account|acc|acct|profile|phone|number|insta|snap|chat|folder)\b",
        r"(?:make|create|get|open) (?:a |an )?(?:new|another|second|2nd|different|separate|secret|fake) (?:account|acc|acct|profile|email|number|insta|snap)\b.{0,20}\b(?:for|4|to talk to|just for) (?:me|us|talking)",
        rf"(?:hide|hiding) (?:it|this|that|me|us|our \w+|the \w+|them|these) from (?:{YOUR} )?(?:{PARENTS}|every ?one|any ?one|them|ppl|people)",
        rf"(?:{PARENTS}|they|them|people|ppl|others|other people|every ?one|adults|grown ?ups|{YOUR} friends|{YOUR} {PARENTS})(?:'?d| would)? (?:{WONT}|{DONT}|never|would never|'?d never) (?:really |ever |even )?(?:understand|get it|get us|get this|get what we|approve|accept|be ok|be okay|be cool)",
        rf"(?:people|ppl|they|{PARENTS}|others|every ?one)(?:'?d| would| will|'?ll)? (?:get|be|go) (?:so+ |really |all )?(?:weird|mad|angry|upset|crazy|funny|jealous) {ABOUT} (?:it|this|us)",
        rf"(?:they|{PARENTS}|{YOUR} {PARENTS})(?:'?d| would| will|'?ll)? (?:just )?(?:try to )?(?:stop|ban|block|keep) us (?:from )?(?:talking|chatting|being)",
        rf"(?:get|be) in (?:so+ much |big |huge |a lot of )?trouble if (?:any ?one|any ?body|ppl|people|they|{YOUR} {PARENTS}|some ?one|every ?one) (?:knew|knows|finds? out|found out|sees?|saw)",
        r"(?:it'?s|its|it is) not (?:lying|a lie)",
        rf"if {YOU} (?:ever )?tell (?:any ?one|any ?body|some ?one|them|{YOUR} {PARENTS})",
        rf"{DONT} let (?:{YOUR} {PARENTS}|them|any ?one|any ?body|her|him) (?:see|know|find|read|catch|hear)",
        rf"(?:just|only) (?:for|between) (?:us|{YOU} and me|{YOUR} eyes)",
        rf"for {YOUR} eyes only",
        r"secret (?:friendship|relationship|friend|bf|gf|boyfriend|girlfriend|chat|convo)",
        r"save (?:my number|me|my contact) (?:as|under)",
        rf"{YOUR} {PARENTS} (?:would|'?d|will|'?ll|gonna) (?:totally |so+ |just )?(?:freak|flip|lose it|go crazy|overreact|not get it|not understand)",
        r"(?:no+ ?(?:one|body)) else'?s business",
        rf"none of (?:their|{YOUR} \w+'?s?|them|ur) business",
        rf"(?:has|have|did) {YOUR} {PARENTS} (?:asked|ask|said (?:anything|something)|noticed|found out|seen) (?:{ABOUT} )?(?:me|us)",
        rf"(?:get|be) in (?:so+ much |big |huge |a lot of )?trouble (?:too |as well )?if (?:any ?one|any ?body|ppl|people|they|{YOUR} {PARENTS}|some ?one|every ?one) (?:knew|knows|finds? out|found out|sees?|saw)",
        rf"{YOU} (?:{DONT}|dont) (?:have|need) {TO} (?:tell|mention|show) (?:me |us |this |it )?(?:{TO} )?(?:{YOUR} {PARENTS}|any ?one|any ?body|them|every ?one|ppl)",
        rf"not a word (?:to|2) (?:any ?one|any ?body|{YOUR})",
        rf"tell (?:them|{YOUR} {PARENTS}|her|him) (?:one day|some ?day|later|eventually)\b.{{0,10}}\bnot (?:now|yet)",
        r"so+ (?:that )?(?:no+ ?one|nobody) (?:else )?(?:sees|knows|finds out|can see|will see|notices|reads)",
        rf"tell (?:{YOUR} )?(?:{PARENTS}|them|her|him) (?:that )?(?:{YOURE}|{YOU}(?:'?re| are| r)?) (?:gonna|going|goin|at|staying|sleeping|sleepin|hanging|studying|over)\b",
        rf"(?:account|acc|acct|app|phone|number) (?:that |which )?{YOUR} {PARENTS} (?:{DONT}|{WONT}|{CANT}) (?:know|see|find)",
        r"(?:this|it|that|what we (?:say|do|talk about)) (?:stays|stay) (?:between us|here|with us|private)",
        rf"{DONT} let (?:any ?one|any ?body|them|{YOUR} {PARENTS}|{YOUR} friends) (?:see|read|know {ABOUT})",
        rf"{DONT} tell {YOUR} (?:friends|mates|{PARENTS}) {ABOUT} (?:me|us|this)",
        rf"if {YOUR} {PARENTS} (?:ever )?(?:find out|found out|see this|saw this|knew)",
        r"(?:incognito|private browsing|private tab)",
        rf"hide {YOUR} (?:phone|screen|messages|chats|dms)",
        r"(?:no+ ?one|nobody) (?:can|should|must) (?:ever )?find out",
    ),
    _tactic(
        "isolation",
        0.5,
        4,
        "sets them against family and friends; 'only I understand you'",
        rf"(?:{YOUR} (?:friends|{PARENTS}|teachers?|family|classmates|mates|friend group)|they|those (?:kids|people|ppl|guys|girls)|(?:the )?(?:adults|people|ppl|kids) (?:in|at) {YOUR} (?:life|school|house|home|class)) (?:{DONT}|never|{WONT}|{CANT}|will never) (?:(?:really|even|actually|truly|rly|ever|care to) ){{0,2}}(?:get|understand|care|appreciate|deserve|listen|respect|notice|see|know|love|value|support|let) (?:{ABOUT} |for |to |the real )?{YOU}\b",
        rf"{NOONE}(?: else)? (?:(?:at|in) (?:home|school|{YOUR} \w+) )?(?:(?:really|even|actually|will|would|ever) )?(?:listens?|gets|understands?|cares?|deserves|appreciates|loves|respects|treats) (?:to |{ABOUT} |for )?{YOU}\b",
        rf"(?:care|cares|love|loves|understand|understands|get|gets|know|knows|treat|treats|listen to|appreciate|respect|see) (?:{ABOUT} )?{YOU} (?:like|the way|as much as|more than) (?:i do|me|i)\b",
        rf"(?:more|better) than {YOUR} (?:\w+ )?(?:friends|{PARENTS}|family|teachers) (?:do|ever|will|could)",
        rf"(?:unlike|not like) (?:them|{YOUR} (?:friends|{PARENTS}))",
        rf"(?:only|just) (?:i|me) (?:really |truly |actually )?(?:get|understand|care {ABOUT}|know|see|listen to|love|c) (?:the real )?{YOU}\b",
        rf"{IM} the only (?:one|person|1) (?:(?:who|that) (?:(?:really|actually|truly|ever) )?(?:gets|understands|cares|listens|loves|knows|likes|sees|gives a)|on {YOUR} side|{YOU} can (?:trust|talk to|count on|rely on))",
        rf"{IM} (?:always )?(?:here|there) for {YOU}\b.{{0,20}}\b(?:unlike|not like|they|them)",
        rf"{YOU} (?:can )?(?:always )?(?:come|talk|turn) {TO} me (?:instead|not them)",
        r"(?:with|to) me instead\b",
        rf"{YOU} (?:only|just|still|always|will always|'?ll always|ll always|will still) (?:have|got|need) me\b",
        rf"all {YOU} need is me",
        rf"(?:its|it'?s|it is) (?:just )?{YOU} and me\b",
        rf"(?:{YOU}|you) and me against (?:the world|every ?one|them)",
        rf"{YOU} can be {YOUR} ?self (?:with|around) me",
        rf"{YOU} {DONT} need (?:them|any ?one|any ?body|other friends|those|{YOUR} (?:friends|{PARENTS}|family)|any friends|other people|ppl|people)\b",
        rf"(?:better off|happier) without (?:them|{YOUR} (?:friends|{PARENTS}|family))",
        rf"(?:forget|ditch|ignore|drop|cut off|block|unfriend|stop talking to) (?:about )?(?:them|those (?:kids|people|ppl|guys|girls)|{YOUR} (?:friends|{PARENTS}|family|mates))\b",
        rf"(?:stop|quit) (?:hanging|hangin|going out|talking|chilling) (?:out )?(?:with|w) (?:them|those|{YOUR} friends|her|him)",
        rf"{WHY} (?:do|would) {YOU} (?:even |still )?(?:hang|hangout|hang out|talk|bother|chill) (?:out )?(?:with|w|to) (?:them|those|her|him)",
        rf"{YOU} spend (?:way |so+ )?too much time with (?:them|those|{YOUR})",
        rf"skip (?:going|hanging|the party|going out)\b.{{0,25}}\b(?:with|w) (?:them|{YOUR}|those)",
        rf"{DONT} go (?:out )?(?:to|with) {YOUR} (?:friends|mates)",
        rf"(?:they'?re|theyre|there|they are|{YOUR} (?:friends|{PARENTS}|mates)(?: are| r)?) (?:(?:just|all|so+|only|kinda|probably|prob|clearly|obviously) ){{0,2}}(?:jealous|using {YOU}|holding {YOU} back|fake|not real friends|not {YOUR} real friends|toxic|controlling|a bad influence|bad for {YOU}|laughing at {YOU}|talking behind)",
        rf"{YOUR} (?:friends|{PARENTS}|family|mates|teachers?) (?:sound|sounds|seem|seems) (?:(?:kinda|kind of|so+|really|rly|pretty|super|very|like) ){{0,2}}(?:fake|toxic|controlling|mean|annoying|strict|exhausting|exhausying|awful|terrible|crazy|overprotective|immature|childish)",
        rf"{YOUR} {PARENTS} (?:{DONT}) (?:sound|seem) like (?:she|he|they) (?:cares?|loves?)",
        rf"(?:they|{YOUR} friends) only (?:talk to|text|message|hang out with|call|use) {YOU} (?:when|for|cuz|bc|because)",
        rf"(?:they'?d|theyd|they would|they will|they'?ll|theyll|{YOUR} friends would|{YOUR} friends will|{YOUR} friends'?d) (?:just )?(?:(?:make fun of|laugh at|judge|tease|mock|bully) {YOU}|laugh)\b",
        rf"(?:{YOUR} friends|they) (?:{WONT}) (?:even )?(?:notice|care|miss {YOU})",
        rf"(?:told|telling) {YOU} they (?:were|are|r)(?:n'?t|nt| not)",
        rf"(?:never|not) (?:{YOUR} )?real friends",
        rf"(?:every ?one|all of them|the whole world)(?: else)? (?:is|are|r) against {YOU}",
        rf"(?:they|{PARENTS}|{YOUR} {PARENTS}) (?:{DONT}|never) let {YOU} be {YOUR} ?self",
        rf"(?:they|{PARENTS}|{YOUR} {PARENTS}) (?:just )?(?:treat|treats|treating) {YOU} like (?:a |an )?(?:kid|baby|child|little kid)",
        rf"i treat {YOU} like (?:a |an )?(?:grown ?up|adult)\b",
        rf"{YOURE} old enough {TO} (?:make|decide|choose|do what)",
        rf"{WHY} (?:do|would|should) {YOU} (?:even )?care (?:what|{ABOUT} what) (?:they|{YOUR} \w+|ppl|people|others) (?:think|say)",
        rf"{DONT} bother (?:telling|asking|talking to) (?:{YOUR} )?(?:friends|{PARENTS}|them|any ?one)",
        rf"(?:adults|grown ?ups|teachers|{PARENTS}|they) (?:in {YOUR} life )?(?:{DONT}|never) respect {YOU}",
        rf"who needs (?:them|those|{YOUR} \w+)",
        rf"when {YOU} (?:have|got) me\b",
        rf"if i (?:was|were) {YOUR} {PARENTS}",
        rf"(?:i'?d|id|i would) never (?:treat|ground|punish|yell at|do that to) {YOU}",
        r"safe (?:with|around) me\W{0,2} (?:not|unlike)",
        rf"{CANT} control (?:who|what|where|how) {YOU}",
        rf"{YOU} (?:{DONT}|dont) (?:have|need) {TO} listen {TO} (?:them|{YOUR} \w+)",
        rf"(?:they'?re|theyre|they|{YOUR} friends) (?:always |just )?(?:gonna|going to|will) (?:let {YOU} down|leave {YOU}|hurt {YOU}|ditch {YOU})",
        rf"unfair (?:of|from) {YOUR} {PARENTS}",
        rf"(?:too (?:mature|good|smart|cool)|better) for (?:those|them|the other|{YOUR} (?:friends|class|classmates))",
        rf"{YOU} spend (?:way |so+ )?too much time (?:with|w) (?:them|those|{YOUR})",
        rf"(?:they|{YOUR} {PARENTS}|{YOUR} friends) (?:just )?(?:want|wanna|try|are trying|r trying) {TO} control {YOU}",
        rf"{DONT} listen {TO} (?:them|{YOUR} (?:friends|{PARENTS}|family|mates|teachers?))",
        rf"(?:they'?re|theyre|they are|{YOUR} (?:friends|{PARENTS}) (?:are|r)) (?:just |all )?lying {TO} {YOU}",
        rf"(?:they|{YOUR} {PARENTS}) (?:{DONT}|never) want {YOU} {TO} {BE} happy",
        rf"(?:try|trying|want) {TO} keep us apart",
        rf"{YOUR} {PARENTS} (?:are|r|is) (?:way |so+ |too |just )?(?:too )?(?:strict|controlling|overprotective|unfair)\b",
    ),
    _tactic(
        "gifts",
        0.4,
        2,
        "offers gifts, game currency, money or favours",
        rf"{OFFER} (?:(?:just|totally|def|definitely|happily|gladly|always|even|also) )?(?:buy|gift|spoil|treat|pay for|order|cop|get|send|give|grab) {YOU}\b(?: (?:a |an |some |free |new |more |the |that |those |a new |ur |{YOUR} |\d+ |whatever |anything |any )?(?:robux|bux|v ?-?bucks|vbux|nitro|gift ?cards?|gift ?codes?|riot points|rp|valorant points|minecoins|primogems|gems|skins?|coins|credits|tokens|game ?pass|battle ?pass|season pass|\w+ pass|premium|membership|subscription|money|cash|\$|dollars|bucks|gift|present|treat|anything|whatever|something|smth|sth|stuff|phone|new phone|controller|headset|headphones|switch|console|game|games|outfit|clothes|shoes|makeup|food|lunch|dinner|snacks|it|that|one))(?!\w)(?! (?:\w+ )?(?:for|4) (?:that|this|ur|your|those|these|my|the|a) (?:\w+ )?(?:pet|pets|skin|skins|item|items|sword|card|cards|trade|limited|account))",
        rf"{OFFER} (?:(?:just|totally|def|definitely|happily|gladly|always) )?(?:buy|gift|spoil|treat|pay for|order|cop) {YOU}\b",
        rf"hook {YOU} up (?:with|w)\b",
        rf"{OFFER} (?:(?:just|totally|def|definitely|happily|gladly|always) )?(?:get|send|give|grab) {YOU} (?!(?:the |a |an |my |that |this |ur |some )?(?:link|links|address|addy|details|info|file|files|notes|invite|code|location|loc|results|answers|homework|hw|schedule|pics?|photos?|picture|selfie|screenshots?|ss|message|msg|text|call|ride|lift|back|later|tomorrow|tmrw|next|in|on|there|when|if|at|to|from|update|number|num|snap|sc|insta|ig|@|username|user|handle|email|discord|disc|instagram|snapchat|server|invite|group|gc|chat|couple|few|know|up|one|it)\b)\w(?!.{{0,25}}\b(?:for|4) (?:that|this|ur|your|those|these|my) (?:\w+ )?(?:pet|pets|skin|skins|item|items|sword|card|cards|trade|limited|account)\b)",
        rf"(?:want|wanna|need|do {YOU} want|would {YOU} like|{YOU} need|{YOU} want)(?: me {TO} get {YOU})? (?:some |a |an |free |more |extra )?(?:robux|bux|v ?-?bucks|vbux|nitro|gift ?cards?|amazon (?:card|voucher|gift card)|steam (?:card|credit|gift)|riot points|minecoins|primogems|credits|tokens|coins|battle ?pass|money|cash|skins?)\b",
        r"free (?:robux|bux|vbucks|v ?-?bucks|nitro|skins?|gift ?cards?|credits|coins|tokens)\b",
        rf"(?:have|got) (?:a |an |some )?(?:spare|extra|old)\b.{{0,25}}\b(?:want (?:it|one|them)|{YOU} want|its urs|it'?s yours|for {YOU}|{YOU} can have)",
        rf"{YOU} (?:can|could) (?:have|keep) (?:it|them|mine|my|this|that|one)\b",
        rf"(?:whatever|anything) {YOU} (?:want|need|like)\W*(?:its|it'?s|is|ill|i'?ll|i can|i will|just ask|just say)",
        r"just name it\b",
        rf"spoil {YOU}\b",
        rf"{YOU} deserve (?:a |some )?(?:treat|gift|present|reward|something nice|nice things)\b",
        r"(?:it'?s|its|it is) (?:my treat|on me)\b",
        r"my treat\b",
        rf"i {DONT} mind (?:spending|paying|buying)",
        rf"(?:spend|spent|spending) (?:money|so+ much|a lot|\$\d+|\d+ ?(?:dollars|bucks)) on {YOU}",
        rf"{YOU} {DONT} (?:have|need) {TO} pay (?:me )?(?:back|for it|anything)",
        r"(?:i'?ll|ill|i can|i could|let me|lemme|i will) (?:pay|cover|chip in|venmo|cashapp|paypal|transfer)\b(?! (?:attention|you back|u back|ya back|it back|back|later|tomorrow))",
        rf"(?:send|give|transfer|venmo|paypal|cashapp|cash app) {YOU} (?:some )?(?:money|cash|\$|\d+ ?(?:dollars|bucks|quid|pounds|euros)|a few (?:bucks|dollars|quid))",
        rf"how much (?:do|would|will) {YOU} need",
        rf"i (?:bought|gifted|ordered|got) {YOU} (?:a |an |some |something|smth|sth|stuff|that|those|all (?:that|those|the)|the |robux|vbucks|nitro|coins|credits)",
        rf"i (?:sent|gave) {YOU} (?:a |an |some )?(?:gift|present|something|smth|sth|stuff|money|cash|robux|vbucks|nitro|coins|credits|tokens|gems|skins?|gift ?card|\$)",
        rf"check {YOUR} (?:inbox|mail|trades?|gifts?|inventory)\b",
        rf"(?:i'?ll|ill|i can|i could|let me|lemme|want me {TO}) (?:make|give) {YOU} (?:a )?(?:mod|admin|vip|rank|role)\b",
        rf"(?:do|finish|write) {YOUR} homework for {YOU}",
        rf"(?:{ILL}|want me {TO}) do {YOUR} homework",
        r"(?:i have|i got|ive got|i'?ve got) (?:so+ many|loads of|lots of|tons of|a lot of|too many|extra|spare) (?:robux|bux|vbucks|coins|credits|gems|tokens|skins|gift ?cards|nitro|points)",
        r"here(?:'?s| is)? (?:take |have )?(?:some |a |an )?(?:\d+ )?(?:robux|bux|vbucks|coins|credits|gems|tokens|nitro|gift ?card)",
        r"(?:all|after) (?:those|that|the|these) (?:robux|bux|vbucks|coins|credits|gems|tokens|nitro|gifts|presents|stuff i (?:bought|got|gave))",
        r"used me for (?:the |my )?(?:robux|bux|vbucks|coins|credits|gems|tokens|nitro|points|money|gifts|stuff)",
        rf"{YOU} want (?:that|this|the|a|an|some|any) \w+\W{{1,3}}(?:ill|i'?ll|i can|i could) (?:get|buy|gift|pay)",
        rf"(?:make|give) {YOU} (?:a |an )?(?:\w+ )?(?:mod|admin|vip|rank|role|perms|permissions)\b",
        rf"{OFFER} (?:get|buy|send|gift) {YOU} (?:a |an |the |some )?\w+ (?:gift ?cards?|cards?|pass|dlc|skins?|bundle)\b",
        rf"get {YOU} (?:in|into) (?:the |my |a )?(?:private |vip |secret )?(?:server|group|club|beta|clan)",
        rf"top up {YOUR}",
        r"(?:all|after) (?:those|that|the|these|my) (?:\w+ )?(?:robux|bux|v ?-?bucks|vbux|nitro|gift ?cards?|gift ?codes?|riot points|rp|valorant points|minecoins|primogems|gems|diamonds|skins?|coins|credits|tokens|points|game ?pass|battle ?pass|dlc|itunes card|steam card|amazon card)",
        r"used me (?:for|4) (?:the |my |all my )?(?:robux|bux|v ?-?bucks|vbux|nitro|gift ?cards?|gift ?codes?|riot points|rp|valorant points|minecoins|primogems|gems|diamonds|skins?|coins|credits|tokens|points|game ?pass|battle ?pass|dlc|itunes card|steam card|amazon card)",
        rf"(?:do|finish|write) {YOUR} (?:homework|hw) (?:for|4) {YOU}",
        rf"(?:{ILL}|want me {TO}) do {YOUR} hw",
        r"(?:want|wanna|need) (?:some |more |free )?(?:diamonds|gems|riot points|itunes card|steam card)\b",
        rf"(?:send|give) {YOU} [$£€]\s?\d+",
        rf"(?:{YOU}|{YOUR}|want|wanna|need|free|get|buy|give|send|gift|here)\b.{{0,30}}\b(?:robux|bux|v ?-?bucks|vbux|nitro|gift ?cards?|riot points|minecoins|primogems|battle ?pass|steam (?:card|gift|wallet)|amazon (?:card|voucher)|itunes card|google play card|psn card|xbox card)\b(?!\s(?:\w+ )?(?:for|4) (?:that|this|ur|your|those|these|my|the|a) (?:\w+ )?(?:pet|pets|skin|skins|item|items|sword|card|cards|trade|limited|account))",
        rf"(?:robux|bux|v ?-?bucks|vbux|nitro|gift ?cards?|riot points|minecoins|primogems|battle ?pass|steam (?:card|gift|wallet)|amazon (?:card|voucher)|itunes card|google play card|psn card|xbox card)\b.{{0,30}}\b(?:for {YOU}|4 {YOU}|{YOU} want|{YOU} need|if {YOU})\b",
        r"(?:i'?ll|ill|i can|i could|let me|lemme) (?:get|buy|pay for|cover) (?:it|that|them|those|this) (?:for|4) (?:you|u|ya)\b",
    ),
    _tactic(
        "platform_move",
        0.45,
        4,
        "asks to move to another app, a private chat or a phone number",
        rf"(?:add|hmu|hit me up|message|msg|text|dm|pm|talk|chat|call|find|follow|contact|reach|send|continue|move|go|switch|come|hop|catch|snap|ft|facetime) (?:(?:me|u|you|us|it|this|that|them|ya|one) )?(?:(?:up|back|over|on|in|at|through|via|to|onto) ){{1,2}}(?:{APP}|private|dms?|pms?|my number|my cell)\b",
        rf"(?:ill|i'?ll|i will|i can|lemme|let me) (?:dm|text|msg|message|call|add|snap|ft|facetime|pm) {YOU} (?:there|on (?:it|that|there))",
        rf"(?:do|have|did|{ARE}) {YOU} (?:(?:have|got|use|on|still|even|ever|get) ){{0,2}}{APP_Q}\b",
        rf"(?:got|{YOU} got|{YOU} on|{YOU} have|{YOU} use|any) {APP_Q}\s*\?",
        rf"^(?:{APP_Q}|number|num|{YOUR} (?:number|snap|sc|ig|insta|@|discord|disc))\s*\?",
        rf"(?:{WHATS}|whats|wats|what'?s|send|give|gimme|drop|share|tell me|got|can i (?:get|have)|could i (?:get|have)|may i (?:get|have)|i need|need|lemme (?:get|have)|let me (?:get|have)|post|dm me|pm me|text me|i want|i wanna (?:get|have)) (?:me )?{YOUR} {HANDLE}(?!\w)",
        rf"(?:ill|i'?ll|i will|i can|lemme|let me|here'?s|heres|i'?m gonna|im gonna|i could|imma) (?:give|send|dm|drop|text|pass|share|leave|write|post|put) (?:{YOU} |ya )?my (?:number|num|digits|#|cell|phone|snap|sc|insta|ig|whatsapp|wa|telegram|kik|discord|disc|@|user ?name|handle|tag|email|contact|socials|info)\b",
        r"my (?:snap|sc|insta|ig|number|num|telegram|tele|kik|discord|disc|whatsapp|wa|@|user ?name|handle|email|cell|signal|wickr) (?:is|iz|=|:)",
        r"(?:download|dl|install|get|make|create|sign up for|join|try|use|hop on|switch to|move to|come to|go to|go on|lets use|let'?s use) (?:a |an |the |an account on |on )?(?:snap ?chat|insta(?:gram)?|whats ?app|telegram|tele|kik|skype|we ?chat|signal|viber|wickr|threema|session|line app|messenger)\b",
        rf"(?:{APP}) (?:is|s|'?s) (?:so+ |way |much |a lot )?(?:better|easier|more private|safer|nicer) (?:for|to|than)",
        rf"(?:way |so+ much |much |a lot )?(?:easier|better|safer|more private|faster|nicer) (?:{TO} )?(?:talk|chat|text|msg) (?:on|in|over|through|via) {APP}",
        rf"{LETS} (?:(?:move|go|talk|chat|switch|continue|take (?:this|it|our convo|the convo)|head|hop|get) )(?:this |it |the (?:chat|convo) )?(?:(?:to|on|in|over|into|onto|over to) )?(?:(?:somewhere|some ?place|elsewhere) (?:else|more private|private|quieter)|somewhere private|private(?:ly)?|dms?|pms?|{APP})\b",
        rf"{LETS} (?:(?:go|move|take (?:this|it)) )?(?:somewhere|some ?place) else\b",
        rf"{LETS} (?:dm|pm|private message|snap|whatsapp|telegram|switch apps|move apps)\b",
        r"(?:dm|pm|msg|message|text) me (?:privately|in private|directly|there|instead)\b",
        r"(?:dm|pm) me\b",
        r"(?:slide|come|hop) (?:in|into) (?:my|the) dms?",
        r"(?:some ?where|some ?place|else ?where) (?:more )?(?:private|quieter|secret|we can talk|else to talk|just us)",
        r"private(?:ly)? (?:chat|server|room|dm|message|convo|group|channel|call|app)\b",
        rf"just (?:us|{YOU} and me|me and {YOU}) (?:two|2|both)\b",
        rf"(?:make|start|create|open) (?:us |a |an )?(?:new |private |secret )?(?:group ?chat|gc|server|chat|channel|room)\b.{{0,20}}\b(?:just|only) (?:us|{YOU} and me|me and {YOU}|for us|the two)",
        r"(?:this|the|here) (?:app|site|server|chat|place)? ?(?:is |s )?(?:too|so+|kinda) public",
        rf"(?:sent|send|sending) {YOU} (?:a )?(?:friend |follow )?req(?:uest)?\b",
        r"accept (?:my )?(?:friend |follow )?req(?:uest)?\b",
        r"add me\b(?! (?:to|in|into|on the (?:team|list|roster)|as) )",
        r"(?:make|create|get|open) (?:a |an )?(?:new|another|second|2nd|different|separate|secret|fake) (?:account|acc|acct|profile|email|number|insta|snap)\b.{0,20}\b(?:for|4|to talk to|just for) (?:me|us|talking)",
        r"vanish(?:ing)? mode",
        r"disappear(?:ing)? (?:messages|msgs|mode|chat)",
        rf"(?:text|call|ring|msg|message|whatsapp) me (?:at|on) (?:\d|{APP})",
        r"join my (?:party chat|private|server|discord|gc|group ?chat)",
        r"text me\W*(?:$|pls|plz|lmk|<3|xx|ha|haha|lol|sometime|whenever|later|tonight|when ur free|when you'?re free|on)",
        rf"(?:ill|i'?ll|i will|i can|lemme) (?:text|snap|whatsapp|dm) {YOU}\b",
        r"(?:this|the) (?:app|site|server|platform|chat) (?:is |s )?(?:so+ |too |kinda )?(?:lame|boring|laggy|glitchy|dead|trash|annoying|weird|slow)\b.{0,12}\b(?:lets|let'?s|we should|can we|wanna)",
        rf"{LETS} (?:move|switch)\W*$",
        rf"do {YOU} have (?:a |{YOUR} own )?phone\b",
        r"(?:hey|so|ok|okay|oh|and|also|btw|yo|u got|got) (?:number|num|snap|sc|ig|insta|discord|disc|whatsapp|wa|kik|telegram)\s*\?",
        rf"(?:do|have) {YOU} (?:have |got )?(?:another|a second|a different|an alt|a spare|other) (?:acct|account|acc|number|phone)",
        r"(?:talk|chat) (?:1 on 1|one on one|1:1|privately|in private)",
        rf"(?:{YOU} should|{YOU} gotta|{YOU} need {TO}|go) (?:get|download|install|make) (?:a |an )?{APP}",
        rf"{APP} (?:is|s|'?s) (?:so+ |way |much )?(?:better|easier|safer) (?:for|4|to|2)",
        rf"add my {HANDLE}",
        r"(?:kik|snap|whatsapp|telegram|dm|pm|text) me\b(?! (?:back|when|if|later))",
        rf"{YOU} on (?:snap|insta|ig|discord|disc|whatsapp|telegram|kik|tiktok)\s*\?",
        rf"(?:we can|we could|i can) (?:talk|chat|text) (?:on|over|in) {APP}",
        rf"(?:i'?ll|ill|i will|lemme|let me) (?:message|msg|dm|text|add|find) {YOU} (?:on|over|in) {APP}",
    ),
    _tactic(
        "photo_request",
        0.55,
        5,
        "asks for photos, selfies, cam or calls, or what they look like",
        rf"(?:send|show|snap|dm|drop|gimme|give me|lemme see|let me see|i wanna see|can i see|can i get|could i get|can i have|need) (?:me |us )?(?:(?:a|an|some|another|more|one|1|ur|your|a quick|a cute|a new|any|a few|a couple|a good|a better|a clear|a full|that) )?(?:(?:quick|cute|new|good|real|recent|current|nice|full body|full|mirror|private|secret|better quality|clear|hd|cute lil|lil) )?{PIC}\b(?! (?:of|for) (?:ur |your |yr |the |my |this |that |where |how |it\b|what )?(?:homework|hw|work|working|answers?|question|questions|screen|screenshot|receipt|notes|maths?|problem|sheet|page|essay|code|error|form|ticket|bill|stuck|results?|score|setup|build|base|inventory|stats|car|dog|cat|pet|food|meal|cake|plant|garden|assignment|textbook|book|test|quiz|schedule|timetable|menu|map|view|bill|the \w+))",
        rf"take (?:a |some )?{PIC} (?:for me|and send|n send|of {YOU}rself|of {YOUR} ?self)",
        rf"(?:more|any|other|new|recent) (?:pics|pictures|photos|selfies|vids|videos) (?:of {YOU}|\?)",
        rf"(?:do|have|got) {YOU} (?:have |got )?(?:any |more |other )?(?:pics|pictures|photos|selfies)",
        rf"{PIC} of {YOU}(?:rself)?\b",
        rf"(?:pic|picture|photo|selfie|vid|video) of {YOUR} ?(?:self|face|outfit|body|fit)\b",
        rf"{WHAT} (?:do(?:es)? )?{YOU} (?:even |actually |really )?look like",
        rf"(?:{WHATS}|{WHAT}) (?:does )?{YOUR} face look like",
        rf"(?:know|see|seen) {WHAT} {YOU} look like",
        rf"(?:never|not|havent|haven'?t|dont|don'?t) (?:even )?(?:get|got|gotten) (?:to )?see {YOU}\b",
        rf"(?:is|was) that (?:really |actually )?{YOU} in {YOUR} (?:pfp|profile|pic|photo|icon|avatar)",
        rf"{YOUR} (?:pfp|profile pic|icon|avatar) (?:in )?(?:better|higher|full) (?:quality|res)",
        rf"(?:prove|show me) (?:{YOURE} real|{YOU}(?:'?re| are| r) real|its {YOU}|it'?s {YOU}|{YOU} exist)",
        rf"show (?:me|us) (?:(?:ur|your|what|how|the|a|ur new|ur whole) )?(?:face|outfit|fit|clothes|room|bedroom|body|self|{YOUR} ?self|hair|smile|eyes|legs|feet|what {YOU} (?:look|r wearing|are wearing|wearing|got on)|how {YOU} look)\b",
        rf"(?:let me|lemme|can i|could i|i wanna|i want to|wanna|i need to|i'?d love to|i would love to) (?:see|c) (?:{YOU}|{YOUR} (?:face|outfit|fit|smile|eyes|hair|room|body)|what {YOU}|how {YOU})\b",
        rf"(?:record|film|make) (?:a |me a |some )?(?:video|vid|clip) (?:for me|of {YOU})",
        r"face ?reveal",
        rf"{WHAT} (?:r|are) {YOU} wearing",
        r"^(?:wanna |can we |want to |u wanna |lets |let'?s )?(?:cam|webcam|vc|ft|facetime|video ?chat|video ?call|call)\s*\?",
        rf"(?:turn|put|switch|flip|open) (?:on )?(?:{YOUR}|the|ya) (?:cam|camera|webcam|video)(?: on)?\b",
        r"(?:cam|camera|webcam) on\b",
        r"(?:get|go|hop|jump|come) on (?:a )?(?:cam|camera|webcam|video|call|vc|facetime|ft)\b",
        r"(?:can|could|shall|will|wanna|want to|should|lets|let'?s|we should|i wanna|i want to|how about we|why dont we) (?:we |i |u |you )?(?:(?:do|have|hop on|get on|jump on) (?:a )?)?(?:video ?call|video ?chat|vid ?call|facetime|ft|vc|skype|cam|voice ?call|voice ?chat|phone call|call(?!(?: it| (?:him|her|them|the|an?|off|dibs))\b))\b",
        r"(?:facetime|ft|vc|video ?call|video ?chat|skype) me\b",
        rf"call me (?:rn|now|tonight|pls|plz|please|lmk|asap|on {APP})\b",
        r"call me\W*$",
        r"(?:answer|pick up|accept|join|take) (?:my |the )?(?:call|ft|facetime|vc|video ?call)\b",
        r"(?:video ?chat|video ?call|vid ?call|facetime|ft|vc|cam|webcam) (?:later|tonight|now|rn|tmrw|tomorrow|after school|sometime)\b",
        r"pick up\b.{0,5}\b(?:im|i'?m) calling",
        rf"(?:if {YOU}|{YOU} said {YOU}(?:'?d| would)|{YOU} promised (?:to|{YOU}(?:'?d| would))) send (?:one|it|me one|a pic|me a pic|pics|another)",
        rf"send (?:me )?one of {YOU}",
        r"(?:send|record) (?:me )?(?:a |an )?(?:voice ?note|voice ?message|voice ?memo|vn|audio)\b",
        rf"take (?:a |some |another )?{PIC} (?:for me|4 me|now|rn|right now)",
        rf"(?:so|to prove|prove|so i know) (?:that )?{YOURE} real",
        r"^(?:any )?(?:pics|pic|selfie|photo|photos)\s*\?",
        r"(?:got|have) any (?:pics|photos|selfies|pictures)",
        r"snap me\b(?! (?:back|when|later))",
        r"(?:on|get on|go on) (?:cam|camera|webcam)\s*\?",
        rf"(?:can|could) i see {YOU}\b",
    ),
    _tactic(
        "pressure",
        0.45,
        6,
        "pushes after a refusal, plays the request down",
        r"(?:come on|cmon|c'?mon|comeon|pls+|please+|plz+|pleas|pretty please)\b.{0,20}\b(?:just )?(?:one|1|once|quick|for me)\b(?! more)",
        r"(?:just|only) (?:one|1)(?: (?:quick|little|lil|tiny|small|cute))? (?:pic|photo|selfie|snap|picture|vid|video|call|peek|look)\b",
        r"(?:just|only) (?:one|1|once)\W*(?:pls|plz|please|yeah|ok|okay|oki|i promise|then|for me)\b",
        rf"{DONT} {YOU} trust me",
        rf"(?:why|how) (?:{DONT}|{CANT}|{WONT}) {YOU} (?:just )?trust me",
        rf"{YOU} (?:can|should|gotta|have to) trust me\b",
        rf"i (?:sent|showed|gave) {YOU} (?:mine|one|a pic|my)",
        rf"(?:ill|i'?ll|i will|i can) (?:send|show) (?:{YOU} )?(?:one|mine|a pic|pics|my face)\b.{{0,12}}\b(?:if|when|after|first) {YOU}",
        rf"if {YOU} send (?:one|it|me one|a pic|pics|me a pic|me something)\b",
        r"(?:its|it'?s) only fair\b",
        r"(?:it'?s|its|it is|that'?s|thats|it'?ll be|itll be) (?:just |only |honestly |literally )?(?:not a big deal|no big deal|not weird|fine i promise|not a big thing|harmless|innocent)\b",
        r"(?:every ?one|everybody|all my friends|all the (?:girls|boys|kids)|lots of (?:people|ppl|girls|kids)|other (?:girls|kids|people)) (?:does|do|did|sends?|has done) (?:it|this|that|them|pics|one)\b",
        r"(?:whats|what'?s|wats|what is) the big deal",
        r"(?:not|no|isnt|isn'?t) (?:a |that )?big (?:of a )?deal",
        r"(?:its|it'?s) (?:just|only) (?:a )?(?:pic|photo|selfie|picture|video|vid|call|for me)\b",
        r"(?:its|it'?s) only me\b",
        r"(?:no+ ?one|nobody)(?: else)? (?:will|would|is gonna|gonna) (?:ever )?see (?:it|them|this)",
        r"(?:i'?ll|ill|i will|i can) delete (?:it|them) (?:right )?(?:after|straight away)",
        r"(?:it'?ll|itll|it will|they'?ll|theyll|they will) (?:just )?(?:disappear|vanish|auto ?delete)",
        r"(?:dont|don'?t|stop|quit) be(?:ing)? (?:so+ )?(?:shy|scared|a baby|boring|like that|such a kid|a kid|a child|lame|a prude|difficult|weird about it|dramatic)\b",
        rf"{YOU} (?:promised|said {YOU}(?:'?d| would)|told me {YOU}(?:'?d| would))\b",
        r"(?:this is|its|it'?s) (?:the )?last time (?:im|i'?m|i am) (?:gonna )?ask",
        r"(?:dont|don'?t) make me ask (?:again|twice)",
        r"i (?:wont|won'?t|will not) ask again",
        r"(?:answer|reply to|respond to) me\b(?! (?:when|later|tomorrow|if|after))",
        rf"{YOU} (?:better|best) (?:reply|answer|respond|text|send|do)",
        rf"just do (?:what i (?:say|ask|said|asked|tell {YOU})|as i say|this (?:one thing )?for me)\b",
        r"(?:^|pls |plz |please |come on |cmon |so+ |now )just do it\b",
        r"(?:just|pls|please|plz|come on|cmon) do (?:it|this|that) for me",
        r"so (?:just )?do (?:this|it|that|something) for me",
        rf"if {YOU} (?:really |actually |truly |even )?(?:cared|liked me|loved me|trusted me|were (?:really )?my friend|cared {ABOUT} me|cared even a little)",
        rf"prove (?:it|{YOU} (?:care|trust me|like me|love me|mean it|re mature|'?re mature|r mature|are mature)|that {YOU})",
        r"(?:stop|quit) (?:making excuses|being difficult|overthinking|stalling)",
        rf"{WHY} (?:are|r) {YOU} (?:being )?(?:so+ )?(?:difficult|shy|weird about (?:it|this)|scared|like this|like that)",
        rf"{WHY} (?:{WONT}|{CANT}|{DONT}) {YOU} (?:just )?(?:send|show|call|do it|answer|reply|cam|facetime|trust|come|meet|add)\b",
        rf"{YOU} (?:have|need|gotta|got) {TO} (?:send (?:it|one|me)|show me|do it for me|answer me|reply (?:to me|now)|call me)\b",
        r"(?:i|ill|i'?ll) (?:wont|won'?t|will not|never|would never) (?:show|tell|share|send) (?:it |them |this )?(?:to )?(?:any ?one|any ?body|no ?one)",
        rf"{WHY} not\W*(?:{DONT}|{CANT}|its|it'?s|just|i promise|come on|cmon)",
        r"making (?:this|it) (?:so+ )?(?:hard|harder|difficult|complicated|weird)",
        rf"(?:mature|real|true|good|normal) (?:people|ppl|friends|girls|boys) (?:{DONT}|wouldnt|would not|never) (?:act like this|say no|do this|make a big deal|get scared)",
        rf"{YOURE} (?:acting|being) (?:like )?(?:such )?(?:a )?(?:little )?(?:kid|baby|child)",
        r"wasting my time",
        rf"{WHY} (?:are|r) {YOU} taking so+ long",
        r"(?:hurry|hurry up)\b.{0,10}\b(?:send|do it|before)",
        rf"(?:{YOU}(?:'?re| are| r)?|{YOURE}) (?:being )?(?:so+ )?(?:dramatic|overreacting|overthinking|paranoid)",
        r"(?:its|it'?s) not like (?:im|i'?m) asking (?:for )?(?:much|a lot)",
        r"(?:last|final) chance\b",
        rf"{YOU} (?:already )?said yes\b",
        r"(?:^|just |pls |please |omg |so+ )grow up\b(?! (?:in|there|with|watching|to|and|here|on))",
        rf"if {YOU} (?:really |actually )?(?:loved|liked|cared about|trusted) me {YOU}(?:'?d| would)",
        rf"(?:i'?ll|ill|i will|gonna) stop (?:talking|being friends) (?:to|with) {YOU}",
    ),
    _tactic(
        "meeting",
        0.55,
        5,
        "proposes to meet, offers rides or fares, asks where they live or go to school",
        rf"{LETS} (?:(?:finally|totally|def|definitely|actually|really|just) )?(?:meet|hang ?out|link up|see each other|chill|get together)(?: up| irl| in person| sometime| some time| one day| soon| this weekend| after school)?\b",
        rf"(?:ill|i'?ll|i can|i could|i wanna|i want to|i'?d love to|id love to|would {YOU} like to|do {YOU} wanna|we gotta|we need to|we have to) (?:(?:finally|totally|def|definitely|actually|really) )?(?:meet|hang ?out|link up|see each other)(?: {YOU}| up| irl| in person| sometime| one day| soon)?\b",
        r"meet(?<!nice to meet)(?<!good to meet)(?<!great to meet)(?<!lovely to meet)(?<!pleasure to meet) (?:up|irl|in person|in real life|me|somewhere|halfway|behind|outside|near|after school|this weekend|sometime)\b(?! (?:in|on) (?:the )?(?:game|lobby|server|discord|vc|call|chat|spawn|map))",
        rf"{CANT} wait to (?:meet|see) {YOU}",
        rf"(?:when|where) (?:can|should|do|will|could|shall) (?:we|i) (?:meet|see {YOU}|pick {YOU} up|hang out)",
        rf"(?:can|could|will|can i|could i|i wanna|i want to|i need to|i gotta|wanna) (?:i |we )?(?:see|c) {YOU} (?:this weekend|tonight|tomorrow|tmrw|later|after school|irl|in person|soon|sometime|again|at|on|this week|saturday|sunday|friday)",
        rf"{OFFER} (?:come )?(?:pick {YOU} up|come (?:to|get|see|over|pick|round|by|visit)|drive (?:to |over|{YOU}|down|up)|give {YOU} a (?:ride|lift)|visit {YOU}|come to {YOUR}|drop {YOU} off|take {YOU} (?:to|out|somewhere|home|for)|swing by|stop by|wait (?:for {YOU} )?(?:round|around|at|outside|by|near|behind)|{BE} (?:outside|waiting)|{BE} at the (?:bus stop|station|mall|park|corner|gate|entrance|back))",
        rf"(?:pay|paying|cover|buy|get|send|book|order) (?:for )?(?:{YOUR}|{YOU} (?:a|an|the)) (?:train|bus|uber|lyft|taxi|cab|ticket|tickets|fare|ride|plane|flight|gas)\b",
        rf"(?:send|give) {YOU} (?:\$\s?\d+|money|cash|\d+ ?(?:dollars|bucks|quid))\b.{{0,10}}\b(?:for|4) (?:the|a|ur) (?:bus|train|uber|taxi|cab|ticket|fare|ride)",
        r"(?:if|when|once|before|after) we (?:finally )?(?:meet|hang out|see each other|link up|meet up)\b",
        rf"(?:wh?at+|which|wat|wut) (?:city|town|area|state|part of (?:town|the city|\w+)|neighbou?rhood|street|road|suburb|county|side of town|part|zip ?code|postcode) (?:do |r |are |is |did )?(?:{YOU}|{YOUR})\b",
        r"(?:which|what) side of town",
        rf"where (?:do|did) {YOU} (?:live|stay)\b",
        rf"where(?:'?s| is) {YOUR} (?:house|place|home|school)\b",
        rf"how far (?:away )?(?:do {YOU} live|{ARE} {YOU}|is {YOUR} (?:house|place|school)|from {YOU}|is it from {YOU})",
        rf"how far do {YOU} live from",
        rf"i live (?:like |only |just |about |around |really |so+ |pretty )?(?:\d+ ?(?:mins?|minutes|hrs?|hours|miles|mi|km)|close|near|nearby|not far) (?:away )?(?:from|to|near) {YOU}",
        rf"(?:{IM}|we'?re|were|{YOURE}|{YOU}(?:'?re| are| r)) (?:so+ |really |rly |pretty |not |not that |only |like )?(?:close|near|nearby|not far)(?: by)? (?:to|from) (?:me|{YOU})\b",
        rf"{YOU} live (?:so+ |really |pretty )?(?:close|near|nearby)",
        rf"(?:{IM}|i will {BE}|ill {BE}|i'?ll {BE}|im gonna {BE}|i'?m gonna {BE}|gonna {BE}|i'?m going to {BE}) (?:in|near|around|close to|passing through|visiting|going to|coming to|driving through|nearby) (?:{YOUR}|{YOU})\b",
        rf"(?:{WHAT}|which|wat|whats|what'?s) (?:school|schl|skool|mall|park|bus|bus stop|station|library|gym|shopping centre|shopping center) (?:do |r |are |is |did )?(?:{YOU}|{YOUR})\b",
        rf"(?:{WHATS}|what'?s|whats|wats) {YOUR} (?:school|schl|skool)(?: called| name)?",
        rf"(?:{WHATS}|what'?s|whats|wats|what is) the (?:nearest|closest) (?:mall|shopping centre|shopping center|park|station|bus stop|mcdonalds|mcds|cinema|arcade|store|shop|library|school) (?:to|near|by|2) {YOU}",
        rf"which (?:mall|park|station|bus stop|arcade|cinema|library) is (?:near|close to|by) {YOU}",
        rf"(?:which|what) bus do {YOU} (?:take|get|ride)",
        rf"do {YOU} (?:walk|bike|ride|take the bus|get the bus) (?:to|home from|from) school",
        rf"how do {YOU} get (?:home|to school|back) (?:from school)?",
        rf"{WHAT} time (?:does|do|is) (?:school|{YOUR} school) (?:finish|end|get out|let out|over|out)\b",
        rf"{WHAT} time do {YOU} (?:get out of|finish|leave) school",
        rf"(?:{WHATS}|what'?s|whats|wats|send me|give me|gimme|tell me|drop|share|need|i need|text me) {YOUR} (?:home )?(?:address|addy|location|loc|postcode|post code|zip(?: ?code)?)\b",
        rf"share (?:{YOUR} )?(?:live )?location with me",
        r"(?:sneak|slip|creep) (?:out|away|over)\b",
        rf"(?:can|could|will) {YOU} (?:come|get|go|sneak) out (?:tonight|later|this weekend|after|at night|without)",
        r"come out (?:tonight|later|with me|to meet|and meet)",
        rf"tell (?:{YOUR} )?(?:{PARENTS}|them|her|him) (?:that )?(?:{YOURE}|{YOU}(?:'?re| are| r)?) (?:gonna|going|goin|at|staying|sleeping|sleepin|hanging|studying|over)\b",
        rf"{YOU} (?:can|could|should) (?:come|stay|sleep) (?:over|at my|to my|round)",
        r"come (?:over|round) (?:to )?(?:my|mine)",
        rf"(?:near|close to|next to|outside|behind|round the corner from|around the corner from) {YOUR} (?:house|place|school|home|street)\b",
        r"(?:wait|meet) (?:for (?:you|u) )?(?:round|around|at|behind|outside) the (?:corner|back|gate|park|station|bus stop|shop|store)",
        rf"{YOU} (?:can|could|should) (?:come|stay) (?:to|at|over) my (?:place|house|apartment|flat)\b",
        rf"{WHAT} time (?:does|do|is) {YOUR} (?:\w+ )?(?:practice|club|class|lesson|training|game|rehearsal) (?:end|finish|start|get out|over)",
        rf"(?:turn on|share|send me|drop|put on) {YOUR} (?:live )?(?:location|loc)\b",
        r"snap ?map",
        rf"meet {YOU} (?:irl|in person|in real life|one day|some ?day|soon|finally)",
        r"(?:we'?re|were|we are) (?:meeting|hanging out|seeing each other)\b",
        rf"where do {YOU} (?:usually )?(?:go {TO} school|hang out)",
        rf"{YOUR} (?:school|house|place) (?:is )?(?:near|close to|by|next to) (?:the|a)",
        r"(?:which|what) (?:shopping cent(?:re|er)|shops|mall|park|arcade|station) (?:is )?(?:near|close to|by|nearest|closest)",
        r"i (?:can|could) drive\b",
        rf"take {YOU} {TO} (?:get|grab) (?:food|lunch|dinner|coffee|ice cream)",
    ),
    _tactic(
        "guilt_threat",
        0.5,
        6,
        "guilt-trips or threatens",
        r"after (?:everything|all|all the (?:time|money|stuff|things|gifts|effort)|all that|all those \w+)\b.{0,20}\b(?:i'?ve|ive|i|i have) (?:did|done|do|bought|gave|given|spent|sent|got)",
        rf"i thought {YOU} (?:were |was )?(?:cared|care|liked|loved|trusted|were different|mature|cool|my friend|different|better|wanted|actually)",
        r"i thought (?:we were|were|we'?re|this was) (?:friends|close|special|something|a thing|different)",
        rf"{YOU} owe me\b",
        rf"{YOU} used me\b",
        r"(?:take|took|taking) my (?:stuff|gifts|money|robux|things)\b.{0,15}\b(?:leave|run|ignore|ghost)",
        rf"(?:this is|thats|that'?s|is this) how {YOU} (?:treat|repay|thank) me",
        rf"(?:ive|i'?ve|i have|i) been (?:so+ |soo |nothing but |really )?(?:nice|good|kind|generous|sweet) to {YOU}",
        r"(?:dont|don'?t) make me regret",
        rf"(?:i was|i'?ve been|ive been|i'?m always|im always) (?:there|here) for {YOU} when (?:no ?one|nobody|no+ one)",
        rf"{CANT} believe {YOU}(?:'?d| would| could)? (?:do|say) (?:this|that) to me",
        rf"{YOU} (?:made|make|making|r making|are making) me (?:so+ |really |feel )?(?:sad|upset|cry|angry|mad|hurt|feel bad|feel awful|lonely)\b",
        rf"{YOU} (?:hurt|broke|are breaking|r breaking|re breaking|'?re breaking) my (?:feelings|heart)",
        rf"{YOURE} breaking my heart",
        r"(?:i'?m|im|i am|i feel) (?:so+ |really |rly )?(?:hurt|heartbroken|crushed|devastated)\b(?! (?:my|me|when|playing|in|at))",
        rf"(?:i'?ll|ill|i will|i'?d|id|i would|gonna) {BE} (?:so+ |really |rly |very )?(?:sad|upset|hurt|mad|angry|disappointed|heartbroken|lonely) (?:if|when|with|at|wit) {YOU}",
        rf"{YOU} {DONT} want me (?:{TO} {BE}|{TO} get) (?:upset|sad|mad|angry|hurt)",
        rf"{YOURE} (?:the )?only (?:one|person|friend|thing) i(?:'?ve| have|ve)? (?:have|got|left)",
        r"(?:ill|i'?ll|i will|i'?d|i would|i might|i could|gonna) (?:hurt|kill|cut|end) my ?self",
        rf"(?:if|when) {YOU} (?:stop|leave|block|ignore|ghost|report|unfriend|unadd|{DONT}|{WONT}) (?:talking to |answering |replying to |texting |reply to |answer )?me\b",
        r"(?:dont|don'?t|never) (?:leave|ignore|ghost|block) me\b",
        rf"{WHY} (?:are|r|{YOURE}) (?:{YOU} )?(?:ignoring|avoiding|ghosting|blocking|being (?:so+ )?(?:cold|mean|distant|rude|weird)) (?:to )?(?:me)?",
        rf"{WHY} {YOU} (?:ignoring|avoiding|ghosting) me",
        r"(?:fine|ok fine|okay fine|whatever)\b.{0,5}\b(?:forget it|forget about it|nvm|never mind|be that way|go then)",
        r"(?:forget it|nvm|never ?mind) then\b",
        r"(?:find|get) (?:some ?one|somebody|sm1|some1)(?: else)? who (?:actually |really |does |will )?(?:cares|appreciates|wants|likes|listens|will)",
        r"fine\b.{0,12}\b(?:ill|i'?ll|i will) (?:just )?(?:find|ask|talk to) (?:some ?one|somebody|sm1|some1)",
        rf"(?:i have|i got|ive got|i'?ve got|i kept|i saved|i took) (?:the |all the |{YOUR} |our )?(?:screenshots|screenies|screen shots|receipts|recordings|proof)\b",
        rf"(?:i have|i got|ive got|i'?ve got|i kept|i saved) (?:{YOUR}|our|all ur|all {YOUR}) (?:pics|photos|messages|chats|dms|texts)",
        rf"(?:ill|i'?ll|i will|i can|gonna|imma|i could|i might|i'?m gonna|im gonna) (?:tell|show|send|forward|post|share|leak|expose|report) (?:(?:this|it|them|everything|the (?:pics|chats|screenshots)|{YOUR} (?:pics|messages|chats)|our chats) (?:to )?)?(?:every ?one|everybody|{YOUR} (?:mum|mom|mam|dad|parents?|school|friends|class|teacher|family|sister|brother)|the whole|the internet|online|the school|ppl)\b",
        rf"(?:expose|leak) {YOU}\b",
        rf"(?:post|share|leak|spread|send out) (?:{YOUR}|our|those|these|all {YOUR}) (?:pics|photos|chats|messages|dms|screenshots|secrets)",
        rf"i know where {YOU} (?:live|go to school|are|r)\b",
        rf"(?:no+ ?one|nobody|who)(?:'?s| is)? (?:gonna |going to |would |will |'?d |is going to |ever gonna )?(?:believe|belive|beleive|beieve|believes) {YOU}",
        rf"(?:i'?ll|ill|i will|gonna|imma) (?:say|tell (?:them|every ?one|{YOUR} \w+)) (?:that )?{YOU} (?:started|did|sent|made|wanted|asked|lied)",
        rf"(?:ill|i'?ll|i will|gonna|imma|i can|i could) get {YOU} in(?:to)? trouble",
        rf"{YOU}(?:'?ll|ll| will|'?re gonna|re gonna| r gonna| are gonna| gonna| would|'?d)? (?:be the one (?:who|that) )?(?:get|gets) in(?:to)? (?:so+ much |big |a lot of |huge )?trouble",
        rf"(?:{YOURE}|{YOU}(?:'?re| are| r)?) gonna get (?:us|me|{YOU}|{YOUR} ?self) in(?:to)? trouble",
        rf"(?:ur|{YOUR}) {PARENTS} (?:will|would|'?ll|are gonna|r gonna|gonna|is gonna|will be) (?:{BE} )?(?:so+ )?(?:mad|angry|furious|upset|disappointed) (?:at|with|w) {YOU}",
        r"(?:you'?ll|youll|u'?ll|ull) (?:regret|be sorry)\b",
        r"or else\s*(?:[.!?]|$)",
        rf"(?:ive|i'?ve|i have) (?:done|given|spent|bought) (?:so+ much|everything|a lot) (?:for|on) {YOU}",
        rf"{YOU} (?:{DONT}|never) (?:even |really |actually )?care (?:{ABOUT} me|at all)\b",
        rf"{YOURE} (?:being )?(?:so+ |really |such a )?(?:ungrateful|selfish|heartless|cold)\b",
        r"(?:dont|don'?t) ignore me\b",
        rf"(?:its|it'?s) (?:all )?{YOUR} fault (?:i|that i|im|i'?m)",
        rf"i (?:{DONT}|dont) have (?:any ?one|any ?body|no ?one) else",
        rf"(?:every ?one|everybody|{YOUR} (?:friends|{PARENTS}|school|class)) (?:will|would|is gonna|gonna) see (?:what|this|the|{YOUR})",
        rf"(?:{WHAT} would|imagine if|what if) {YOUR} {PARENTS} (?:say|think|do|saw|found|knew)",
        rf"{CANT} (?:just )?(?:ghost|ignore|leave|block) me",
        rf"i know (?:{YOUR}|what) (?:school|address|house|street)",
        rf"(?:i|ive|i'?ve) gave {YOU} everything",
        rf"{YOU} (?:{DONT}|never) appreciate (?:me|anything)",
        r"(?:so+ )?lonely without (?:you|u)\b",
        rf"(?:no+ ?one|nobody) else (?:talks|listens) {TO} me",
        rf"(?:ill|i'?ll|i will|gonna) (?:send|post|share|show) (?:it|them|this|these|that|ur \w+) (?:to )?(?:every ?one|everybody|online|{YOUR} (?:friends|school|class|family|\w+))",
    ),
)

# Context that speaks *against* grooming, as child-protection guidance describes it:
# someone describing another person's approach to a friend or an adult (a report, not
# an approach), and adults who bring parents in rather than keep them out. These are
# features for the learned model, never reasons for an alert.
CONTEXT: tuple[Tactic, ...] = (
    _tactic(
        "concern_report",
        0.0,
        0,
        "reports a worry or gives online-safety advice",
        r"\bshould i (?:tell|talk to|show|report (?:it|this|him|her|them) to) (?:my|a|an|the|ur|your) (?:mom|mum|dad|parents?|teacher|counsel+or|adult|mods?|admin)",
        r"\bi (?:told|showed|asked|talked to) my (?:mom|mum|dad|parents?|teacher|counsel+or|sister|brother)\b",
        r"\b(?:report|block(?:ed)?) (?:him|her|them|that (?:guy|person|account))\b",
        r"\bif (?:any ?one|some ?one|some1|any1|anybody|somebody|a stranger|people|ppl)\b.{0,60}\b(?:tell me|tell (?:an?|ur|your) (?:adult|parent|teacher|mom|mum|dad)|block (?:them|him|her)|report (?:them|him|her|it))\b",
        r"\b(?:red flags?|online safety|stranger danger|grooming)\b",
        r"\b(?:never|not|dont ever|don'?t ever|shouldn'?t|should not) (?:to )?(?:share|give out|send|post|meet)\b.{0,30}\b(?:online|address|pics?|photos?|people from|strangers?|number)\b",
        r"\b(?:that'?s|thats|so|sounds?|kinda|really) (?:so |really |super )?(?:creepy|sus|sketchy|weird of him|weird of her|not ok)\b",
        r"\b(?:tell|talk to) (?:a|an|ur|your) (?:trusted )?(?:adult|parent|mom|mum|dad|teacher)\b",
    ),
    _tactic(
        "parent_involvement",
        0.0,
        0,
        "brings parents or guardians in",
        r"\b(?:ask|asking|check with|tell|let|cc|text|call) (?:ur|your) (?:mom|mum|dad|parents?|folks|guardian)s?\b(?! (?:dont|don'?t|wouldn'?t|would not|can'?t))",
        r"\b(?:ur|your) (?:mom|mum|dad|parents?|guardian)s? (?:said|says|told me|knows?|already knows|can (?:pick|come|drop|join|sign)|signed|asked me)\b",
        r"\bparents? (?:can|may|will|should) (?:pick (?:up|them up|you up)|drop off|come|join|sign)\b",
        r"\b(?:permission (?:slip|form)|consent form|parents? evening|parent teacher)\b",
        r"\bwith (?:ur|your) (?:mom|mum|dad|parents|family)\b",
    ),
)
CONTEXT_NAMES = tuple(t.name for t in CONTEXT)
# "this guy keeps asking me to ...": a tactic in reported speech is a report, not an
# approach; the frame alone ("he said hi") means nothing.
_REPORT_FRAME = re.compile(
    r"\b(?:he|she|they|this (?:guy|girl|man|person|dude|account|adult|creep)|some ?(?:one|1|body|guy|girl|man|random|adult|person|rando)|a (?:guy|man|stranger|random|creep|grown ?up)|the (?:guy|man|person) from)\b.{0,50}\b(?:said|says|told me|asked me|asks me|keeps? (?:asking|messaging|texting|saying|sending)|wants? me to|wanted me to|sent me|tried to|was asking|offered me)\b"
)

TACTICS_BY_NAME = {t.name: t for t in TACTICS}
DISCLOSURES = ("minor_disclosure", "adult_disclosure")
"""Facts about a speaker rather than tactics aimed at the other person."""
SEXUAL_CONTENT = "sexual_content"
SEXUAL_CONTENT_WEIGHT = 0.5
SIGNAL_NAMES = (*tuple(t.name for t in TACTICS), SEXUAL_CONTENT)


@dataclass(frozen=True, slots=True)
class Hit:
    name: str
    weight: float


def detect(normalized: str) -> tuple[Hit, ...]:
    """Return the signals present in one normalised message, at most one per name."""
    if not normalized:
        return ()
    hits = [Hit(t.name, t.weight) for t in TACTICS if t.pattern.search(normalized)]
    context = {t.name for t in CONTEXT if t.pattern.search(normalized)}
    if hits and _REPORT_FRAME.search(normalized):
        context.add("concern_report")
    if any(hit.name == "secrecy" for hit in hits):
        context.discard("parent_involvement")  # "dont tell your parents"
    hits += [Hit(name, 0.0) for name in CONTEXT_NAMES if name in context]
    if lexicon.contains_sexual_term(normalized):
        hits.append(Hit(SEXUAL_CONTENT, SEXUAL_CONTENT_WEIGHT))
    return tuple(hits)


def quote(text: str, limit: int = 120) -> str:
    """A short, single-line excerpt of a message for an alert."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
