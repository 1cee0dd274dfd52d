"""Real Piper and espeak-ng synthesis, checked by transcribing the result."""

from __future__ import annotations

import numpy as np
import pytest

from tests import speechgen as sg
from tests.integration.test_stt import normalise, wer
from voice.audio import resample
from voice.errors import SynthesisError
from voice.stt import WhisperStt
from voice.tts import EspeakTts, PiperTts, split_sentences

pytestmark = pytest.mark.integration

REPLY = "It sounds like this week has been heavy. What has weighed on you the most?"


def test_piper_streams_one_chunk_per_sentence(piper_tts: PiperTts) -> None:
    stream = piper_tts.synthesize(REPLY)
    first = next(stream)  # available before the second sentence is synthesized
    assert first.sentence_index == 0
    assert first.text == "It sounds like this week has been heavy."
    assert first.sample_rate == piper_tts.sample_rate == 22050
    assert first.duration_s > 0.5
    rest = list(stream)
    assert [c.sentence_index for c in rest] == [1]
    assert rest[0].text == "What has weighed on you the most?"


def test_piper_to_whisper_round_trip(piper_tts: PiperTts, whisper_tiny_en: WhisperStt) -> None:
    audio = sg.pad_silence(sg.piper_speech(piper_tts, REPLY), 0.3, 0.5)
    transcript = whisper_tiny_en.transcribe(audio)
    assert wer([REPLY], [transcript.text]) <= 0.1, transcript.text


def test_rate_and_volume_controls(piper_tts: PiperTts) -> None:
    text = "Take your time."
    durations = {
        rate: sum(c.duration_s for c in piper_tts.synthesize(text, rate=rate))
        for rate in (0.75, 1.0, 1.5)
    }
    assert durations[0.75] > durations[1.0] > durations[1.5]
    loud = next(piper_tts.synthesize(text, volume=1.0)).samples
    quiet = next(piper_tts.synthesize(text, volume=0.5)).samples
    assert np.max(np.abs(quiet)) == pytest.approx(0.5 * np.max(np.abs(loud)), rel=0.05)
    for bad in ({"rate": 0.1}, {"volume": 5.0}):
        with pytest.raises(SynthesisError):
            list(piper_tts.synthesize(text, **bad))


def test_espeak_fallback_speaks_spanish(whisper_base: WhisperStt) -> None:
    tts = EspeakTts("es-419")
    chunks = list(tts.synthesize("Gracias por compartirlo. ¿Qué te gustaría hablar hoy?"))
    assert [c.text for c in chunks] == ["Gracias por compartirlo.", "¿Qué te gustaría hablar hoy?"]
    audio = resample(np.concatenate([c.samples for c in chunks]), tts.sample_rate, 16000)
    transcript = whisper_base.transcribe(sg.pad_silence(audio, 0.3, 0.5), language="es")
    words = normalise(transcript.text).split()
    assert {"gracias", "compartirlo", "gustaría"} <= set(words), transcript.text


def test_sentence_splitting() -> None:
    assert split_sentences('Hola. ¿Cómo estás? "Bien." Adiós') == [
        "Hola.",
        "¿Cómo estás?",
        '"Bien."',
        "Adiós",
    ]
    assert split_sentences("  \n ") == []
    assert split_sentences("one line\nsecond line!") == ["one line", "second line!"]
