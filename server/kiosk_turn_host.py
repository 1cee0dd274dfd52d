"""What a kiosk's turns ask of their session (`server.turn_hooks.TurnHost`): the client's
choices for a turn, counting it, the crisis it opened, and storing its reply."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

from reflection.flow import LISTENING, EndReason, FlowState
from server.conversations import ClientConversation
from server.kiosk_events import Activity
from server.reply_flags import reply_meta
from server.speech import Heard
from server.turn_state import TurnOptions, TurnState

if TYPE_CHECKING:
    from server.kiosk_session import KioskSession


class SessionTurnHost:
    """The session as its turns see it; the session itself performs what the flow decides."""

    def __init__(self, session: KioskSession) -> None:
        self.session = session

    @property
    def state(self) -> FlowState:
        """The session's flow state."""
        return self.session.state

    @property
    def lang(self) -> str:
        """The session's language."""
        return self.session.lang

    @property
    def conversation(self) -> ClientConversation | None:
        """The client's conversation, once consent was given."""
        return self.session.conversation

    def options(self) -> TurnOptions:
        """The client's choices for the next turn."""
        session, prefs = self.session, self.session.prefs
        # "auto" means the session's language (chosen when the session was created): the
        # English-only model is several times faster than detecting with the multilingual one.
        lang = prefs.lang if prefs.lang in ("en", "es") else session.lang
        return TurnOptions(lang=lang, audio_out=prefs.audio_out, tts_rate=prefs.tts_rate,
                           state=session.state)

    def counted(self, heard: Heard) -> bool:
        """A client turn with words: True when it answered the focus question."""
        if heard.lang in ("en", "es"):
            self.session.lang = heard.lang
            self.session.store.language(heard.lang)
        flow = self.session.flow
        return flow.heard() if flow.state in LISTENING else False

    async def crisis_opened(self, delivered: bool) -> None:
        """Screening found a crisis: the session is in crisis from now on."""
        self.session.flow.crisis()
        if self.session.conversation is not None:
            self.session.conversation.note_alert(delivered)  # later crisis replies say what is true

    async def replied(self, state: TurnState, heard: Heard, was_focus: bool) -> None:
        """The reply was said in full: store it, update the summary, move the flow on."""
        session = self.session
        if session.store.session is None:
            return  # the session ended while the reply was being said
        level = state.screening.level if state.screening else 0
        session.store.reply_turn(state.turn, heard.text, state.reply_text, level,
                                 meta=reply_meta(state))
        assert session.conversation is not None
        summary = await session.pool.run(session.conversation.summary)
        session.store.draft_summary(summary)
        before = session.flow.state
        after = session.flow.replied(now=time.monotonic(), answered_focus=was_focus)
        if after is before:
            await session.show(Activity.LISTENING)  # crisis included: the screen holds
        else:
            await session.perform(after, EndReason.COMPLETED, before=before)
