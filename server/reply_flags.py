"""Reply flags from the kiosk ("didn't feel right") and the per-turn facts the report counts."""

from __future__ import annotations

from typing import TYPE_CHECKING

from models.turn_meta import TurnMeta

if TYPE_CHECKING:
    from server.kiosk_store import KioskStore
    from server.turn_state import TurnState

def reply_meta(state: TurnState, spoken: int | None = None) -> TurnMeta:
    """Responder and reply-filter reasons of a turn's reply (first `spoken` sentences if cut)."""
    sentences = state.sentences if spoken is None else state.sentences[:spoken]
    reasons = tuple(dict.fromkeys(r for s in sentences if s.blocked for r in (s.reasons or
                                                                              ("unspecified",))))
    responder = state.end.responder if state.end is not None else None
    return TurnMeta(kiosk_turn=state.turn, responder=responder or None, filter_reasons=reasons)


def store_reply_flag(store: KioskStore, turn: int) -> None:
    """Store a client's flag on the reply of `turn` at once (not only with the feedback).

    Queued after the reply's own write, so a reply still being stored gets it too; a flag for
    a turn with no stored reply (a prompt) stays in the session's feedback list only.
    """
    store.flag_reply(turn)


def store_cut_reply(store: KioskStore, state: TurnState) -> None:
    """What was already said of a stopped reply is stored (with the turn's facts so far)."""
    spoken = " ".join(s.text for s in state.sentences[: state.spoken])
    heard = state.heard.text if state.heard else ""
    level = state.screening.level if state.screening else 0
    if heard and state.screening is not None and store.session is not None:
        store.reply_turn(state.turn, heard, spoken, level, meta=reply_meta(state, state.spoken))
