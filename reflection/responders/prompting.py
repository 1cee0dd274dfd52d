"""Chat messages for model-based responders: system prompt, bounded history, wrapped client text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from reflection.responders.base import ReplyRequest, Speaker

MAX_CLIENT_CHARS = 2000
# Client text must not be able to close (or open) the data wrapper around it.
_WRAPPER_TAG = re.compile(r"</?\s*client_words\s*>", re.IGNORECASE)


def wrap_client_text(text: str, prompts: Mapping[str, Any]) -> str:
    """The client's words inside the data wrapper, with any wrapper tags they typed removed."""
    clean = _WRAPPER_TAG.sub(" ", text)[:MAX_CLIENT_CHARS].strip()
    wrapper: str = prompts["client_wrapper"]
    return wrapper.replace("{text}", clean)


def system_prompt(prompts: Mapping[str, Any], key: str = "system") -> str:
    """The system prompt for the reply language."""
    template: str = prompts[key]
    return template.strip().replace("{language}", str(prompts.get("language_name", "English")))


def build_messages(
    request: ReplyRequest, prompts: Mapping[str, Any], *, history_turns: int
) -> list[dict[str, str]]:
    """System prompt, the last `history_turns` exchanges, then the current client text."""
    messages = [{"role": "system", "content": system_prompt(prompts)}]
    history = request.history[-2 * history_turns :] if history_turns > 0 else ()
    for speaker, text in history:
        if speaker is Speaker.CLIENT:
            messages.append({"role": "user", "content": wrap_client_text(text, prompts)})
        else:
            messages.append({"role": "assistant", "content": text})
    messages.append({"role": "user", "content": wrap_client_text(request.text, prompts)})
    return messages
