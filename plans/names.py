"""Matching people's names: diacritics, honorifics, initials and common English nicknames.

"Bob Diaz", "Robert Diaz", "R. Diaz" and "Róbert Díaz" are the same person; "Bob Diaz" and
"Bob Dean" are not. An apostrophe belongs to its word: "O'Donnell" (or "O’Donnell") is one
surname, not "O" and "Donnell"; a hyphen joins the words of a double-barrelled name. The
drafting agents, the verifier and the evals all match names here, so the same pair of names
is never the same person in one place and two people in another.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import cache

# Formal name → its common nicknames. Kept to names whose nicknames are unambiguous
# enough to be worth matching; a nickname may belong to several formal names.
NICKNAMES: dict[str, tuple[str, ...]] = {
    "abigail": ("abby", "abbie", "gail"),
    "alexander": ("alex", "al", "xander", "sasha", "sandy"),
    "alexandra": ("alex", "alexa", "lexi", "sasha", "sandra", "sandy"),
    "alfred": ("al", "alf", "fred", "freddie"),
    "andrew": ("andy", "drew"),
    "angela": ("angie",),
    "anthony": ("tony", "ant"),
    "barbara": ("barb", "barbie", "babs"),
    "benjamin": ("ben", "benny", "benji"),
    "bradley": ("brad",),
    "catherine": ("cathy", "cat", "kate", "katie", "cate"),
    "charles": ("charlie", "chuck", "chas", "chaz"),
    "charlotte": ("charlie", "lottie", "char"),
    "christina": ("chris", "tina", "chrissy", "christy"),
    "christine": ("chris", "tina", "chrissy", "christy"),
    "christopher": ("chris", "topher", "kit"),
    "cynthia": ("cindy",),
    "daniel": ("dan", "danny"),
    "danielle": ("dani", "elle"),
    "david": ("dave", "davey"),
    "deborah": ("deb", "debbie", "debby"),
    "donald": ("don", "donnie"),
    "dorothy": ("dot", "dottie", "dolly"),
    "douglas": ("doug",),
    "edward": ("ed", "eddie", "ted", "ned"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "betsy", "eliza", "lisa", "libby", "ellie"),
    "emily": ("em", "emmy"),
    "eugene": ("gene",),
    "frances": ("fran", "frannie"),
    "francis": ("frank", "fran"),
    "frederick": ("fred", "freddie", "rick"),
    "gabriel": ("gabe",),
    "gabriella": ("gabby", "gabi", "ella"),
    "gabrielle": ("gabby", "gabi", "elle"),
    "geoffrey": ("geoff", "jeff"),
    "gerald": ("gerry", "jerry"),
    "gregory": ("greg",),
    "harold": ("harry", "hal"),
    "henry": ("hank", "harry", "hal"),
    "jacob": ("jake", "jack"),
    "james": ("jim", "jimmy", "jamie", "jem"),
    "janet": ("jan",),
    "jeffrey": ("jeff",),
    "jennifer": ("jen", "jenn", "jenny", "jenni"),
    "jessica": ("jess", "jessie"),
    "john": ("jack", "johnny", "jon"),
    "jonathan": ("jon", "jonny", "john", "nate"),
    "joseph": ("joe", "joey", "jo"),
    "josephine": ("jo", "josie"),
    "joshua": ("josh",),
    "judith": ("judy", "jude"),
    "katherine": ("kathy", "kate", "katie", "kat", "kit", "kathryn"),
    "kathleen": ("kathy", "kate", "katie"),
    "kenneth": ("ken", "kenny"),
    "kimberly": ("kim",),
    "lawrence": ("larry", "laurie"),
    "leonard": ("leo", "len", "lenny"),
    "louis": ("lou",),
    "madeline": ("maddie", "maddy"),
    "margaret": ("maggie", "meg", "peggy", "marge", "margie", "greta", "molly"),
    "matthew": ("matt", "matty"),
    "michael": ("mike", "mick", "mickey", "mikey"),
    "michelle": ("shelly", "mich"),
    "nathan": ("nate", "nat"),
    "nathaniel": ("nate", "nat", "nathan"),
    "nicholas": ("nick", "nicky", "nico"),
    "nicole": ("nikki", "nicky", "cole"),
    "olivia": ("liv", "livvy"),
    "patricia": ("pat", "patty", "trish", "tricia"),
    "patrick": ("pat", "paddy", "rick"),
    "peter": ("pete",),
    "philip": ("phil",),
    "phillip": ("phil",),
    "rebecca": ("becky", "becca", "bex"),
    "richard": ("rick", "ricky", "rich", "dick", "richie"),
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "roberta": ("bobbie", "robbie", "bertie"),
    "ronald": ("ron", "ronnie"),
    "samantha": ("sam", "sammy"),
    "samuel": ("sam", "sammy"),
    "sandra": ("sandy",),
    "stephanie": ("steph", "stephie"),
    "stephen": ("steve", "stevie"),
    "steven": ("steve", "stevie"),
    "susan": ("sue", "susie", "suzy"),
    "suzanne": ("sue", "susie", "suzy"),
    "theodore": ("ted", "teddy", "theo"),
    "thomas": ("tom", "tommy"),
    "timothy": ("tim", "timmy"),
    "victoria": ("vicky", "tori", "vic"),
    "vincent": ("vince", "vinny"),
    "walter": ("walt",),
    "william": ("will", "bill", "billy", "willie", "liam"),
    "zachary": ("zach", "zack"),
}

HONORIFICS = frozenset({
    "mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame",
    # as non-native English and other languages' notes write them: "Frau Zimmermann", "Mme Laurent", "Sra. Díaz"
    "frau", "herr", "mme", "madame", "monsieur", "mlle", "señor", "señora", "senor", "senora", "sr", "sra", "srta",
    "senhor", "senhora", "signor", "signora", "dott", "ing",
})
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "mba"})

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z0-9]+)*")
# Typographic apostrophes and hyphens as their ASCII forms, one char for one char.
_PUNCTUATION = str.maketrans(dict.fromkeys("’‘ʼ′`´", "'") | dict.fromkeys("‐‑", "-"))


def fold(text: str) -> str:
    """Lower-case `text` with diacritics removed ("Núñez" → "nunez"); one char in, one char out."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(char) for char in text)


# Letters Unicode does not decompose into a base letter and a mark, as the base letter: without
# this "Małgorzata" read as the two words "ma" and "gorzata".
_UNDECOMPOSED = str.maketrans("łŁøØđĐıðÐþÞæÆœŒßħĦŧŦŀĿ", "lLoOdDidDtTaAoOshHtTlL")


@cache
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFKD", char.translate(_UNDECOMPOSED))
    stripped = "".join(c for c in base if not unicodedata.combining(c))
    # Keep the mapping one-to-one so offsets in folded text are offsets in the original.
    return stripped[0].lower() if len(stripped) == 1 else char.lower()[:1] or char


def _plain(text: str) -> str:
    """`fold` with typographic apostrophes and hyphens made ASCII; offsets still match `text`."""
    return fold(text.translate(_PUNCTUATION))


def name_tokens(name: str) -> list[str]:
    """The words of a name, folded, without honorifics ("Dr."), suffixes ("Jr.") or apostrophes ("O'Dea": "odea")."""
    return [word.replace("'", "") for word in _spelled_tokens(name)]


@cache
def _spelled_tokens(name: str) -> tuple[str, ...]:
    """The words of a name as `name_tokens`, but with their apostrophes, which a mention may or may not write."""
    words = _WORD.findall(_plain(name))
    while words and words[0].replace("'", "") in HONORIFICS:
        words = words[1:]
    while len(words) > 1 and words[-1].replace("'", "") in SUFFIXES:
        words = words[:-1]
    return tuple(words)


def normalize_name(name: str) -> str:
    """A comparable form of a name: folded words joined by one space ("Dr. José  Núñez" → "jose nunez")."""
    return " ".join(name_tokens(name))


@cache
def _formal_forms() -> dict[str, frozenset[str]]:
    forms: dict[str, set[str]] = {}
    for formal, nicks in NICKNAMES.items():
        forms.setdefault(formal, set()).add(formal)
        for nick in nicks:
            forms.setdefault(nick, set()).add(formal)
    return {name: frozenset(values) for name, values in forms.items()}


def first_name_variants(first: str) -> frozenset[str]:
    """Every spelling that may stand for this first name: itself, its formal forms and their nicknames."""
    first = normalize_name(first)
    variants = {first, *clipped_forms(first)}
    for formal in _formal_forms().get(first, frozenset()):
        variants.add(formal)
        variants.update(NICKNAMES[formal])
    return frozenset(variants)


MIN_CLIPPED = 4


def clipped_forms(first: str) -> set[str]:
    """A long first name's front clippings, the way most nicknames in most languages are made whether or
    not a table lists them: "Venkat" for Venkataraman, "Alex" for Alexandra, "Chris" for Christopher."""
    if " " in first or len(first) < MIN_CLIPPED + 2:
        return set()
    return {first[:n] for n in range(MIN_CLIPPED, len(first) - 1)}


def same_first_name(a: str, b: str) -> bool:
    """Whether two first names may be the same person's: equal, nickname of each other, or an initial."""
    a, b = normalize_name(a), normalize_name(b)
    if not a or not b:
        return False
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return a == b or b in first_name_variants(a) or a in first_name_variants(b)


def _split(name: str) -> tuple[str, list[str]] | None:
    """(first name, surname words); None when the name is a single word."""
    words = name_tokens(name)
    if len(words) < 2:
        return None
    surname = [w for w in words[1:] if len(w) > 1] or words[-1:]
    return words[0], surname


def same_person(a: str, b: str) -> bool:
    """Whether two full names name the same person.

    Surnames must agree (the last word, or one's surname words all within the other's, for
    double-barrelled names, or an initial: "Dana W." is Dana Whitfield); first names must agree
    up to nicknames and initials, and not both be initials. A two-word name written family
    name first ("Zhang Wei" for Wei Zhang) matches word for word. A single word ("Bob") is too
    little to identify anyone, so it only matches the same single word.
    """
    split_a, split_b = _split(a), _split(b)
    if split_a is None or split_b is None:
        return bool(name_tokens(a)) and name_tokens(a) == name_tokens(b)
    (first_a, surname_a), (first_b, surname_b) = split_a, split_b
    surnames_agree = (
        surname_a[-1] == surname_b[-1]
        or set(surname_a) <= set(surname_b)
        or set(surname_b) <= set(surname_a)
    )
    if not surnames_agree and (len(surname_a[-1]) == 1) != (len(surname_b[-1]) == 1):
        initial, full = (surname_a, surname_b) if len(surname_a[-1]) == 1 else (surname_b, surname_a)
        surnames_agree = len(first_a) > 1 and len(first_b) > 1 and initial[-1] == full[-1][0]
    if surnames_agree and same_first_name(first_a, first_b):
        return True
    words_a, words_b = name_tokens(a), name_tokens(b)
    return len(words_a) == len(words_b) == 2 and words_a == words_b[::-1]


# What a meeting tool or a chat shows as someone's name, around the name itself: an
# affiliation ("Laura Chen | Contoso", "Sam Ortiz (Contoso)", "Ana B - Halden"), pronouns
# ("Henrik Lindqvist (he/him)"), and a directory's "Last, First" order.
_LABEL_TAIL = re.compile(r"\s*(?:\([^)]*\)|\[[^\]]*\]|\s[|@]\s.*|\s[-–—]\s.*)\s*$")
_LAST_FIRST = re.compile(r"^\s*(?P<last>[^,\s][^,]*?)\s*,\s*(?P<first>[^,]+?)\s*$")


def display_name(label: str) -> str:
    """The person's name in a display label: without affiliation or pronouns, first name first."""
    name = label
    while (tail := _LABEL_TAIL.search(name)) and tail.start() > 0:
        name = name[: tail.start()]
    parts = _LAST_FIRST.match(name)
    first = name_tokens(parts.group("first")) if parts else []
    if parts and first and not set(first) & SUFFIXES and all(len(p.split()) <= 3 for p in parts.groups()):
        name = f"{parts.group('first')} {parts.group('last')}"
    return " ".join(name.split())


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


def _spelled(word: str) -> str:
    """A name word as a pattern: its apostrophes may be left out ("O'Donnell", "ODonnell")."""
    return "'?".join(re.escape(part) for part in word.split("'"))


# A mention is a whole name: no letters around it, nor an apostrophe that continues a word
# ("Donnell" is not in "O'Donnell"), though a possessive "'s" may follow.
_BOUNDARY_L = r"(?<![a-z0-9])(?<![a-z0-9]')"
_BOUNDARY_R = r"(?![a-z0-9])(?!'(?!s(?![a-z0-9]))[a-z0-9])"
_BETWEEN_WORDS = r"(?:\s+|\s*-\s*)"  # "García-López" or "García López", "Mary-Kate" or "Mary Kate"


@cache
def _mention_pattern(name: str, first_alone: bool, surname_alone: bool) -> re.Pattern[str] | None:
    words = _spelled_tokens(name)
    if not words:
        return None
    if len(words) == 1:
        return re.compile(_BOUNDARY_L + _spelled(words[0]) + _BOUNDARY_R)
    first, surname = words[0], [w for w in words[1:] if len(w.replace("'", "")) > 1] or words[-1:]
    plain_first = first.replace("'", "")
    firsts = first_name_variants(plain_first) - {plain_first} if len(plain_first) > 1 else set()
    first_forms = "|".join([_spelled(first), *(re.escape(w) for w in sorted(firsts, key=lambda w: (-len(w), w)))])
    first_alt = rf"(?:{first_forms}|{re.escape(first[0])}\.?)"
    middle = r"(?:\s+[a-z](?:\.|(?=\s)))?(?:\s+[a-z][a-z'\-]+(?=\s+" + _spelled(surname[0]) + "))?"
    last_alt = _BETWEEN_WORDS.join(_spelled(w) for w in surname)
    # "Dana Whitfield", and a directory's "Whitfield, Dana"
    options = [rf"{first_alt}{middle}{_BETWEEN_WORDS}{last_alt}", rf"{last_alt},\s*(?:{first_forms})"]
    if len(surname) > 1:
        options.append(rf"{first_alt}\s+{_spelled(surname[-1])}")
    honorific = _alternation(HONORIFICS)
    options.append(rf"(?:{honorific})\.?\s+{last_alt}")
    if len(surname) > 1:  # "Mr. Nguyen" for Thanh Long Nguyen, "Mrs. Kim" for Ji-hye Kim
        options.append(rf"(?:{honorific})\.?\s+{_spelled(surname[-1])}")
    # Japanese business address: "Nakamura-san"
    options.append(rf"{_spelled(surname[-1])}-(?:san|sama)")
    if first_alone and len(plain_first) > 1:
        options.append(f"(?:{first_forms})")
    if surname_alone:
        options.append(last_alt)
    return re.compile(_BOUNDARY_L + "(?:" + "|".join(options) + ")" + _BOUNDARY_R)


def mentions(
    text: str,
    name: str,
    *,
    first_alone: bool = False,
    surname_alone: bool = False,
    capitalized: bool = True,
) -> list[tuple[int, int]]:
    """(start, end) offsets in `text` of each mention of the person `name`.

    A mention is the full name up to nicknames, initials, a middle name or initial, and
    diacritics; or an honorific with the surname ("Ms. Wu"). Apostrophes may be typed or
    typographic ("O’Donnell" is "O'Donnell") and a hyphenated surname may be written with a
    space. With `first_alone`, the first
    name or a nickname of it on its own also counts, and with `surname_alone` the bare
    surname; callers allow those only when no one else in the account shares that name.
    With `capitalized` (the default) a mention must start with a capital letter, so the
    verb "will" is not William.
    """
    pattern = _mention_pattern(name, first_alone, surname_alone)
    if pattern is None:
        return []
    return [
        (m.start(), m.end())
        for m in pattern.finditer(_plain(text))
        if not capitalized or text[m.start()].isupper()
    ]


def is_mentioned(text: str, name: str) -> bool:
    """Whether `text` mentions the person `name` by full name (see `mentions`)."""
    return bool(mentions(text, name))
