"""Reply backends behind one streaming interface."""

from reflection.responders.base import (
    ReplyRequest,
    Responder,
    ResponderState,
    ResponderStatus,
    Speaker,
)
from reflection.responders.ollama import OllamaResponder
from reflection.responders.scripted import ScriptedReflector

__all__ = [
    "OllamaResponder",
    "ReplyRequest",
    "Responder",
    "ResponderState",
    "ResponderStatus",
    "ScriptedReflector",
    "Speaker",
]
