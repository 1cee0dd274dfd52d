"""Errors raised by the reflection package; each carries a stable `code` for the edge to map."""

from __future__ import annotations


class ReflectionError(Exception):
    """Base of every reflection error; `code` is stable, the message is for humans."""

    default_code = "reflection_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.code = code or self.default_code


class InvalidInputError(ReflectionError):
    """Client text or a candidate reply that cannot be processed (wrong type, too long)."""

    default_code = "invalid_input"


class GuardrailContentError(ReflectionError):
    """A guardrail data file (lexicon, crisis text, filter rules) is missing or malformed."""

    default_code = "guardrail_content"


class ResponderError(ReflectionError):
    """A responder failed to produce a reply."""

    default_code = "responder_failed"


class ResponderUnavailableError(ResponderError):
    """The configured responder backend (e.g. Ollama) is unreachable or lacks its model."""

    default_code = "responder_unavailable"


class SummaryError(ReflectionError):
    """A summary could not be produced or validated."""

    default_code = "summary_failed"


class FlowError(ReflectionError):
    """A session-flow transition that is not allowed from the current state."""

    default_code = "flow_invalid_transition"
