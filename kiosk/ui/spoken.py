"""What each citizen screen says aloud, and each card when it is touched: the prompts (:class:`kiosk.speech.Prompt`)
built from the same catalogue the screens show (:mod:`kiosk.ui.strings`), so the voice never says other words.

A prompt's name is the file a centre records it under (``assets/sounds/<name>.wav``; the list is in
``assets/sounds/README.md``). No Kivy here: this module is tested alone, and the renderer script uses it.
"""

from __future__ import annotations

from typing import Iterable

from rating.questionnaire.loader import SHIPPED_DIR as SHIPPED_QUESTIONNAIRES
from rating.questionnaire.loader import load_catalogue
from rating.questionnaire.model import Choice, Question, Questionnaire
from rating.scales import SCALES, Level
from rating.sipas import ELEMENTS

from ..config import Config, Counter
from ..speech import Prompt
from .strings import t

LANGS = ("vi", "en")


def _join(*parts: str) -> str:
    return " ".join(p.strip() for p in parts if p and p.strip())


def question(cfg: Config | None, lang: str = "vi") -> Prompt:
    """The rating screen: the centre's own question (Vietnamese), else the catalogue's."""
    own = cfg.question if cfg is not None else None
    return Prompt("question", own if (own and lang == "vi") else t("question", lang), lang)


def pick(lang: str = "vi") -> Prompt:
    """The counter picker: "Ông/Bà vừa làm thủ tục tại quầy nào?"."""
    return Prompt("pick", t("pick_counter", lang), lang)


def counter(c: Counter) -> Prompt:
    """A counter's name, as touched (its words are the centre's, in Vietnamese)."""
    return Prompt(f"counter-{c.id}", c.name, "vi")


def level(lv: Level, lang: str = "vi") -> Prompt:
    """A rating card, as touched: "Rất hài lòng"."""
    return Prompt(f"level-{lv.code}", lv.vi if lang == "vi" else lv.en, lang)


def reasons(lang: str = "vi") -> Prompt:
    """The reasons screen after a low rating."""
    return Prompt("reasons", _join(t("reasons_title", lang), t("reasons_hint", lang)), lang)


def reason(code: str, lang: str = "vi") -> Prompt:
    """A reason's card, as touched."""
    return Prompt(f"reason-{code}", t(f"reason_{code}", lang), lang)


def thanks(kind: str = "vote", lang: str = "vi") -> Prompt:
    """The thank-you: after a rating (``thanks``, the file name earlier releases documented) or a questionnaire."""
    if kind == "questionnaire":
        return Prompt("thanks-questionnaire", _join(t("thanks_title", lang), t("q_thanks_body", lang)), lang)
    return Prompt("thanks", _join(t("thanks_title", lang), t("thanks_body", lang)), lang)


def closed(lang: str = "vi") -> Prompt:
    """The closed screen."""
    return Prompt("closed", _join(t("closed_title", lang), t("closed_body", lang)), lang)


def invite(q: Questionnaire, count: int, lang: str = "vi") -> Prompt:
    """The questionnaire's invitation (it names how many questions, so one a questionnaire)."""
    return Prompt(f"invite-{q.id}", _join(t("q_invite_title", lang, n=count), t("q_invite_body", lang)), lang)


def accept(lang: str = "vi") -> Prompt:
    """The invitation's "Đồng ý trả lời" card, as touched."""
    return Prompt("accept", t("q_accept", lang), lang)


def decline(lang: str = "vi") -> Prompt:
    """The invitation's "Không, cảm ơn" card, as touched."""
    return Prompt("decline", t("q_decline", lang), lang)


def ask(q: Questionnaire, qn: Question, lang: str = "vi") -> Prompt:
    """A question of the questionnaire, when it appears."""
    return Prompt(f"{q.id}-{qn.id}", qn.text(lang), lang)


def choice(q: Questionnaire, qn: Question, ch: Choice, lang: str = "vi") -> Prompt:
    """A question's answer card, as touched: a satisfaction level says what the rating card says."""
    if qn.scale is not None and ch.code in qn.scale.codes:
        return level(qn.scale.level(ch.code), lang)
    return Prompt(f"{q.id}-{qn.id}-{ch.code}", ch.vi if lang == "vi" else ch.en, lang)


def warning(lang: str = "vi") -> Prompt:
    """The timeout warning: "Ông/Bà cần thêm thời gian?"."""
    return Prompt("warning", _join(t("warn_title", lang), t("more_time", lang)), lang)


def for_questionnaire(q: Questionnaire, langs: Iterable[str] = LANGS) -> list[Prompt]:
    """Everything a questionnaire's kiosk questions say: the invitation, each question, each card."""
    asked = q.for_channel("kiosk")
    out: list[Prompt] = []
    for lang in langs:
        if asked:
            out += [invite(q, q.asked("kiosk"), lang), accept(lang), decline(lang), thanks("questionnaire", lang)]
        for qn in asked:
            out.append(ask(q, qn, lang))
            out += [choice(q, qn, ch, lang) for ch in qn.choices]
    return out


def fixed(langs: Iterable[str] = LANGS) -> list[Prompt]:
    """The catalogue's prompts, whatever the configuration: the screens, every scale's levels, the reasons."""
    out: list[Prompt] = []
    for lang in langs:
        out += [question(None, lang), pick(lang), reasons(lang), thanks("vote", lang), thanks("questionnaire", lang),
                closed(lang), warning(lang), accept(lang), decline(lang)]
        levels = {lv.code: lv for scale in SCALES.values() for lv in scale.levels}
        out += [level(lv, lang) for lv in levels.values()]
        out += [reason(code, lang) for code in ELEMENTS]
    return _unique(out)


def for_config(cfg: Config, questionnaires: Iterable[Questionnaire] = (), langs: Iterable[str] = LANGS) -> list[Prompt]:
    """Everything this kiosk may say: the fixed prompts, the centre's question and counters, its questionnaires."""
    langs = tuple(langs)
    out = fixed(langs) + [question(cfg, lang) for lang in langs] + [counter(c) for c in cfg.counters]
    for q in questionnaires:
        out += for_questionnaire(q, langs)
    return _unique(out)


def shipped(langs: Iterable[str] = LANGS) -> list[Prompt]:
    """Every prompt of the texts the kiosk ships (what ``scripts/render_prompts.py`` renders into
    ``assets/sounds/rendered/``): the fixed ones and the shipped questionnaires'."""
    langs = tuple(langs)
    out = fixed(langs)
    for q in load_catalogue([SHIPPED_QUESTIONNAIRES]).questionnaires:
        out += for_questionnaire(q, langs)
    return _unique(out)


def _unique(prompts: list[Prompt]) -> list[Prompt]:
    return list(dict.fromkeys(prompts))
