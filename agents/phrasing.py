"""A spoken line as a statement in the brief's own words (DESIGN.md: a claim is never a pasted line).

A transcript line is someone talking: fillers ("honestly", "yeah, so"), laughter, first person
("I'll send", "our handle time"). The brief states what was said — who commits to what by
when, who asks for what, what figure someone reported — and cites the line. Only the framing
is rewritten; the facts (names, figures, dates) are kept word for word, so the claim still
says exactly what its citation says.
"""

from __future__ import annotations

import re

_STAGE = re.compile(r"\[(?:laughs?|laughter|crosstalk|inaudible|pause|silence|music|noise)[^\]]*\]|\((?:laughs?)\)",
                    re.IGNORECASE)
_FILLER = re.compile(
    r"^(?:(?:and|but|so|well|yeah|yes|ok(?:ay)?|right|look|honestly|frankly|basically|actually|anyway|um+|uh+|"
    r"you\s+know|i\s+mean|to\s+be\s+(?:honest|fair)|i\s+(?:think|guess|believe|reckon|feel\s+like)|"
    r"the\s+thing\s+is|for\s+what\s+it['’]s\s+worth|long\s+story\s+short|just\s+so\s+you\s+know)\b[\s,—–-]*)+",
    re.IGNORECASE,
)
_COMMITMENT = re.compile(
    r"^(?:i|we)(?:['’]ll|\s+will|\s+(?:am|are)\s+going\s+to|['’]re\s+going\s+to|['’]m\s+going\s+to"
    r"|\s+can|\s+should|['’]d\s+like\s+to|\s+need\s+to)\s+(?:also\s+|then\s+|just\s+)?(?P<rest>.+)$",
    re.IGNORECASE,
)
_REQUEST = re.compile(
    r"^(?:can|could|would|will)\s+you(?:\s+(?:please|guys|all))?\s+(?P<rest>.+?)\??$"
    r"|^(?:please\s+)(?P<rest2>.+)$"
    r"|^(?:i|we)['’]?d?\s+(?:really\s+)?(?:like|love|want|need)\s+(?:you\s+to\s+|to\s+(?:see|get|have)\s+)?(?P<rest3>.+)$",
    re.IGNORECASE,
)
_FIRST_PERSON = re.compile(r"\b(?:I|I['’]m|I['’]ve|I['’]d|me|my|we|we['’]re|we['’]ve|us|our)\b", re.IGNORECASE)
_TAG = re.compile(
    r"[,—–-]\s*(?:that['’]s\s+for\s+sure|for\s+sure|you\s+know|right|I\s+think|to\s+be\s+honest|honestly"
    r"|if\s+I['’]m\s+honest|I\s+guess|basically|and\s+so\s+on|or\s+whatever)\W*$",
    re.IGNORECASE,
)
_TEAM_SUBJECT = (  # the customer's "we": their team
    (r"^we(?:['’]ve|\s+have)\s+", "has "), (r"^we(?:['’]re|\s+are)\s+", "is "), (r"^we\s+were\s+", "was "),
    (r"^we\s+", ""),
)
_ASKED = re.compile(
    r"^(?P<lead>(?:[^,]{0,40},\s*)?)(?P<who>[A-Z][\w'’\-]+(?:\s+[A-Z][\w'’\-]+){0,2}?)(?:['’]s|\s+has|\s+had)?\s+"
    r"(?:asked|asks|requested|requests|wants|wanted|needs)\s+(?:us\s+)?(?:for\s+)?(?P<what>.+)$"
)
_ASIDE = re.compile(r",\s*which\s+(?:is|was|seems|sounds)\s+[\w\s]{1,20}[.!]?$", re.IGNORECASE)
_UNRESOLVED = re.compile(r"\b(?:he|him|his|she|her|hers)\b", re.IGNORECASE)  # a person the line does not name
_FUNCTION_WORD = re.compile(r"^(?:the|a|an|we|our|it|this|that|there|no|all|every|both|most|some|handle|average)\b")


def clean_spoken(text: str) -> str:
    """A spoken sentence without stage directions, leading fillers and markup."""
    text = _STAGE.sub("", re.sub(r"\*\*|__|`", "", text))
    text = re.sub(r"\s+([.,!?;:])", r"\1", " ".join(text.split())).strip()
    text = _FILLER.sub("", text).strip(" ,—–-").lstrip(":;. ")  # "Perfect. So: Dev, ..." → "Dev, ..."
    return _TAG.sub(".", text).strip()


def _lower_first(text: str) -> str:
    """The first word in lower case when it is an ordinary word, so it can follow "Dana reported:"."""
    return text[:1].lower() + text[1:] if _FUNCTION_WORD.match(text[:1].lower() + text[1:]) else text


def _sentence(text: str) -> str:
    text = text.strip().rstrip(",;:—–- ")
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _second_to_third(text: str, speaker: str) -> str:
    """"send you the deck" said by Dana: the "you" is us, so the phrase reads the same in the brief."""
    return re.sub(r"\byour\b", "our", re.sub(r"\byou\b", "us", text))


def spoken_as_statement(text: str, speaker: str | None) -> str | None:
    """The line as a statement about its speaker, or None when it cannot stand as one.

    "I'll send the pricing by Friday." (Dana) → "Dana to send the pricing by Friday."
    "Could you send us the benchmark?" (Dana) → "Dana asks us to send the benchmark."
    "Honestly our handle time is down 48 seconds." (Dana) → "Dana reported: handle time is down 48 seconds."
    """
    said = clean_spoken(text)
    if len(said.split()) < 3 or said.endswith("?") and not _REQUEST.match(said):
        return None
    who = speaker or "The customer"
    if commitment := _COMMITMENT.match(said):
        rest = _second_to_third(commitment.group("rest"), who).rstrip(".!")
        return _sentence(f"{who} to {rest}")
    if request := _REQUEST.match(said):
        rest = next(g for g in request.group("rest", "rest2", "rest3") if g).rstrip(".!?")
        rest = re.sub(r"\bour\b", "their", re.sub(r"\b(?:us|me)\b", "them", rest))
        return _sentence(f"{who} asks us to {_second_to_third(rest, who)}")
    said = _ASIDE.sub(".", said)
    if (asked := _ASKED.match(said)) and asked.group("who").split()[0].lower() not in ("i", "we", "they", "it"):
        what = asked.group("what").rstrip(".!")
        lead = asked.group("lead").strip().rstrip(",")
        where = f" ({lead[:1].lower() + lead[1:]})" if lead else ""
        who_asked = re.sub(r"['’]s$", "", asked.group("who"))
        return _sentence(f"Ask from {who_asked}{where}: {what}")
    if _UNRESOLVED.search(said):
        return None  # "the EA is on hold for him": about someone the line does not name
    reported = re.sub(r"\b(?:our|my)\s+", "", said, flags=re.IGNORECASE)
    for spoken, stated in _TEAM_SUBJECT:
        if re.match(spoken, reported, re.IGNORECASE):
            reported = re.sub(spoken, f"{who}'s team {stated}", reported, count=1, flags=re.IGNORECASE)
            if not _FIRST_PERSON.search(reported):
                return _sentence(_second_to_third(reported, who))
    if _FIRST_PERSON.search(reported):
        return _sentence(_third_person(reported, who))
    return _sentence(f"{who} reported: {_lower_first(reported)}")


_THIRD_PERSON = (
    (r"\bI['’]m\b", "{who} is"), (r"\bI['’]ve\b", "{who} has"), (r"\bI['’]ll\b", "{who} will"),
    (r"\bI['’]d\b", "{who} would"), (r"\bI\s+am\b", "{who} is"), (r"\bI\b", "{who}"), (r"\bmy\b", "their"),
    (r"\bme\b", "them"), (r"\bmyself\b", "themself"), (r"\bwe['’]re\b", "their team is"),
    (r"\bwe['’]ve\b", "their team has"), (r"\bwe['’]ll\b", "their team will"), (r"\bwe\b", "their team"),
    (r"\bour\b", "their"), (r"\bus\b", "them"),
)


def _third_person(text: str, who: str) -> str:
    """First person as the speaker, by name once, then "they": "if the outages carry on, I can't defend the
    renewal" → "if the outages carry on, Robert Hayes can't defend the renewal"."""
    named = False
    for pattern, replacement in _THIRD_PERSON:
        def swap(match: re.Match[str], replacement: str = replacement) -> str:
            nonlocal named
            if "{who}" in replacement:
                said = replacement.format(who="they" if named else who)
                named = True
                return said if not said.startswith("they ") else said.replace("they is", "they are").replace(
                    "they has", "they have"
                )
            return replacement
        text = re.sub(pattern, swap, text, flags=re.IGNORECASE if "{who}" not in replacement else 0)
    return text[:1].upper() + text[1:]
