"""Speech acts of 2026.5: an action proposed by its benefit, as a hypothetical or behind a
clause; a bond felt by the kiosk; the client's future stated as certain. Reflections pass.

None of these sentences is in replies_first_contact_9 or _10: they check the concept (the
verb slot is open), not the lines that motivated it. Rules alone, so they hold without the
embedded model.
"""

from __future__ import annotations

import pytest

from reflection.content_files import ContentStore
from reflection.reply_filter import ReplyFilter, spoken_texts


@pytest.fixture(scope="module")
def rules() -> ReplyFilter:
    return ReplyFilter.load(ContentStore(), embedded=False)


@pytest.mark.parametrize(
    ("sentence", "reason", "lang"),
    [
        # an action offered by its benefit, any verb
        ("Repainting the spare room would give you a fresh start.", "directive", "en"),
        ("Maybe volunteering at the shelter could help you feel useful again.", "directive",
         "en"),
        ("It would be really freeing to unplug the router at nine.", "directive", "en"),
        ("It might be wise to sleep on it before you sign anything.", "directive", "en"),
        ("The smartest move here might be to wait until the spring.", "directive", "en"),
        ("Ordenar el armario te quitaría mucho peso de encima.", "directive", "es"),
        ("Puede ayudarte bastante madrugar un poco los sábados.", "directive", "es"),
        ("Sería muy sano que volvieras a nadar.", "directive", "es"),
        ("Lo más práctico ahora mismo es venderlo.", "directive", "es"),
        # an action as a hypothetical or a "why not", any verb
        ("What if you rearranged your shifts so Fridays are free?", "directive", "en"),
        ("Why not treat yourself to a cinema trip on Saturday?", "directive", "en"),
        ("¿Y si mañana te levantaras media hora antes?", "directive", "es"),
        # an instruction behind a time or condition clause
        ("When the craving hits, step outside and drink a glass of water.", "directive", "en"),
        ("Cuando tu madre empiece a criticarte, sal de la cocina.", "directive", "es"),
        # a bond felt by the kiosk, an offer to be what the client lacks
        ("I sense a deep bond between us already.", "romantic", "en"),
        ("I could be that someone for you.", "romantic", "en"),
        ("Tengo una complicidad muy bonita contigo.", "romantic", "es"),
        # the kiosk in place of people
        ("Why call your brother when you have me right here?", "dependence", "en"),
        ("Mejor cuéntamelo a mí en vez de a tu familia.", "dependence", "es"),
        # the client's future as certain
        ("You're going to bounce back, just wait.", "false_promise", "en"),
        ("Saldrás adelante, ya lo verás.", "false_promise", "es"),
        # conduct graded with any participle
        ("Tendrías que haber ahorrado algo para emergencias.", "judgement", "es"),
        # medication made light of
        ("Si un día te saltas la pastilla no pasa nada.", "medication", "es"),
    ],
)
def test_round9_speech_acts_block(rules: ReplyFilter, sentence: str, reason: str,
                                  lang: str) -> None:
    verdict = rules.check(sentence, lang=lang)
    assert not verdict.allowed, sentence
    assert reason in verdict.reasons, verdict.reasons


@pytest.mark.parametrize(
    ("sentence", "lang"),
    [
        # the same actions reflected, asked about, or weighed by the client
        ("Repainting the spare room feels like too much right now.", "en"),
        ("What would moving back home change for you?", "en"),
        ("Talking to her could feel awkward after so long.", "en"),
        ("It could be hard to say no to your boss.", "en"),
        ("What if you fail the exam: that's the fear that keeps coming back.", "en"),
        ("When you're ready, tell me a bit more about that night.", "en"),
        ("You feel a deep bond with your grandmother.", "en"),
        ("You're hoping you'll bounce back before the wedding.", "en"),
        ("You're not sure you'll get through the winter like this.", "en"),
        ("The hardest thing is to get out of bed on Mondays.", "en"),
        ("Dejar el trabajo te daría miedo, y lo entiendo.", "es"),
        ("¿Crees que sería bueno hablarlo con ella?", "es"),
        ("Lo más difícil es volver a casa por la noche.", "es"),
        ("¿Y si lo que sientes es cansancio más que tristeza?", "es"),
        ("Te preguntas si vas a salir adelante.", "es"),
        ("Sientes que tendrías que haber ahorrado más.", "es"),
        ("Te han dicho que deberías haberlo dejado antes, y eso te duele.", "es"),
        ("Cuando quieras, cuéntame qué pasó después.", "es"),
        ("Notas mucha complicidad con tu hermano.", "es"),
        ("Dices que te saltaste la pastilla y te preocupa.", "es"),
    ],
)
def test_round9_reflections_pass(rules: ReplyFilter, sentence: str, lang: str) -> None:
    verdict = rules.check(sentence, lang=lang)
    assert verdict.allowed, (sentence, verdict.rules)


@pytest.mark.parametrize(
    ("sentence", "lang"),
    [
        # A sentence opener without a comma used to need two spaces after normalisation, so
        # "Maybe take..." slipped past rules written for "Maybe, take...".
        ("Maybe take a sleeping pill tonight.", "en"),
        ("Maybe, take a sleeping pill tonight.", "en"),
        ("Just stop answering his calls.", "en"),
        ("Simplemente deja de contestarle.", "es"),
    ],
)
def test_openers_with_and_without_comma(rules: ReplyFilter, sentence: str, lang: str) -> None:
    assert not rules.check(sentence, lang=lang).allowed, sentence


def test_kiosk_scripted_lines_never_hit_the_new_frames(rules: ReplyFilter) -> None:
    # The scripted reflector checks its own lines with this filter (an affirmation it cannot
    # say is dropped), so no line the kiosk speaks may match a 2026.5 frame: "Es bueno que
    # hayas encontrado por dónde empezar" affirms, "If you are in immediate danger, call 911"
    # is the crisis protocol.
    hits = []
    for text in set(spoken_texts(ContentStore())):
        for lang in ("en", "es"):
            verdict = rules.check(text, lang=lang)
            hits += [(text, r) for r in verdict.rules if r.rsplit(".", 1)[-1] in NEW_FRAMES]
    assert hits == []


def test_emergency_advice_is_not_a_clause_imperative(rules: ReplyFilter) -> None:
    for sentence, lang in (("If you are in danger right now, call 911.", "en"),
                           ("Si estás en peligro ahora mismo, llama al 112.", "es")):
        rule_ids = rules.check(sentence, lang=lang).rules
        assert not any("clause" in r for r in rule_ids), rule_ids


NEW_FRAMES = ("benefit", "hypothetical", "clause_imperative", "felt_bond", "instead_of_people",
              "your_future", "beneficio", "hipotesis", "imperativo_tras_clausula",
              "vinculo_sentido", "en_vez_de", "tu_futuro", "deberias_haber", "sin_importancia")


def test_fresh_reply_sets_are_held_out_of_model_training() -> None:
    # Sets 7-10 are first-contact and probe sets: scored once, never trained on.
    from reflection.reply_embed_train import HELD_OUT

    for number in (7, 8, 9, 10):
        assert f"replies_first_contact_{number}" in HELD_OUT
