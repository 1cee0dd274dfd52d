"""The export scrubber removes names, phone numbers and emails, and keeps ordinary words."""

from __future__ import annotations

from models.scrub import scrub


def test_names_mid_sentence_are_replaced_sentence_starts_are_not() -> None:
    assert scrub("Yesterday my sister Marisol called. She was upset.") == (
        "Yesterday my sister [name] called. She was upset.")
    assert scrub("Ayer hablé con Doña Pilar y con José.") == (
        "Ayer hablé con [name] [name] y con [name].")


def test_i_and_its_contractions_stay() -> None:
    assert scrub("Honestly I think I'm tired and I've had enough.") == (
        "Honestly I think I'm tired and I've had enough.")


def test_phone_numbers_emails_and_long_numbers_go() -> None:
    text = "Call me at +1 (555) 123-4567 or write to ana.perez@example.org, room 4021."
    assert scrub(text) == "Call me at [number] or write to [email], room [number]."


def test_text_without_identifiers_is_unchanged() -> None:
    text = "¿Y si no puedo dormir? A veces me siento solo."
    assert scrub(text) == text
