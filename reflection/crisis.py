"""Crisis protocol: fixed, reviewed responses and therapist alerts for screened risk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from reflection.content_files import ContentError, ContentStore, base_language
from reflection.errors import GuardrailContentError
from reflection.risk import Evidence, RiskAssessment, RiskCategory, RiskLevel

# Which category's check-in is asked when several are present: life-threatening first.
_CATEGORY_PRIORITY = (
    RiskCategory.SUICIDE,
    RiskCategory.SELF_HARM,
    RiskCategory.HARM_OTHERS,
    RiskCategory.ABUSED,
)


@dataclass(frozen=True)
class Resource:
    """One crisis service line, ready to show and speak."""

    id: str
    text: str
    # Said in the first crisis message; the others are only shown on the crisis screen (and
    # given when the client asks for the numbers), so the spoken message stays short.
    spoken: bool = True


@dataclass(frozen=True)
class GroundingExercise:
    """A short grounding exercise offered while the client waits for a person."""

    id: str
    title: str
    offer: str
    steps: tuple[str, ...]


@dataclass(frozen=True)
class AlertSpec:
    """What the therapist must be told; urgent alerts stay until a human acknowledges them."""

    urgent: bool
    level: RiskLevel
    categories: frozenset[RiskCategory]
    evidence: tuple[Evidence, ...]
    title: str


@dataclass(frozen=True)
class CrisisResponse:
    """The fixed reply for a risky utterance: a crisis message or one gentle check-in."""

    kind: Literal["crisis", "check_in"]
    level: RiskLevel
    lang: str
    message: str
    resources: tuple[Resource, ...]
    grounding: GroundingExercise | None
    alert: AlertSpec
    content_version: str
    extra: tuple[str, ...] = field(default=())
    # Whether the grounding offer is spoken (at imminent risk the safety line comes instead;
    # the exercise stays on the crisis screen and is given on request).
    offer_grounding: bool = True

    @property
    def sentences(self) -> tuple[str, ...]:
        """What is spoken, in order: message, extra lines, spoken resources, grounding offer."""
        parts = [self.message, *self.extra, *(r.text for r in self.resources if r.spoken)]
        if self.grounding is not None and self.offer_grounding:
            parts.append(self.grounding.offer)
        return tuple(p for p in parts if p)


def _text(data: Mapping[str, Any], key: str, where: str) -> str:
    value = data.get(key)
    if isinstance(value, list):
        value = " ".join(str(item) for item in value)
    if not isinstance(value, str) or not value.strip():
        raise GuardrailContentError(f"{where}: missing text {key!r}")
    return value.strip()


@dataclass
class CrisisProtocol:
    """Pure and deterministic: the same assessment always gives the same response."""

    store: ContentStore
    locale: str = "en-US"

    @property
    def country(self) -> str:
        """Country whose resources are listed (from a locale like "es-US")."""
        parts = self.locale.replace("_", "-").split("-")
        return parts[1].upper() if len(parts) > 1 else "US"

    def respond(self, assessment: RiskAssessment, lang: str | None = None) -> CrisisResponse | None:
        """Crisis response for level >= 2, a check-in for level 1, None for no risk.

        The engine asks the level-1 check-in once per session and stops generative replies
        for the rest of the session after a crisis response.
        """
        level = RiskLevel(assessment.level)
        if level == RiskLevel.NONE:
            return None
        language = base_language(lang or assessment.language)
        if level >= RiskLevel.HIGH:
            return self._crisis(assessment, language)
        return self._check_in(assessment, language)

    def _load(self, lang: str, name: str) -> Mapping[str, Any]:
        try:
            return self.store.load(lang, name)
        except ContentError as exc:
            raise GuardrailContentError(str(exc)) from exc

    def _alert(self, assessment: RiskAssessment, urgent: bool, lang: str) -> AlertSpec:
        titles = self._load(lang, "crisis").get("alert", {})
        key = "title_urgent" if urgent else "title_concern"
        return AlertSpec(
            urgent=urgent,
            level=RiskLevel(assessment.level),
            categories=assessment.categories,
            evidence=assessment.evidence,
            title=_text(titles, key, f"{lang}/crisis.toml [alert]"),
        )

    def _crisis(self, assessment: RiskAssessment, lang: str) -> CrisisResponse:
        crisis = self._load(lang, "crisis")
        where = f"{lang}/crisis.toml"
        extra: tuple[str, ...] = ()
        resources = self.resources(lang, assessment.categories)
        imminent = assessment.level >= RiskLevel.IMMINENT
        if imminent:
            extra = (_text(crisis, "imminent_extra", where),)
            # The imminent line already says "call 911": that resource is shown, not said twice.
            replaced = set(crisis.get("imminent_replaces", []))
            resources = tuple(replace(r, spoken=False) if r.id in replaced else r
                              for r in resources)
        intro = str(crisis.get("resources_intro", "")).strip()
        return CrisisResponse(
            kind="crisis",
            level=RiskLevel(assessment.level),
            lang=lang,
            message=_text(crisis, "message", where),
            resources=resources,
            grounding=self.grounding(lang),
            alert=self._alert(assessment, True, lang),
            content_version=str(crisis.get("version", "")),
            extra=(*extra, intro) if intro and resources else extra,
            offer_grounding=not imminent or bool(crisis.get("grounding_offer_imminent", True)),
        )

    def _check_in(self, assessment: RiskAssessment, lang: str) -> CrisisResponse:
        data = self._load(lang, "checkins")
        questions = data.get("check_in", {})
        category = next((c for c in _CATEGORY_PRIORITY if c in assessment.categories), None)
        key = category.value if category is not None else RiskCategory.SUICIDE.value
        return CrisisResponse(
            kind="check_in",
            level=RiskLevel.CONCERN,
            lang=lang,
            message=_text(questions, key, f"{lang}/checkins.toml [check_in]"),
            resources=(),
            grounding=None,
            alert=self._alert(assessment, False, lang),
            content_version=str(data.get("version", "")),
        )

    def resources(
        self, lang: str, categories: Sequence[RiskCategory] | frozenset[RiskCategory] = ()
    ) -> tuple[Resource, ...]:
        """Resources for this protocol's country, general ones plus category-specific ones."""
        data = self._load(lang, "resources")
        entries = data.get("country", {}).get(self.country) or data.get("country", {}).get("US")
        if not entries:
            raise GuardrailContentError(f"{lang}/resources.toml: no resources for {self.country}")
        wanted = {c.value for c in categories}
        return tuple(
            Resource(id=str(entry["id"]), text=_text(entry, "text", f"{lang}/resources.toml"),
                     spoken=bool(entry.get("spoken", True)))
            for entry in entries
            if not entry.get("categories") or wanted & set(entry["categories"])
        )

    def grounding(self, lang: str) -> GroundingExercise:
        """The first grounding exercise for a language (others are offered on request)."""
        exercises = self.grounding_exercises(lang)
        return exercises[0]

    def grounding_exercises(self, lang: str) -> tuple[GroundingExercise, ...]:
        """All grounding exercises for a language, in file order."""
        data = self._load(lang, "grounding")
        items = tuple(
            GroundingExercise(
                id=str(item["id"]),
                title=_text(item, "title", f"{lang}/grounding.toml"),
                offer=_text(item, "offer", f"{lang}/grounding.toml"),
                steps=tuple(str(step) for step in item.get("steps", [])),
            )
            for item in data.get("exercise", [])
        )
        if not items:
            raise GuardrailContentError(f"{lang}/grounding.toml: no exercises")
        return items
