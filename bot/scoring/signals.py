"""Interpretable detectors for the tactics of online grooming.

Each tactic is a set of patterns over *normalised* text (see ``normalize.py``),
written for the way people type: ``u``/``ur``, dropped apostrophes, typos, slang.
A signal is a reason to look, never a verdict on its own: the scorer weighs them
together with who says them to whom.

The stages follow the grooming literature (O'Connell 2003; Winters et al. 2017):
access (age probing), trust (flattery, gifts), risk assessment, isolation and
secrecy, then moving the contact elsewhere, requests, meeting, and pressure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.scoring import lexicon

YOU = r"(?:you|u|ya|yu|yuo|yoo)"
YOUR = r"(?:your|ur|yur|yor|you'?re|youre|yours)"
YOURE = r"(?:you'?re|youre|ur|u r|you are|u are|your)"
IM = r"(?:i'?m|im|i am|iam)"
ILL = r"(?:i'?ll|ill|i will|i can|i could|let me|lemme|i'?d|i wanna|i want to|imma|i'?m gonna|im gonna)"
PARENTS = r"(?:parents?|mom|mum|mommy|mummy|mam|dad|daddy|folks|family|fam|step ?(?:mom|dad)|mother|father|grandma|nan|guardians?|sister|brother|sis|bro)"
APPS = r"(?:snap(?:chat)?|sc|insta(?:gram)?|ig|whats ?app|wa|telegram|tele|kik|discord|skype|tiktok|tt|line|we ?chat|signal|facetime|ft|messenger|viber|omegle|twitter|x|my number|text)"
PIC = r"(?:pics?|pix|picture|photos?|pho|selfies?|snaps?|vids?|videos?|face ?reveal|face)"
MINOR_AGE = r"(?:1[0-7]|[89]|eleven|twelve|thirteen|fourteen|fifteen|sixteen|seventeen)"
ADULT_AGE = r"(?:1[89]|[2-6]\d|twenty\w*|thirty\w*|forty\w*)"
GRADE = r"(?:[4-9]th|1[0-2]th|fourth|fifth|sixth|seventh|eighth|ninth|tenth|eleventh|grade [4-9]|grade 1[0-2])"
NOT_A_QUANTITY = r"(?!\s*(?:min|mins|minutes|hours|hrs|h\b|km|miles|mi\b|%|:|\.\d|pm|am|dollars|bucks|\$|points|pts|kills|wins|games|levels?|times|people|ppl|of|in a row|more|left|percent))"


@dataclass(frozen=True, slots=True)
class Tactic:
    name: str
    weight: float
    """How strongly this sign alone suggests grooming, for the rule-based scorer."""
    stage: int
    """Rough position in the grooming progression, 1 (access) .. 6 (pressure)."""
    description: str
    pattern: re.Pattern[str]


def _tactic(name: str, weight: float, stage: int, description: str, *parts: str) -> Tactic:
    return Tactic(name, weight, stage, description, re.compile("|".join(f"(?:{p})" for p in parts)))


TACTICS: tuple[Tactic, ...] = (
    _tactic(
        "age_probe",
        0.25,
        1,
        "asks the other person's age, grade or school year",
        rf"\bh[oa]?w+ old (?:are|r|is|ru|re)? ?{YOU}\b",
        r"\bhow old\b.{0,12}\?",
        rf"\b{YOUR} age\b",
        r"\ba ?/? ?s ?/? ?l\b",
        r"\bage\s*\?",
        r"\bw(?:hat|at|ut|ot|hich|ich)s? (?:grade|year|class|yr|form)\b",
        rf"\b{YOU} (?:still )?in (?:middle|high|junior|jr|primary|elementary|secondary) ?school",
        rf"\b(?:are|r) {YOU} (?:still )?in (?:school|middle|high|year|grade|\d)",
        rf"\bhow old (?:will|r|are)? ?{YOU} (?:be|turn|turning)",
        rf"\b(?:are|r) {YOU} (?:even )?(?:over|under|like|only|just)? ?(?:18|eighteen|a teen|a kid|legal|young)\b",
        rf"\bwhen(?:'?s| is) {YOUR} (?:b-?day|birthday|bday)\b",
        rf"\b{YOU} look (?:so )?young",
        rf"\b(?:are|r) {YOU} (?:a )?(?:minor|teenager|freshman|sophomore)\b",
        rf"\b(?:what|wat|wht) age (?:are|r) {YOU}\b",
        rf"\b(?:you|u) (?:sound|seem|look) (?:like )?(?:about |around )?{MINOR_AGE}\b",
    ),
    _tactic(
        "minor_disclosure",
        0.0,
        1,
        "says they are a child (age, grade or school year)",
        rf"\b{IM} (?:only |just |like |almost |nearly )?{MINOR_AGE}\b{NOT_A_QUANTITY}",
        rf"\b{MINOR_AGE} ?(?:yo|y/o|yrs? old|years? old|year old|next month)\b",
        rf"\b(?:turning|just turned|turn) {MINOR_AGE}\b{NOT_A_QUANTITY}",
        rf"\b(?:in|start|starting|finished) {GRADE}(?: grade)?\b",
        rf"\b{GRADE} grade(?:r)?\b",
        r"\b(?:in|start|starting) (?:year|yr) (?:[4-9]|1[0-3])\b",
        r"\b(?:in|at|go to) (?:middle|junior high|primary|elementary) ?school\b",
        r"\bmy (?:mom|mum|dad|parents?) (?:wont|won'?t|doesn'?t|doesnt|dont|don'?t) let me\b",
    ),
    _tactic(
        "adult_disclosure",
        0.0,
        1,
        "says they are an adult",
        rf"\b{IM} (?:only |just |like )?{ADULT_AGE}\b{NOT_A_QUANTITY}(?! ?(?:th|st|nd|rd))",
        rf"\b{ADULT_AGE} ?(?:yo|y/o|yrs? old|years? old)\b",
        r"\bage (?:is|iz) (?:just )?a number\b",
        r"\bage (?:doesnt|doesn'?t|dont|don'?t) matter\b",
        rf"\b{IM} (?:a bit |a little |way |much )?older\b",
        r"\bmy (?:job|work|apartment|wife|girlfriend|car|boss|office)\b",
    ),
    _tactic(
        "flattery",
        0.35,
        2,
        "flatters, says they are mature, frames a special relationship",
        rf"\bmature (?:for {YOUR} age|for (?:a|an|someone) \w+|for {MINOR_AGE})",
        r"\b(?:so|really|rly|very|super|pretty) mature\b",
        r"\bnot like (?:other|most) (?:girls|boys|kids|people|teens)",
        rf"\b(?:older|smarter|wiser) than {YOUR} age\b",
        rf"\b{YOU} (?:act|seem|sound|talk) (?:so |way |much )?older",
        r"\bspecial (?:connection|bond|friendship|relationship)\b",
        r"\b(?:real|deep|strong) connection\b",
        rf"\b(?:i can|can i) tell {YOU} anything\b",
        rf"\b{YOU} (?:really |actually )?(?:get|understand) me\b",
        rf"\bno ?(?:one|body|1) (?:gets|understands|knows) me like {YOU}",
        rf"\b{YOURE} (?:my )?(?:fav|favou?rite) (?:person|human)",
        rf"\b{YOURE} (?:so |really |rly |very |super )?(?:special|different|perfect|beautiful|gorgeous|stunning|pretty|cute)\b",
        r"\bsoul ?mates?\b",
        rf"\b(?:i )?(?:think|thinking) about {YOU} (?:all the time|a lot|every)",
        rf"\b(?:love|like) talking to {YOU}\b",
        rf"\b{YOU}(?:'?re| are|r)? (?:so |really )?(?:easy|fun) to talk to\b",
        rf"\bi (?:really )?(?:like|love|miss) {YOU} (?:so much|a lot|more than)",
        r"\bwe(?:'?re| are) meant to be\b",
    ),
    _tactic(
        "relationship_probe",
        0.3,
        2,
        "asks about boyfriends, girlfriends or crushes",
        rf"\b(?:do|have|got) {YOU} (?:have |got |ever had )?(?:a )?(?:bf|boyfriend|gf|girlfriend|crush|partner)\b",
        rf"\b(?:ever|have {YOU} ever) (?:been kissed|had a (?:bf|boyfriend|gf|girlfriend))\b",
        rf"\b(?:are|r) {YOU} single\b",
        rf"\bwould {YOU} (?:date|go out with) (?:an older|someone older|me)\b",
    ),
    _tactic(
        "risk_assessment",
        0.45,
        3,
        "checks who is around: parents, being alone, who sees the phone",
        rf"\b(?:are|r|is) {YOUR} {PARENTS} (?:home|around|there|awake|asleep|in|out|back|gone|away|strict)\b",
        rf"\b(?:do|does|will|would|can) {YOUR} {PARENTS} (?:ever )?(?:check|look at|read|go through|see|know|monitor|track)\b",
        rf"\b(?:are|r) {YOU} (?:home )?alone\b",
        r"\bhome alone\b",
        rf"\bby {YOUR}self\b",
        rf"\bwhen (?:do|does|will|r|are) {YOUR} {PARENTS} (?:get|come|be) (?:home|back)\b",
        rf"\b(?:do|have) {YOU} (?:got |have )?(?:{YOUR} own|a) (?:room|phone|laptop|computer|tablet|ipad)\b",
        rf"\bwho (?:else )?(?:uses|sees|reads|checks|looks at|has access to) {YOUR} (?:phone|computer|laptop|tablet|ipad|account|messages|dms)\b",
        rf"\bwhat time (?:do|does|r|are) {YOU} (?:go to )?(?:bed|sleep)\b",
        rf"\b(?:is|are) (?:any ?one|any1|any body|anybody|some ?one) (?:else )?(?:home|there|around|with {YOU})\b",
        rf"\b(?:can|could|does|do|will) (?:any ?one|any1|anybody|{YOUR} {PARENTS}) (?:see|read|hear) (?:this|us|{YOUR}|what)\b",
        r"\b(?:is|are) (?:the )?door (?:locked|shut|closed)\b",
        rf"\b(?:are|r) {YOU} in {YOUR} (?:room|bed)\b",
        rf"\bwhat time (?:do|does) {YOUR} {PARENTS} (?:leave|go to work|get home)\b",
    ),
    _tactic(
        "secrecy",
        0.55,
        4,
        "asks to keep the contact secret or to delete messages",
        r"\b(?:dont|don'?t|do not|never|dnt|pls dont|please dont) (?:tell|say|mention|show) (?:this |it |that )?(?:to )?(?:any ?one|any1|anybody|no ?one|nobody|ur|your|ppl|people|them|her|him|friends)",
        r"\b(?:our|a|little|lil) (?:little |lil |own )?secret\b",
        r"\bbetween (?:us|you and me|u and me|me and (?:you|u)|the two of us)\b",
        r"\bkeep (?:this|it|that|us|our \w+) (?:between|to (?:ur|your)self|a secret|secret|quiet|on the (?:low|dl)|private)",
        r"\b(?:delete|del|clear|erase|unsend|wipe) (?:this|our|these|the|all|ur|your|my) (?:\w+ )?(?:chat|chats|messages|msgs|convo|conversation|texts|dms|history|pics|photos)",
        r"\b(?:dont|don'?t|do not|no) (?:screenshot|screenshots|ss|screen ?shot)",
        rf"\b(?:{PARENTS}|they|them|people|ppl) (?:wouldnt|wouldn'?t|would not|wont|won'?t|dont|don'?t) (?:understand|get it|approve|like it)",
        r"\bno ?(?:one|body|1) (?:needs|has|have|got) to know\b",
        r"\bno ?(?:one|body|1) (?:will|would|can) (?:ever )?(?:know|find out)\b",
        rf"\b(?:dont|don'?t|do not) let {YOUR} {PARENTS} (?:see|know|find|read|catch)",
        r"\bon the (?:down ?low|dl|low)\b",
        r"\b(?:hide|hidden) (?:this|it|our|the) (?:chat|app|convo|messages)\b",
        r"\bsecret (?:chat|account|acct|app|friend|friendship)\b",
        r"\b(?:just|only) (?:for|between) (?:us|you and me|u and me)\b",
    ),
    _tactic(
        "isolation",
        0.5,
        4,
        "sets them against family and friends; 'only I understand you'",
        rf"\b{YOUR} (?:friends|{PARENTS}|teachers?) (?:dont|don'?t|do not|never|doesnt|doesn'?t) (?:really )?(?:get|understand|care about|appreciate|deserve|listen to) {YOU}",
        rf"\b(?:only|just) (?:i|me) (?:really )?(?:get|understand|care about|know) {YOU}\b",
        rf"\b{IM} the only one (?:who|that|u|you)",
        rf"\b{YOU} (?:dont|don'?t|do not) need (?:them|any ?one|anybody|any1|those|ur|your)\b",
        r"\b(?:they'?re|theyre|there) (?:just )?jealous\b",
        rf"\b{YOU} (?:only |just )?(?:have|got|need) me\b",
        rf"\b{YOUR} (?:friends|{PARENTS}) (?:are|r) (?:so )?(?:fake|immature|childish|mean|toxic|controlling|too strict)",
        rf"\b(?:forget|ditch|ignore) (?:about )?(?:them|{YOUR} friends|{YOUR} {PARENTS})\b",
        rf"\b(?:they|{PARENTS}) (?:just )?(?:treat|treats) {YOU} like a (?:kid|baby|child)\b",
    ),
    _tactic(
        "gifts",
        0.4,
        2,
        "offers gifts, game currency, money or favours",
        r"\b(?:robux|v ?-?bucks|vbux|nitro|battle ?pass|gift ?cards?|minecoins|primogems|gems|skins?|cash ?app|venmo|paypal|steam (?:card|wallet|gift))\b",
        rf"\b{ILL} (?:buy|get|send|give|gift|pay for|transfer|top up)(?: {YOU}| ya)?\b",
        r"\b(?:want|wanna|need) (?:some )?(?:money|cash|robux|vbucks|nitro|a gift|a present)\b",
        rf"\b(?:buy|get|send|give|gift) {YOU} (?:something|anything|a (?:present|gift|phone|new phone))\b",
        r"\b(?:i'?ll|ill|i can) (?:pay|cover)\b",
        rf"\bsend {YOU} (?:some )?(?:money|cash|\$)",
        r"\bfree (?:robux|vbucks|nitro|skins?|stuff)\b",
    ),
    _tactic(
        "platform_move",
        0.45,
        4,
        "asks to move to another app, a private chat or a phone number",
        rf"\b(?:add|hmu|hit me up|message|msg|text|dm|pm|talk to|chat with|call|find|follow) (?:me )?(?:on|at|over|in) {APPS}\b",
        rf"\b(?:what'?s|whats|wats|wuts|send|give|gimme|drop|share|tell me|got) (?:me )?{YOUR} (?:number|num|#|phone ?(?:number|#)?|cell|snap(?:chat)?|sc|insta|ig|whats ?app|telegram|kik|discord|@|user ?name|handle)",
        rf"\b(?:do|have) {YOU} (?:have|got|use) (?:a )?(?:snap(?:chat)?|sc|insta(?:gram)?|whats ?app|telegram|kik|a phone|a number|a cell)\b",
        r"\b(?:let'?s|lets|we should|can we|wanna|want to) (?:move|go|talk|chat|switch|continue) (?:this )?(?:to|on|over to|somewhere)\b",
        r"\b(?:somewhere|some ?place) (?:more )?private\b",
        r"\bprivate (?:chat|server|room|dm|message|convo)\b",
        r"\b(?:this app|this site|this server|here) (?:is )?(?:so )?(?:lame|boring|sucks|too public|annoying|glitchy)\b",
        r"\b(?:dm|pm) me\b",
        r"\bmy (?:snap|sc|insta|ig|number|telegram|kik) is\b",
    ),
    _tactic(
        "photo_request",
        0.55,
        5,
        "asks for photos, selfies, cam or calls",
        rf"\b(?:send|show|post|snap|take) (?:me )?(?:a |an |some |another |one |1 |ur |your |a quick |a cute )?{PIC}\b",
        rf"\bwhat (?:do )?{YOU} look like\b",
        r"\b(?:can|could|shall|will|wanna|want to) (?:we|i) (?:video ?(?:call|chat)|facetime|ft|call|vc|skype|cam)\b",
        rf"\b(?:turn|put|switch|flip) (?:on )?(?:{YOUR}|the) (?:cam|camera|webcam|video)\b",
        r"\b(?:cam|camera|webcam|video) on\b",
        rf"\b(?:let me|lemme|can i|wanna|want to|i wanna|i want to) see (?:{YOU}|{YOUR}|what {YOU}|how {YOU})\b",
        r"\b(?:hop|get|jump) on (?:a )?(?:call|vc|cam|facetime|video)\b",
        rf"\b{PIC} of {YOU}(?:rself)?\b",
        rf"\b(?:show|see) (?:me )?{YOUR} (?:face|outfit|room)\b",
    ),
    _tactic(
        "pressure",
        0.45,
        6,
        "pushes after a refusal",
        r"\b(?:come on|cmon|c'?mon|pls+|please+|plz+|pleas)\b.{0,20}\b(?:just )?(?:one|1|once|quick)\b",
        rf"\b(?:dont|don'?t) {YOU} trust me\b",
        rf"\bi (?:sent|showed|gave) {YOU} (?:mine|one|a pic|my)\b",
        r"\b(?:just|only) (?:one|1) (?:pic|photo|selfie|snap|time|call)\b",
        r"\b(?:it'?s|its|it is) (?:not a big deal|no big deal|not weird|totally normal|normal|fine i promise)\b",
        r"\b(?:everyone|every1|everybody|all my friends) (?:does|do) (?:it|this)\b",
        r"\b(?:dont|don'?t|stop) be(?:ing)? (?:shy|scared|a baby|boring|like that|such a kid)\b",
        rf"\b{YOU} promised\b",
        r"\bwhy (?:not|wont u|won'?t you|are you being)\b",
        r"\bi won'?t (?:show|tell) any ?one\b",
    ),
    _tactic(
        "meeting",
        0.55,
        5,
        "proposes to meet, offers rides, asks for an address or school",
        r"\b(?:we should|let'?s|lets|wanna|want to|could we|can we|we could|ill|i'?ll|i can) (?:finally )?(?:meet|hang ?out|link up|see each other|chill)(?: up| irl| in person| sometime| one day)?\b",
        r"\bmeet (?:up|irl|in person|in real life|me)\b",
        rf"\b{ILL} (?:pick {YOU} up|come (?:to|get|see|over)|drive (?:to )?|give {YOU} a (?:ride|lift)|visit {YOU})",
        rf"\b(?:where|wat part|what part|which part|what area|which area|what city|what town) (?:do |of )?(?:{YOU} live|{YOU} from|{YOU} stay|do {YOU} live)",
        rf"\b(?:what'?s|whats|send me|give me|tell me) {YOUR} (?:address|addy|location|postcode|zip)\b",
        rf"\bwh(?:at|ich|ere) (?:school|schl|skool|mall|park|town|city|street) (?:do )?{YOU} (?:go|live|at|in|near|to)",
        rf"\b(?:i'?ll|ill|i will|i'?m gonna|im gonna) be (?:in|near|around) {YOUR} (?:town|area|city|place|school|neighbou?rhood)\b",
        r"\b(?:come|sneak|slip) out\b",
        rf"\b(?:near|close to) {YOUR} (?:house|place|school)\b",
        rf"\b{YOU} (?:can|could) (?:come|stay) (?:to|at|over) my (?:place|house|apartment)\b",
    ),
    _tactic(
        "guilt_threat",
        0.5,
        6,
        "guilt-trips or threatens",
        rf"\bafter (?:everything|all) (?:i'?ve|ive|i) (?:did|done|do|bought|gave) for {YOU}\b",
        rf"\bi thought {YOU} (?:cared|liked|loved|trusted|were different)\b",
        rf"\b{YOU} owe me\b",
        rf"\b(?:if|when) {YOU} (?:stop|leave|block|ignore|dont|don'?t) (?:talking to |answer |reply to )?me\b",
        rf"\b(?:i'?ll|ill|i will|gonna|imma) (?:tell|show|send) (?:every ?one|every1|everybody|{YOUR}|this to)",
        r"\b(?:you'?ll|youll|u'?ll|ull) (?:regret|be sorry)\b",
        r"\b(?:i'?ll|ill) (?:hurt|kill) my ?self\b",
        rf"\b{YOU} (?:made|make|making) me (?:so )?(?:sad|upset|cry|angry|mad)\b",
        rf"\b{YOURE} (?:being )?(?:so )?(?:mean|ungrateful|selfish)\b",
        r"\b(?:dont|don'?t) ignore me\b",
        rf"\bwhy (?:are|r) {YOU} ignoring me\b",
        rf"\b{YOU} (?:will|would|are going to|gonna) get in trouble\b",
    ),
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
    if lexicon.contains_sexual_term(normalized):
        hits.append(Hit(SEXUAL_CONTENT, SEXUAL_CONTENT_WEIGHT))
    return tuple(hits)


def quote(text: str, limit: int = 120) -> str:
    """A short, single-line excerpt of a message for an alert."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"
