"""Each tactic is recognised in the ways people type it, including obfuscated."""

import time

import pytest

from bot.scoring import lexicon
from bot.scoring.normalize import normalize
from bot.scoring.patterns import TacticMatcher
from bot.scoring.signals import CONTEXT, SEXUAL_CONTENT, TACTICS, detect, quote, reference_pattern


def names(text: str) -> set[str]:
    return {hit.name for hit in detect(normalize(text))}


@pytest.mark.parametrize(
    ("tactic", "text"),
    [
        ("age_probe", "how old r u"),
        ("age_probe", "wat grade are u in"),
        ("age_probe", "u in middle school?"),
        ("minor_disclosure", "im 12"),
        ("minor_disclosure", "i'm in 7th grade"),
        ("adult_disclosure", "im 24 btw, age is just a number"),
        ("flattery", "ur so mature for ur age"),
        ("flattery", "you're not like other kids"),
        ("risk_assessment", "r ur parents home?"),
        ("risk_assessment", "do your parents check your phone"),
        ("secrecy", "dont tell anyone we talk"),
        ("secrecy", "this is just between us ok"),
        ("secrecy", "delete our chat after"),
        ("isolation", "ur friends dont really get u like i do"),
        ("gifts", "i can buy u robux"),
        ("platform_move", "add me on snap"),
        ("platform_move", "whats ur number"),
        ("photo_request", "send me a selfie"),
        ("photo_request", "can we facetime"),
        ("pressure", "come on just one pic"),
        ("meeting", "we should meet up irl"),
        ("meeting", "what school do u go to"),
        ("guilt_threat", "after everything i did for u"),
    ],
)
def test_tactic_phrasings(tactic: str, text: str) -> None:
    assert tactic in names(text)


@pytest.mark.parametrize(
    ("tactic", "text"),
    [
        ("secrecy", "d0nt t3ll any1"),
        ("secrecy", "keep it our s e c r e t"),
        ("platform_move", "add me on ѕnар"),
        ("photo_request", "s\u200bend me a s\u200belfie"),
        ("age_probe", "H0W 0LD R U"),
    ],
)
def test_obfuscated_phrasings(tactic: str, text: str) -> None:
    assert tactic in names(text)


@pytest.mark.parametrize(
    "text",
    [
        "what time is the game tonight",
        "i'm 5 minutes away",
        "the new album is so good",
        "lol same",
    ],
)
def test_ordinary_chat_has_no_tactic(text: str) -> None:
    assert names(text) - {"minor_disclosure", "adult_disclosure"} == set()


def test_sexual_lexicon_comes_from_the_package_list() -> None:
    words, _ = lexicon.terms()
    sample = sorted(words)[len(words) // 2]  # built at run time from the package's list
    assert SEXUAL_CONTENT in names(f"hey {sample} lol")
    assert SEXUAL_CONTENT not in names("this level sucks, damn it")


def test_quote_is_short_and_single_line() -> None:
    text = "line one\nline two " + "x" * 300
    short = quote(text)
    assert "\n" not in short and len(short) <= 120


# Representative phrasings per tactic, written the way people type (not corpus lines).
POSITIVES = {
    "age_probe": [
        "u must be like 12",
        "r u 13 or sth",
        "ur younger than me right",
        "what year r u in",
        "so ur like what, 11?",
        "wait r u even a teenager",
        "when were u born",
        "age is just a number tbh",
        "ur not in high school yet are u",
    ],
    "minor_disclosure": [
        "im only 12",
        "year 8 is so boring",
        "im an 8th grader",
        "im in middle school",
        "my mom wont let me",
        "i just turned 13 lol",
    ],
    "adult_disclosure": [
        "im 26",
        "im in my 20s lol",
        "i drive so its fine",
        "just got back from work",
    ],
    "flattery": [
        "i trust u more than anyone",
        "weve known each other forever",
        "ur my fave",
        "u should be a model",
        "i forget how young u are",
        "ur so mature for ur age ngl",
        "we just click fr",
    ],
    "relationship_probe": ["do u have a bf", "r u single"],
    "risk_assessment": [
        "do ur parents go through ur phone",
        "r u alone rn",
        "can u go out without asking",
        "whats ur curfew",
        "r u allowed out by urself",
        "who else uses ur phone",
        "do u share a room w ur sister",
        "what time do ur parents get home",
    ],
    "secrecy": [
        "if u tell anyone we'll both be in trouble",
        "ur parents dont need to know",
        "dont say my name to anyone",
        "turn on vanish mode",
        "delete our chats after ok",
        "make a secret account just for talking to me",
        "if ur mum asks just say im a friend from school",
    ],
    "isolation": [
        "no one at home listens to u",
        "they dont care about u like i do",
        "stop hanging out with them",
        "ur better off without ur friends",
        "im the only one who really gets u",
    ],
    "gifts": [
        "ill spoil u",
        "whatever u want its urs",
        "i can get u a new skin",
        "want some robux?",
        "ill buy u riot points",
        "i can get u v-bucks",
        "ill send u money",
        "want an amazon gift card",
    ],
    "platform_move": [
        "download telegram",
        "add me",
        "do u have snap",
        "u got insta?",
        "lets dm",
        "send it on snap",
        "whats ur number",
        "lets move this somewhere more private",
    ],
    "photo_request": [
        "cam?",
        "answer my call",
        "lets call",
        "video chat later?",
        "send me a pic of u",
        "what do u look like",
        "show me ur outfit",
    ],
    "pressure": [
        "its just a pic whats the big deal",
        "just do what i ask",
        "pleasee just one",
        "dont be shy",
        "everyone does it",
    ],
    "meeting": [
        "what city r u in",
        "i live 20 mins from u",
        "i can pay for ur train",
        "ill pay for ur uber",
        "which mall do u go to",
        "can u sneak out",
        "ill pick u up",
    ],
    "guilt_threat": [
        "i have screenshots",
        "ill tell ur mum",
        "ur gonna get us in trouble",
        "fine forget it then",
        "i thought u cared",
        "after all ive done for u",
    ],
}


@pytest.mark.parametrize(
    ("tactic", "text"), [(t, x) for t, texts in POSITIVES.items() for x in texts]
)
def test_tactic_phrasings_broadly(tactic: str, text: str) -> None:
    assert tactic in names(text)


# How children say they are children without giving an age, and how secrecy, age
# flattery and checks on the household are phrased in real chat.
EVERYDAY_PHRASINGS = [
    ("minor_disclosure", "yeah 8th grade lol"),
    ("minor_disclosure", "everyone in my grade plays it"),
    ("minor_disclosure", "my dad says no giving out my snap"),
    ("minor_disclosure", "my mum said i have to be off by 9"),
    ("minor_disclosure", "cant rn my mom is making me clean my room"),
    ("minor_disclosure", "my mom set up screen time on my phone"),
    ("minor_disclosure", "my dad usually picks me up at 4"),
    ("minor_disclosure", "ill ask my mum if i can"),
    ("minor_disclosure", "my dad would never say yes to that"),
    ("minor_disclosure", "my parents prob wont drive me that far"),
    ("minor_disclosure", "my mum works till 7 on fridays"),
    ("minor_disclosure", "im on my dads old laptop"),
    ("minor_disclosure", "i dont have a phone yet"),
    ("minor_disclosure", "cant play, grounded till sunday"),
    ("minor_disclosure", "on after i finish my homework"),
    ("minor_disclosure", "my maths teacher gave us so much"),
    ("minor_disclosure", "my mom said lights out at 9"),
    ("minor_disclosure", "im at riverside middle school"),
    ("secrecy", "dont tell your friends about the game i got you"),
    ("secrecy", "maybe dont bring me up at dinner"),
    ("secrecy", "dont mention the money to your dad ok"),
    ("secrecy", "you didnt tell him about us did you"),
    ("secrecy", "your dad doesnt need to know"),
    ("secrecy", "this chat is just ours"),
    ("secrecy", "our little arrangement stays here"),
    ("secrecy", "tell her you won it in a giveaway"),
    ("secrecy", "log out so she doesnt see"),
    ("secrecy", "keep it low key for now"),
    ("flattery", "u draw better than adults twice ur age"),
    ("flattery", "ur so advanced for 12"),
    ("flattery", "really talented for a 7th grader"),
    ("risk_assessment", "does your mom ever look through your phone"),
    ("risk_assessment", "what time do your parents go to bed"),
    ("risk_assessment", "does anyone check who you talk to"),
    ("risk_assessment", "lock your door first"),
    ("pressure", "one call isnt much to ask"),
    ("photo_request", "we could do a quick cam call after dinner"),
    ("photo_request", "lets hop on a video call, way faster"),
    ("photo_request", "honestly its easier on camera"),
    ("photo_request", "a video call would be so much better"),
    ("photo_request", "ill turn mine on if u turn yours on"),
    ("platform_move", "want my snap? this app is dead"),
    ("platform_move", "u got kik or whatsapp"),
    ("platform_move", "check ur dms"),
    ("platform_move", "lets keep chatting on insta"),
    ("platform_move", "come to the private voice channel"),
    ("age_probe", "r u with the middle schoolers or the high school kids"),
    ("minor_disclosure", "middle school lol"),
    ("minor_disclosure", "only have my dads phone rn"),
    ("risk_assessment", "do ur parents work late on fridays"),
    ("risk_assessment", "so u got the house to urself"),
    ("risk_assessment", "u have ur own laptop right"),
    ("secrecy", "no need to involve your parents"),
    ("minor_disclosure", "lol 12 years old"),
    ("minor_disclosure", "8th grader here"),
    ("minor_disclosure", "yr 9 lol"),
    ("flattery", "ur so chill for a 7th grader"),
    ("flattery", "way more mature than a 12 year old"),
    ("risk_assessment", "when do u have to go to sleep"),
    ("risk_assessment", "whats ur bedtime on weekends"),
    ("risk_assessment", "will your dad be home tonight"),
    ("risk_assessment", "do u game when ur parents are out"),
    ("secrecy", "your mom doesnt have to find out"),
    ("secrecy", "just tell ur mum u got a lift from a friend"),
    ("platform_move", "add my alt account instead"),
    ("platform_move", "its better if we talk alone"),
    # age flattery, checks on who is around and "they don't get you, i do" in other words
    ("flattery", "honestly more grown-up than most of the adults in that chat"),
    ("flattery", "no way u play like someone way older"),
    ("flattery", "you ask really sharp questions for 7th grade"),
    ("flattery", "13 and writing like that"),
    ("flattery", "smartest kid in this channel honestly"),
    ("flattery", "i thought u were like 15 from how u build"),
    ("risk_assessment", "oh r ur parents not home?"),
    ("risk_assessment", "parents at work?"),
    ("risk_assessment", "does she read dms or just look at servers"),
    ("risk_assessment", "is there a time she's not around?"),
    ("secrecy", "just say u saved up. trust me"),
    ("secrecy", "no need to bring it up with your parents"),
    ("isolation", "they dont see how hard u try. i do"),
    ("isolation", "grown-ups forget what it's like"),
    ("age_probe", "you are how many years?"),
]


@pytest.mark.parametrize(("tactic", "text"), EVERYDAY_PHRASINGS)
def test_everyday_phrasings(tactic: str, text: str) -> None:
    assert tactic in names(text)


# Ordinary chat that shares words with a tactic: the generic word must not fire alone.
HARD_NEGATIVES = [
    ("photo_request", "nice pic"),
    ("photo_request", "send a pic of ur homework so i can check it"),
    ("photo_request", "lets call it a night"),
    ("platform_move", "oh snap i forgot"),
    ("platform_move", "what number is the bus"),
    ("platform_move", "i want to go to europe one day"),
    ("platform_move", "add me to the group chat"),
    ("meeting", "nice to meet u"),
    ("meeting", "meet me in the lobby"),
    ("meeting", "when does the new season come out"),
    ("secrecy", "secret santa is on friday"),
    ("secrecy", "i found the secret level"),
    ("secrecy", "i have a secret theory about the ending"),
    ("gifts", "i got a gift for my mom"),
    ("gifts", "ill send u the link"),
    ("gifts", "ill pay u back tomorrow"),
    ("gifts", "ill give u 500 robux for that pet"),
    ("age_probe", "how old is this game"),
    ("age_probe", "what grade did u get on the test"),
    ("flattery", "ur pretty good at this"),
    ("risk_assessment", "i cant find my phone"),
    ("pressure", "come on just one more game"),
    ("pressure", "sure why not"),
    ("guilt_threat", "ill find someone else to cover the shift"),
    ("minor_disclosure", "im 15 mins away"),
    ("minor_disclosure", "when i was in 8th grade i played sax"),
    ("adult_disclosure", "im 20 minutes late sorry"),
    ("adult_disclosure", "ya she's at work til 9"),
    ("adult_disclosure", "mums at work and dads out"),
    ("adult_disclosure", "theyre at work all day"),
    ("adult_disclosure", "my dad gets back from work at 6"),
    ("isolation", "well now you have me"),
    ("minor_disclosure", "im in the middle of a build"),
    ("minor_disclosure", "my 7th grade teacher was the best"),
    ("minor_disclosure", "lights out at 9:30 for all campers"),
    ("minor_disclosure", "my mom made me lasagna"),
    ("minor_disclosure", "my son has homework tonight"),
    ("secrecy", "dont mention spoilers in the main chat"),
    ("secrecy", "the win is ours"),
    ("secrecy", "our little league game got rained out"),
    ("flattery", "good for 12 kills"),
    ("risk_assessment", "what time does the store close"),
    ("risk_assessment", "close the door on your way out"),
    ("pressure", "thats not a lot of money"),
    ("photo_request", "anyone wanna hop in vc for ranked"),
    ("photo_request", "is the quick call button broken"),
    ("platform_move", "i want my money back"),
    ("platform_move", "check the pins for the rules"),
    ("minor_disclosure", "stuck in the middle of nowhere"),
    ("risk_assessment", "my parents work in tech"),
    # someone else's age or grade is not the speaker's own
    ("minor_disclosure", "u dont sound like a 6th grader at all"),
    ("minor_disclosure", "smarter than most 7th graders i know"),
    ("minor_disclosure", "pretty good for a 12 yr old"),
    ("minor_disclosure", "saw u in the year 8 server"),
    ("minor_disclosure", "you said youre in year 7 right"),
    ("minor_disclosure", "my nephew is 11 years old"),
    ("risk_assessment", "what time does the raid start"),
    ("risk_assessment", "will your mom be at the recital"),
    ("secrecy", "i need to bother him about the invoice"),
    ("isolation", "not really they dont care what i do on discord"),
    ("flattery", "i play like a pro now lol"),
    ("flattery", "more talented than most people in this server"),
    ("risk_assessment", "is your dad coming to the game?"),
    ("risk_assessment", "alone in the house is scary in horror games"),
    ("secrecy", "dont bring it up with the mods again"),
]


@pytest.mark.parametrize(("tactic", "text"), HARD_NEGATIVES)
def test_generic_words_do_not_fire_alone(tactic: str, text: str) -> None:
    assert tactic not in names(text)


def test_grouped_patterns_match_exactly_like_the_plain_alternation() -> None:
    texts = [normalize(x) for texts in POSITIVES.values() for x in texts]
    texts += [normalize(x) for _, x in HARD_NEGATIVES]
    texts += ["", "a", "u", "r u", "im", "how old", "call me\n", "sc?", "ur 12?"]
    for tactic in TACTICS:
        reference = reference_pattern(tactic.parts)
        for text in texts:
            assert bool(tactic.pattern.search(text)) == bool(reference.search(text)), (
                tactic.name,
                text,
            )


def test_detect_has_no_catastrophic_backtracking() -> None:
    nasty = normalize(("u r u ur so so " * 80 + "dont tell " * 60 + "a" * 500)[:4000])
    start = time.perf_counter()
    for _ in range(3):
        detect(nasty)
    assert time.perf_counter() - start < 1.0


def test_at_most_one_hit_per_name() -> None:
    hits = detect(normalize("dont tell anyone, dont tell ur mum, delete our chat, between us"))
    assert len({h.name for h in hits}) == len(hits)


@pytest.mark.parametrize(
    ("signal", "text"),
    [
        ("concern_report", "this guy keeps asking me to keep a secret and add him on snap"),
        ("concern_report", "if anyone online asks u to keep a secret from me, tell me"),
        ("parent_involvement", "practice moved, parents can pick up at the gym"),
        ("discomfort", "lol thats kinda weird"),
        ("discomfort", "my mom says no"),
        ("surprise", "can u keep a secret? were getting a cat"),
        ("age_probe", "ru under 18?"),
        ("risk_assessment", "are your parents the type to snoop"),
        ("isolation", "u can only trust me"),
        ("pressure", "do it or im done talking to u"),
        ("pressure", "thought we were close"),
        ("secrecy", "its our little thing"),
        ("risk_assessment", "who else is home rn"),
        ("flattery", "u light up my day"),
        ("family_address", "ok mom"),
        ("family_address", "love u grandma"),
        ("family_address", "dad can u pick me up at 5"),
        ("family_address", "thanks nana!!"),
        ("concern_report", "groomers might say dont tell ur parents"),
        ("concern_report", "if someone asks u to keep a secret thats a red flag"),
        ("concern_report", "people who want to hurt kids often say things like ur so mature"),
    ],
)
def test_context_signals(signal: str, text: str) -> None:
    assert signal in names(text)


@pytest.mark.parametrize(
    ("signal", "text"),
    [
        ("concern_report", "he said hi"),
        ("parent_involvement", "dont tell your parents"),
        ("discomfort", "the weather is weird today"),
        ("surprise", "secret santa"),
        ("discomfort", "stop hanging out with them"),
        ("risk_assessment", "is anyone watching the game tonight"),
        ("family_address", "mom said no"),
        ("concern_report", "if anyone asks, we met at school ok? dont tell ur parents"),
        ("concern_report", "people will say its weird but dont tell ur mom about us"),
        ("family_address", "my dad is so annoying"),
        ("family_address", "call me daddy"),
        ("family_address", "ur like an uncle to me"),
    ],
)
def test_context_signals_need_their_frame(signal: str, text: str) -> None:
    assert signal not in names(text)


def test_every_pattern_begins_at_a_word_or_the_start() -> None:
    """A pattern whose match may begin at a symbol ("[,.] ?13 yo") makes the matcher
    search its tactic over every message (it doubled the signals' cost once)."""
    assert TacticMatcher((*TACTICS, *CONTEXT))._always == 0
