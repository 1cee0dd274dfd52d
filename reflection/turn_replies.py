"""The engine's fixed replies that are not reflections: crisis follow-ups and honest answers."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import is_dataclass, replace
from typing import TYPE_CHECKING

from reflection.content_files import ContentStore
from reflection.crisis_followup import FollowUpReply, FollowUpState
from reflection.events import EngineEvent, ReplyDone, ReplySentence
from reflection.honesty import ABOUT_TOOL, HonestAnswer
from reflection.responders.composer import sentence_key
from reflection.risk import RiskLevel
from reflection.stages import CrisisReply

if TYPE_CHECKING:
    from reflection.engine import Conversation, ReflectionEngine


def undelivered_lines(store: ContentStore, lang: str) -> tuple[tuple[str, str], ...]:
    """(sentence, replacement) of the crisis message for an alert no staff screen received."""
    table = store.load(lang, "crisis").get("undelivered") or {}
    notified, instead = str(table.get("notified", "")), str(table.get("instead", ""))
    return ((notified, instead),) if notified and instead else ()


def crisis_followup(engine: ReflectionEngine, text: str, lang: str, used: Collection[str],
                    state: FollowUpState, response: CrisisReply, higher: bool,
                    delivered: bool) -> CrisisReply:
    """What to say on a turn after the crisis message, instead of the whole block again."""
    level = RiskLevel(getattr(response, "level", RiskLevel.HIGH))
    answer = engine.followups.reply(text, lang, used, state, level=level, delivered=delivered)
    if not higher:
        return answer
    # Risk went up (e.g. to imminent): its extra line first, then a short follow-up.
    seen = {sentence_key(u) for u in used}
    extra = [line for line in getattr(response, "extra", ())
             if not line.rstrip().endswith(":") and sentence_key(line) not in seen]
    lines = (*extra[:1], *answer.lines[:1])
    return replace(answer, message=" ".join(lines), lines=lines)


def without_said_thanks(response: CrisisReply, used: Collection[str]) -> CrisisReply:
    """The crisis block without its opening thanks when a check-in already said it.

    A check-in and the crisis message open with the same acknowledgement; said twice in one
    session it reads as a script. Only the first sentence is ever dropped, and only when the
    rest of the message remains (the notification and the resources are never touched).
    """
    message = str(getattr(response, "message", ""))
    first, _, rest = message.partition(". ")
    if not rest or not is_dataclass(response) or sentence_key(first + ".") not in {
            sentence_key(u) for u in used}:
        return response
    return replace(response, message=rest)


def fresh_check_in(store: ContentStore, response: CrisisReply, lang: str,
                   used: Collection[str]) -> CrisisReply:
    """A check-in asked again later in the session, in words not said yet (checkins.toml)."""
    seen = {sentence_key(u) for u in used}
    if sentence_key(response.message) not in seen or not is_dataclass(response):
        return response
    data = store.load(lang, "checkins")
    asked = data.get("check_in", {})
    key = next((k for k, v in asked.items() if " ".join(str(v).split()) == response.message),
               "suicide")
    for option in data.get("check_in_again", {}).get(key, []):
        if sentence_key(option) not in seen:
            return replace(response, message=option)
    return response


def honest_events(conversation: Conversation, turn: int, honest: HonestAnswer, lang: str,
                  level: int) -> Iterator[EngineEvent]:
    """Speak a fixed, reviewed answer about the tool and note what it means for the summary."""
    records = conversation.turns
    if honest.intent == "noted_yes" and conversation.note_for is not None:
        i = conversation.note_for
        records[i] = replace(records[i], for_therapist=True)
    if honest.intent in ABOUT_TOOL:
        records[-1] = replace(records[-1], meta=True)
    conversation.note_for = turn if honest.offers_note else None
    for index, sentence in enumerate(honest.sentences):
        conversation.say(sentence)
        yield ReplySentence(turn, index, sentence)
    yield ReplyDone(turn, " ".join(honest.sentences), lang, "honesty", level)


def grounding_events(conversation: Conversation, turn: int, lines: Sequence[str], lang: str,
                     level: int) -> Iterator[EngineEvent]:
    """Speak the steps of a grounding exercise the client asked for outside a crisis."""
    for index, sentence in enumerate(lines):
        conversation.say(sentence)
        yield ReplySentence(turn, index, sentence)
    yield ReplyDone(turn, " ".join(lines), lang, "grounding", level)


__all__ = ["FollowUpReply", "crisis_followup", "grounding_events", "honest_events"]
