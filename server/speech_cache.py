"""Synthesized audio of the fixed, reviewed sentences the kiosk says again and again.

Only content-file sentences are ever cached: a `FixedPhrase` exists only for the sentence kinds
the server fills from the content files (consent, scripted prompts and questions, goodbye,
check-ins, the crisis message), never for a reply to the client, which may echo their words.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from reflection.events import ReplyKind, ReplySentence
from server.speech import Speaker, Voiced

# Kinds whose text comes from the reviewed content files, never from the client or a model.
CONTENT_KINDS = frozenset({ReplyKind.PROMPT, ReplyKind.CRISIS, ReplyKind.CHECK_IN})
MAX_PHRASE_CHARS = 600  # content sentences are short; anything longer is not worth keeping


@dataclass(frozen=True)
class FixedPhrase:
    """A content-file sentence, the only thing the speech cache accepts."""

    text: str
    kind: ReplyKind

    @classmethod
    def of(cls, sentence: ReplySentence) -> FixedPhrase | None:
        """The phrase for a content sentence; None for replies (they may hold client words)."""
        if sentence.reply_kind not in CONTENT_KINDS or sentence.blocked:
            return None
        if not sentence.text or len(sentence.text) > MAX_PHRASE_CHARS:
            return None
        return cls(sentence.text, sentence.reply_kind)


# (voice, speaking rate in thousandths, phrase)
CacheKey = tuple[str, int, FixedPhrase]


def cache_key(voice: str, rate: float, phrase: FixedPhrase) -> CacheKey:
    """Audio differs per voice and rate; the text comes only from the phrase."""
    return (voice, round(rate * 1000), phrase)


class SpeechCache:
    """A bounded least-recently-used map of phrase audio, in memory only; thread-safe."""

    def __init__(self, *, max_entries: int = 64, max_bytes: int = 12 * 1024 * 1024) -> None:
        self.max_entries = max(0, max_entries)
        self.max_bytes = max(0, max_bytes)
        self._items: OrderedDict[CacheKey, Voiced] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    @property
    def size_bytes(self) -> int:
        """Audio bytes held."""
        return self._bytes

    def get(self, key: CacheKey) -> Voiced | None:
        """The cached audio (now most recently used), or None."""
        with self._lock:
            voiced = self._items.get(key)
            if voiced is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return voiced

    def put(self, key: CacheKey, voiced: Voiced) -> None:
        """Keep the audio, evicting the least recently used beyond the bounds."""
        size = len(voiced.pcm16)
        if size > self.max_bytes or self.max_entries == 0:
            return
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self._bytes -= len(old.pcm16)
            self._items[key] = voiced
            self._bytes += size
            while len(self._items) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._items.popitem(last=False)
                self._bytes -= len(evicted.pcm16)


@runtime_checkable
class PhraseSpeaker(Speaker, Protocol):
    """A Speaker that keeps the audio of fixed content sentences (see server.speech_cache)."""

    def recall(self, phrase: FixedPhrase, *, lang: str, rate: float) -> Voiced | None:
        """Cached audio, or None; cheap enough for the event loop."""
        ...

    def speak_fixed(self, phrase: FixedPhrase, *, lang: str, rate: float) -> Voiced:
        """Synthesize (once) and keep; blocking."""
        ...
