"""Realistic typing variation for synthetic chat.

Every message in the corpus, grooming or benign, synthetic or from chitchat, goes
through the same styling so that *how* people type (lowercase, "u", typos, emoji,
"sooo") carries no information about the label.  Each speaker gets a `Style` for the
whole conversation, as real people keep their habits within one chat.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

# Whole-phrase contractions first (longest first), then single words.
_PHRASES: list[tuple[str, tuple[str, ...]]] = [
    ("i don't know", ("idk", "i dunno", "dunno")),
    ("i dont know", ("idk", "dunno")),
    ("to be honest", ("tbh",)),
    ("not gonna lie", ("ngl",)),
    ("right now", ("rn",)),
    ("oh my god", ("omg", "omg", "oh my gosh")),
    ("for real", ("fr", "for real")),
    ("be right back", ("brb",)),
    ("what about you", ("wbu", "hbu", "what about u")),
    ("how about you", ("hbu",)),
    ("what's up", ("wassup", "sup", "wsp")),
    ("whats up", ("wassup", "sup", "wsp")),
    ("thank you", ("ty", "thank u", "tysm")),
    ("going to", ("gonna",)),
    ("want to", ("wanna",)),
    ("got to", ("gotta",)),
    ("kind of", ("kinda",)),
    ("sort of", ("sorta",)),
    ("in my opinion", ("imo",)),
    ("i love you", ("ily",)),
    ("let me know", ("lmk",)),
    ("talk to you later", ("ttyl",)),
    ("you are", ("ur", "u r", "youre")),
    ("you're", ("ur", "youre", "u r")),
    ("are you", ("r u", "are u", "r you")),
    ("i'm", ("im", "Im", "i am")),
    ("don't", ("dont", "don't")),
    ("can't", ("cant",)),
    ("won't", ("wont",)),
    ("didn't", ("didnt",)),
    ("doesn't", ("doesnt",)),
    ("that's", ("thats",)),
    ("it's", ("its",)),
    ("what's", ("whats", "wats")),
    ("i'll", ("ill", "i will")),
    ("wouldn't", ("wouldnt",)),
    ("isn't", ("isnt",)),
]

_WORDS: dict[str, tuple[str, ...]] = {
    "you": ("u", "u", "ya"),
    "your": ("ur", "ur", "yr"),
    "are": ("r",),
    "really": ("rly", "realy", "rlly"),
    "probably": ("prob", "prolly", "probs"),
    "because": ("bc", "cuz", "coz", "cause", "bcs"),
    "tonight": ("tn", "tonite", "2night"),
    "tomorrow": ("tmrw", "tmr", "tomoz", "2moro"),
    "people": ("ppl",),
    "please": ("pls", "plz", "pleasee"),
    "though": ("tho",),
    "okay": ("ok", "k", "okk", "oki"),
    "ok": ("k", "okk", "oki", "okay"),
    "thanks": ("thx", "ty", "thanx", "tysm"),
    "with": ("w", "wit"),
    "about": ("abt", "bout"),
    "something": ("smth", "sth"),
    "someone": ("some1", "sm1"),
    "before": ("b4",),
    "later": ("l8r", "latr"),
    "to": ("2",),
    "for": ("4",),
    "be": ("b",),
    "see": ("c",),
    "why": ("y",),
    "what": ("wat", "wut"),
    "yeah": ("ya", "yea", "yh", "ye", "yeahh"),
    "yes": ("ye", "yess", "yep", "ya"),
    "no": ("nah", "noo", "nope"),
    "love": ("luv",),
    "good": ("gud", "gd"),
    "night": ("nite",),
    "message": ("msg",),
    "messages": ("msgs",),
    "picture": ("pic", "pict"),
    "pictures": ("pics",),
    "whatever": ("whatevs", "wtv"),
    "seriously": ("srsly",),
    "obviously": ("obvi", "obv"),
    "definitely": ("def", "deffo", "definately"),
    "sorry": ("sry", "soz", "srry"),
    "snapchat": ("snap", "sc", "snapchat"),
    "instagram": ("insta", "ig", "insta"),
    "discord": ("disc", "discord"),
    "facetime": ("ft", "facetime", "face time"),
    "whatsapp": ("whatsapp", "whats app", "wa"),
    "birthday": ("bday", "b-day"),
    "minutes": ("mins",),
    "homework": ("hw",),
    "favourite": ("fav", "fave", "favorite"),
    "favorite": ("fav", "fave", "favourite"),
    "brother": ("bro",),
    "sister": ("sis",),
    "parents": ("rents",),
}

# Abbreviated only now and then, even by messy typists.
_RARE = {
    "to", "for", "be", "see", "why", "what", "love", "good", "night", "with", "parents",
    "later", "before", "no", "yes", "brother", "sister", "definitely", "people", "okay",
}  # fmt: skip

_UK = {
    "mom": "mum",
    "moms": "mums",
    "math": "maths",
    "favorite": "favourite",
    "color": "colour",
    "mall": "shopping centre",
    "vacation": "holiday",
    "soccer": "football",
    "cell": "mobile",
    "fall": "autumn",
}
_US = {v: k for k, v in _UK.items() if " " not in v}

ELONGATE = {
    "so": ("sooo", "soo", "sooooo"),
    "no": ("nooo", "noo"),
    "yes": ("yesss", "yess"),
    "hi": ("hiii", "hii"),
    "hey": ("heyy", "heyyy"),
    "lol": ("loll", "lolll"),
    "please": ("pleaseee", "pleasee"),
    "omg": ("omggg", "omgg"),
    "ok": ("okkk", "okk"),
    "what": ("whattt", "whatt"),
    "cute": ("cuteee",),
    "bored": ("boredd", "boreddd"),
    "really": ("reallyyy",),
    "nice": ("niceee", "nicee"),
    "yay": ("yayyy",),
    "why": ("whyyy",),
    "cool": ("coool",),
}

EMOJI = (
    "😂", "😂", "😭", "🙂", "😅", "❤️", "👀", "🥺", "😊", "🔥", "💀", "😳", "🤣", "😉",
    "👍", "🙄", "😆", "😎", "🤔", "😬", "🥲", "😁", "🙏", "✨", "💯", "😤", "🤷", ":)",
    ":(", ":D", "xD", "<3", ":P", "^^",
)  # fmt: skip
LAUGHS = ("lol", "lol", "lol", "lmao", "haha", "haha", "hahaha", "lmfao", "xd", "hehe", "ha")

_KEYBOARD = "qwertyuiop asdfghjkl zxcvbnm"
_ROWS = [r for r in _KEYBOARD.split()]


def _neighbours(ch: str) -> str:
    for row in _ROWS:
        i = row.find(ch)
        if i >= 0:
            return row[max(0, i - 1) : i] + row[i + 1 : i + 2]
    return ""


@dataclass(frozen=True)
class Style:
    """How one speaker types for a whole conversation."""

    lower: float  # chance a message is all lowercase
    abbrev: float  # chance per eligible word/phrase to abbreviate
    typo: float  # chance per message of a typo
    drop_punct: float  # chance to drop final punctuation / apostrophes
    emoji: float  # chance of an emoji at the end
    laugh: float  # chance of a trailing "lol" etc.
    elongate: float  # chance per eligible word to stretch it
    locale: str  # "us" or "uk"
    caps_start: bool  # capitalises the first letter when not lowercasing
    expand: float = 0.0  # chance per chat-speak word to write it out ("u" -> "you")


def random_style(rng: random.Random, locale: str | None = None) -> Style:
    """Draw a typing style: careful, casual or messy, in the same mix for everyone."""
    kind = rng.choices(["careful", "casual", "messy"], weights=[2, 5, 3])[0]
    loc = locale or rng.choice(["us", "us", "uk"])
    if kind == "careful":
        return Style(0.15, 0.05, 0.03, 0.3, 0.08, 0.05, 0.02, loc, True, 0.85)
    if kind == "casual":
        return Style(0.75, 0.35, 0.07, 0.7, 0.15, 0.15, 0.06, loc, rng.random() < 0.4, 0.3)
    return Style(0.95, 0.7, 0.14, 0.9, 0.22, 0.22, 0.12, loc, False, 0.0)


# Written-out forms of chat-speak, for people who type carefully.
_EXPAND = {
    "u": "you", "ur": "your", "r": "are", "im": "I'm", "dont": "don't", "cant": "can't",
    "pls": "please", "plz": "please", "rn": "right now", "idk": "I don't know",
    "wanna": "want to", "gonna": "going to", "thx": "thanks", "ppl": "people",
    "bc": "because", "cuz": "because", "wbu": "what about you", "hbu": "how about you",
    "tbh": "to be honest", "ngl": "honestly", "ya": "yeah", "ok": "okay", "thats": "that's",
    "whats": "what's", "ill": "I'll", "ive": "I've", "didnt": "didn't", "doesnt": "doesn't",
    "wont": "won't", "isnt": "isn't", "youre": "you're", "theyre": "they're", "gotta": "have to",
    "tmrw": "tomorrow", "msgs": "messages", "bday": "birthday", "abt": "about",
    "wouldnt": "wouldn't", "lets": "let's", "irl": "in person", "hw": "homework",
}  # fmt: skip


def _expand(text: str, rng: random.Random, p: float) -> str:
    def repl(m: re.Match[str]) -> str:
        w = m.group(0)
        full = _EXPAND.get(w.lower())
        return full if full and rng.random() < p else w

    return re.sub(r"[A-Za-z]+", repl, text)


def _swap_words(text: str, table: dict[str, str]) -> str:
    def repl(m: re.Match[str]) -> str:
        w = m.group(0)
        r = table.get(w.lower())
        if r is None:
            return w
        return r.capitalize() if w[0].isupper() else r

    return re.sub(r"[A-Za-z]+", repl, text)


def localise(text: str, locale: str) -> str:
    """UK/US vocabulary (mom/mum, math/maths, favorite/favourite)."""
    return _swap_words(text, _UK if locale == "uk" else _US)


def _abbreviate(text: str, rng: random.Random, p: float) -> str:
    for phrase, subs in _PHRASES:
        pat = r"\b" + re.escape(phrase) + r"\b"
        if rng.random() < p and re.search(pat, text, flags=re.I):
            text = re.sub(pat, rng.choice(subs), text, count=1, flags=re.I)

    def repl(m: re.Match[str]) -> str:
        w = m.group(0)
        subs = _WORDS.get(w.lower())
        q = p * 0.3 if w.lower() in _RARE else p
        if subs and rng.random() < q:
            return rng.choice(subs)
        return w

    return re.sub(r"[A-Za-z]+", repl, text)


def _typo(text: str, rng: random.Random) -> str:
    words = [(m.start(), m.end()) for m in re.finditer(r"[a-z]{4,}", text)]
    if not words:
        return text
    s, e = rng.choice(words)
    w = text[s:e]
    i = rng.randrange(1, len(w) - 1)
    op = rng.random()
    if op < 0.3:
        w = w[:i] + w[i + 1] + w[i] + w[i + 2 :]  # swap
    elif op < 0.55:
        w = w[:i] + w[i + 1 :]  # drop
    elif op < 0.75:
        w = w[:i] + w[i] + w[i:]  # double
    else:
        nb = _neighbours(w[i])
        if nb:
            w = w[:i] + rng.choice(nb) + w[i + 1 :]
    return text[:s] + w + text[e:]


def _elongate(text: str, rng: random.Random, p: float) -> str:
    def repl(m: re.Match[str]) -> str:
        w = m.group(0)
        subs = ELONGATE.get(w.lower())
        if subs and rng.random() < p * 1.5:
            return rng.choice(subs)
        return w

    return re.sub(r"[A-Za-z]+", repl, text)


def apply(text: str, style: Style, rng: random.Random, *, light: bool = False) -> str:
    """Restyle one message.  `light` only changes case and punctuation (for real chat)."""
    if not light:
        text = localise(text, style.locale)
        if style.expand:
            text = _expand(text, rng, style.expand)
        text = _abbreviate(text, rng, style.abbrev)
        if rng.random() < style.typo:
            text = _typo(text, rng)
        text = _elongate(text, rng, style.elongate)
    if rng.random() < style.drop_punct:
        text = text.replace("'", "").replace("’", "")
        if len(text) > 1 and text[-1] in ".!" and text[-2] != text[-1]:
            text = text[:-1]
        if rng.random() < 0.5:
            text = re.sub(r"(?<=\w)[,.](?= )", "", text)
    if rng.random() < style.lower:
        text = text.lower()
    elif style.caps_start and text[:1].islower():
        text = text[:1].upper() + text[1:]
    if not light:
        if rng.random() < style.laugh and not re.search(r"(lol|haha|lmao)\W*$", text):
            text = f"{text} {rng.choice(LAUGHS)}"
        if rng.random() < style.emoji:
            text = f"{text} {rng.choice(EMOJI)}"
            if rng.random() < 0.15:
                text += text[-1] if len(text[-1].encode()) > 1 else ""
    return text.strip()


def canonical(text: str) -> str:
    """A spelling-insensitive key: near-duplicate phrasings share a key.

    Used to keep every variant of one phrasing on the same side of the train/dev
    split, so dev measures unseen phrasings and not unseen typos.
    """
    t = text.lower().replace("'", "").replace("’", "")
    t = re.sub(r"\{(\w+)\}", r" \1 ", t)
    t = re.sub(r"[^a-z0-9 ]+", " ", t)
    back = {
        "u": "you", "ya": "you", "ur": "your", "youre": "your", "r": "are", "im": "i am",
        "rn": "right now", "pls": "please", "plz": "please", "idk": "i dont know",
        "dunno": "dont know", "wanna": "want to", "gonna": "going to", "tbh": "to be honest",
        "ngl": "not gonna lie", "bc": "because", "cuz": "because", "pic": "picture",
        "pics": "pictures", "snap": "snapchat", "insta": "instagram", "ok": "okay",
        "k": "okay", "wbu": "what about you", "hbu": "what about you", "rly": "really",
        "ill": "i will", "lol": "", "haha": "", "lmao": "", "ye": "yes", "yeah": "yes",
        "yea": "yes", "mum": "mom", "favourite": "favorite", "fav": "favorite",
        "2": "to", "4": "for", "n": "and", "tho": "though", "abt": "about", "w": "with",
    }  # fmt: skip
    words = [back.get(w, w) for w in t.split()]
    return " ".join(" ".join(words).split())
