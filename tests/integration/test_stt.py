"""Real faster-whisper models on speech generated at test time."""

from __future__ import annotations

import numpy as np
import pytest

from tests import speechgen as sg
from voice.errors import VoiceError
from voice.stt import WhisperStt

pytestmark = pytest.mark.integration


normalise = sg.normalise_text
wer = sg.word_error_rate


def test_tiny_en_transcribes_clear_sentences(whisper_tiny_en: WhisperStt) -> None:
    references, hypotheses = [], []
    for index, sentence in enumerate(sg.ENGLISH_SENTENCES):
        voice = sg.ENGLISH_VOICES[index % 2]  # en-us and en-gb
        audio = sg.pad_silence(sg.espeak_speech(sentence, voice=voice), 0.3, 0.5)
        transcript = whisper_tiny_en.transcribe(audio)
        references.append(sentence)
        hypotheses.append(transcript.text)
        assert transcript.language == "en"
        assert transcript.duration_s == pytest.approx(len(audio) / 16000)
        assert 0.0 < transcript.confidence <= 1.0
        assert transcript.segments
        for segment in transcript.segments:
            assert 0.0 <= segment.start < segment.end <= transcript.duration_s + 0.5
    assert wer(references, hypotheses) <= 0.25, hypotheses


def test_multilingual_base_transcribes_spanish(whisper_base: WhisperStt) -> None:
    sentence = sg.SPANISH_SENTENCES[0]
    audio = sg.pad_silence(sg.espeak_speech(sentence, voice="es-419"), 0.3, 0.5)
    detected = whisper_base.transcribe(audio)  # language=None: detect
    assert detected.language == "es"
    assert wer([sentence], [detected.text]) <= 0.25, detected.text
    forced = whisper_base.transcribe(audio, language="es")
    assert "cansada" in normalise(forced.text)


def test_english_only_model_refuses_other_languages(whisper_tiny_en: WhisperStt) -> None:
    assert not whisper_tiny_en.multilingual
    with pytest.raises(VoiceError) as info:
        whisper_tiny_en.transcribe(np.zeros(16000, dtype=np.float32), language="es")
    assert info.value.code == "stt_language_unsupported"


@pytest.mark.parametrize("kind", ["silence", "white_noise", "room_noise", "babble", "quiet_hiss"])
def test_silence_and_noise_transcribe_to_nothing(whisper_tiny_en: WhisperStt, kind: str) -> None:
    audio = {
        "silence": lambda: sg.silence(3.0),
        "white_noise": lambda: sg.white_noise(3.0, level_dbfs=-30, seed=1),
        "room_noise": lambda: sg.room_noise(3.0, level_dbfs=-30, seed=2),
        "babble": lambda: sg.babble(4.0, level_dbfs=-30, seed=3),
        "quiet_hiss": lambda: sg.white_noise(3.0, level_dbfs=-55, seed=4),
    }[kind]()
    transcript = whisper_tiny_en.transcribe(audio)
    assert transcript.text == ""
    assert transcript.is_empty and transcript.segments == ()


def test_empty_and_nan_audio(whisper_tiny_en: WhisperStt) -> None:
    assert whisper_tiny_en.transcribe(np.zeros(0, dtype=np.float32)).text == ""
    bad = np.zeros(16000, dtype=np.float32)
    bad[10] = np.nan
    with pytest.raises(VoiceError) as info:
        whisper_tiny_en.transcribe(bad)
    assert info.value.code == "audio_invalid_samples"
