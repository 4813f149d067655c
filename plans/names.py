"""Matching people's names: diacritics, honorifics, initials and common English nicknames.

"Bob Diaz", "Robert Diaz", "R. Diaz" and "Róbert Díaz" are the same person; "Bob Diaz" and
"Bob Dean" are not. The drafting agents, the verifier and the evals all match names here,
so the same pair of names is never the same person in one place and two people in another.
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

HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"})
SUFFIXES = frozenset({"jr", "sr", "ii", "iii", "iv", "phd", "md", "esq", "mba"})

_WORD = re.compile(r"[a-z0-9]+")


def fold(text: str) -> str:
    """Lower-case `text` with diacritics removed ("Núñez" → "nunez"); one char in, one char out."""
    if text.isascii():
        return text.lower()
    return "".join(_fold_char(char) for char in text)


@cache
def _fold_char(char: str) -> str:
    base = unicodedata.normalize("NFKD", char)
    stripped = "".join(c for c in base if not unicodedata.combining(c))
    # Keep the mapping one-to-one so offsets in folded text are offsets in the original.
    return stripped[0].lower() if len(stripped) == 1 else char.lower()[:1] or char


def name_tokens(name: str) -> list[str]:
    """The words of a name, folded, without honorifics ("Dr.") or suffixes ("Jr.")."""
    return list(_name_tokens(name))


@cache
def _name_tokens(name: str) -> tuple[str, ...]:
    words = _WORD.findall(fold(name))
    while words and words[0] in HONORIFICS:
        words = words[1:]
    while len(words) > 1 and words[-1] in SUFFIXES:
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
    variants = {first}
    for formal in _formal_forms().get(first, frozenset()):
        variants.add(formal)
        variants.update(NICKNAMES[formal])
    return frozenset(variants)


def same_first_name(a: str, b: str) -> bool:
    """Whether two first names may be the same person's: equal, nickname of each other, or an initial."""
    a, b = normalize_name(a), normalize_name(b)
    if not a or not b:
        return False
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    return a == b or b in first_name_variants(a)


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
    double-barrelled names); first names must agree up to nicknames and initials. A single
    word ("Bob") is too little to identify anyone, so it only matches the same single word.
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
    return surnames_agree and same_first_name(first_a, first_b)


def find_person(candidates: Iterable[str], name: str) -> str | None:
    """The first of `candidates` that names the same person as `name`."""
    return next((candidate for candidate in candidates if same_person(candidate, name)), None)


def _alternation(words: Iterable[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@cache
def _mention_pattern(name: str, first_alone: bool, surname_alone: bool) -> re.Pattern[str] | None:
    words = name_tokens(name)
    if not words:
        return None
    boundary_l, boundary_r = r"(?<![a-z0-9])", r"(?![a-z0-9])"
    if len(words) == 1:
        return re.compile(boundary_l + re.escape(words[0]) + boundary_r)
    first, surname = words[0], [w for w in words[1:] if len(w) > 1] or words[-1:]
    firsts = first_name_variants(first) if len(first) > 1 else {first}
    first_alt = rf"(?:{_alternation(firsts)}|{re.escape(first[0])}\.?)"
    middle = r"(?:\s+[a-z](?:\.|(?=\s)))?(?:\s+[a-z][a-z'’\-]+(?=\s+" + re.escape(surname[-1]) + "))?"
    last_alt = r"\s+".join(re.escape(w) for w in surname)
    options = [rf"{first_alt}{middle}\s+{last_alt}"]
    if len(surname) > 1:
        options.append(rf"{first_alt}\s+{re.escape(surname[-1])}")
    honorific = _alternation(HONORIFICS)
    options.append(rf"(?:{honorific})\.?\s+{last_alt}")
    if first_alone and len(first) > 1:
        options.append(_alternation(firsts))
    if surname_alone:
        options.append(last_alt)
    return re.compile(boundary_l + "(?:" + "|".join(options) + ")" + boundary_r)


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
    diacritics; or an honorific with the surname ("Ms. Wu"). With `first_alone`, the first
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
        for m in pattern.finditer(fold(text))
        if not capitalized or text[m.start()].isupper()
    ]


def is_mentioned(text: str, name: str) -> bool:
    """Whether `text` mentions the person `name` by full name (see `mentions`)."""
    return bool(mentions(text, name))
