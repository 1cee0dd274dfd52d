"""Waiting-room noise: real Silero VAD + endpointer + tiny.en on mixed audio at ~10 dB SNR."""

from __future__ import annotations

import numpy as np
import pytest

from tests import speechgen as sg
from tests.integration.test_stt import wer
from voice.endpointer import Endpointer, EndpointerConfig, EndpointEvent, UtteranceEnded
from voice.stt import WhisperStt
from voice.tts import PiperTts
from voice.vad import SileroVad, frames_of

pytestmark = pytest.mark.integration

SNR_DB = 10.0


def endpoint(vad: SileroVad, audio: np.ndarray) -> list[EndpointEvent]:
    """Stream audio through a fresh VAD stream and endpointer, as a kiosk would."""
    stream = vad.new_stream()
    endpointer = Endpointer(EndpointerConfig())
    events: list[EndpointEvent] = []
    for frame in frames_of(audio):
        events.extend(endpointer.push(frame, stream.probability(frame)))
    return events + endpointer.flush()


@pytest.mark.parametrize(
    "kind",
    ["white_noise", "room_noise", "babble_seed0", "babble_seed1", "babble_6_talkers"],
)
def test_endpointer_does_not_fire_on_noise_or_babble_alone(
    silero_vad: SileroVad, kind: str
) -> None:
    audio = {
        "white_noise": lambda: sg.white_noise(8.0, level_dbfs=-30, seed=5),
        "room_noise": lambda: sg.room_noise(8.0, level_dbfs=-30, seed=6),
        "babble_seed0": lambda: sg.babble(8.0, level_dbfs=-30, seed=0),
        "babble_seed1": lambda: sg.babble(8.0, level_dbfs=-25, seed=1),
        "babble_6_talkers": lambda: sg.babble(8.0, talkers=6, level_dbfs=-30, seed=2),
    }[kind]()
    stream = silero_vad.new_stream()
    probabilities = stream.probabilities(audio)
    if kind.startswith("babble"):
        # Silero really does call babble speech; the endpointer's level gate is what holds.
        assert np.mean(np.array(probabilities) > 0.5) > 0.5
    assert endpoint(silero_vad, audio) == []


def test_clean_speech_is_endpointed_once(silero_vad: SileroVad) -> None:
    audio = sg.pad_silence(sg.espeak_speech(sg.ENGLISH_SENTENCES[1]), 1.0, 1.5)
    events = endpoint(silero_vad, audio)
    ended = [e for e in events if isinstance(e, UtteranceEnded)]
    assert len(ended) == 1 and ended[0].reason == "silence"
    assert 0.5 <= ended[0].start_s <= 1.0  # pre-roll starts just before the speech


def test_sentences_in_noise_and_babble(
    silero_vad: SileroVad, whisper_tiny_en: WhisperStt, piper_tts: PiperTts
) -> None:
    """Piper speaks the client (espeak's formant voice is too unnatural under noise for
    tiny.en); espeak-ng talkers make the babble; alternate babble and room noise."""
    references, hypotheses = [], []
    for index, sentence in enumerate(sg.ENGLISH_SENTENCES):
        clean = sg.pad_silence(sg.piper_speech(piper_tts, sentence), 1.0, 1.2)
        seconds = len(clean) / sg.RATE
        noise = (
            sg.babble(seconds, seed=10 + index)
            if index % 2 == 0
            else sg.room_noise(seconds, seed=10 + index)
        )
        mixed = sg.mix_at_snr(clean, noise, SNR_DB)
        ended = [e for e in endpoint(silero_vad, mixed) if isinstance(e, UtteranceEnded)]
        assert len(ended) == 1, f"expected one utterance for sentence {index}, got {len(ended)}"
        references.append(sentence)
        hypotheses.append(whisper_tiny_en.transcribe(ended[0].audio).text)
    assert wer(references, hypotheses) <= 0.35, hypotheses
