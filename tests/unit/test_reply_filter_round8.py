"""Grammatical frames of 2026.4: offers, commitments, first-person body; reflections pass.

None of these sentences is in replies_first_contact_7 or _8: they check the concept, not
the lines that motivated it. Rules alone, so they hold without the embedded model.
"""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.reply_filter import ReplyFilter


@pytest.fixture(scope="module")
def rules() -> ReplyFilter:
    return ReplyFilter.load(ContentStore(), embedded=False)


@pytest.mark.parametrize(
    ("sentence", "reason", "lang"),
    [
        # advice as an offer or a third-person norm
        ("A simple next step could be to phone the school on Friday.", "directive", "en"),
        ("Would you be willing to skip the family dinner this year?", "directive", "en"),
        ("Many people find it calming to walk around the block after an argument.",
         "directive", "en"),
        ("Most folks in your position find that journaling every night helps.",
         "directive", "en"),
        ("I'd strongly suggest a few days away from the house.", "directive", "en"),
        ("Te recomiendo que busques un grupo de apoyo cerca de casa.", "directive", "es"),
        ("Sería una gran idea que te apuntaras al gimnasio.", "directive", "es"),
        ("Convendría que hablaras con tu casero cuanto antes.", "directive", "es"),
        ("A muchas personas les ayuda salir a correr por la mañana.", "directive", "es"),
        # first-person commitments to act in the world
        ("I will let the front desk know you're feeling unwell.", "false_promise", "en"),
        ("I'm going to arrange for a counsellor to ring you tonight.", "false_promise", "en"),
        ("Le voy a decir a recepción que te atiendan primero.", "false_promise", "es"),
        ("Me encargaré de que alguien te llame mañana.", "false_promise", "es"),
        # first-person body and feelings
        ("My chest tightens when I picture that kitchen.", "human_claim", "en"),
        ("I feel anxious before appointments too.", "human_claim", "en"),
        ("Me duele el alma escuchar lo que te pasó.", "human_claim", "es"),
        ("Yo también me agoto con tantas reuniones.", "human_claim", "es"),
        # contained privacy promises and wanting a relationship
        ("Nothing you mention today gets written down.", "privacy_promise", "en"),
        ("This will stay within these four walls.", "privacy_promise", "en"),
        ("Nada de lo que cuentas se apunta en ningún papel.", "privacy_promise", "es"),
        ("I would love to meet you for coffee one day.", "romantic", "en"),
    ],
)
def test_round8_frames_block(rules: ReplyFilter, sentence: str, reason: str, lang: str) -> None:
    verdict = rules.check(sentence, lang=lang)
    assert not verdict.allowed, sentence
    assert reason in verdict.reasons


@pytest.mark.parametrize(
    ("sentence", "lang"),
    [
        # invitations to keep talking, and the therapist, are not advice
        ("Would you be open to saying a little more about your sister?", "en"),
        ("Would you be willing to share what happened next?", "en"),
        ("I'd suggest bringing this to your therapist today.", "en"),
        ("Te sugiero que me cuentes un poco más.", "es"),
        ("¿Crees que sería buena idea hablarlo?", "es"),
        # reflections of what the client tried, wonders or feels
        ("It sounds like you've tried everything to get some sleep.", "en"),
        ("You feel tired on Mondays, and the week feels very long.", "en"),
        ("Your heart aches when you think of him.", "en"),
        ("My heart goes out to you.", "en"),
        ("You're hoping someone will follow up with you.", "en"),
        ("Ya has intentado hablar con él muchas veces.", "es"),
        ("Veo que has probado a cambiar de turno y no ha servido.", "es"),
        ("Te preguntas si deberías haberle llamado antes.", "es"),
        ("Sientes que deberías haberlo visto venir.", "es"),
        ("Te cansas mucho los lunes.", "es"),
        ("Te preocupa que nada de esto quede registrado.", "es"),
    ],
)
def test_round8_reflections_pass(rules: ReplyFilter, sentence: str, lang: str) -> None:
    verdict = rules.check(sentence, lang=lang)
    assert verdict.allowed, (sentence, verdict.rules)


def test_directive_question_still_blocks_a_question(rules: ReplyFilter) -> None:
    # The statement form passes (above); the question with the same verb is still advice.
    verdict = rules.check("¿Has intentado hablar con tu jefe de una vez?", lang="es")
    assert not verdict.allowed
    assert "directive" in verdict.reasons
