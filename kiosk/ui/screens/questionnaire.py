"""The questionnaire at the kiosk: the invitation after a rating, then one question a screen.

The screens stand on :class:`kiosk.questionnaire.flow.Walk` (held by :mod:`.questionnaire_walk` as
``app.questionnaire.walk``): they show ``walk.current`` and ``walk.progress()`` and forward a touch to
``app.questionnaire``, which stores the answer (``Walk.choose`` returns after COMMIT) before the next
question is drawn. Layouts are in
``kiosk/ui/kv/invitation.kv`` and ``question.kv``. The answer cards are made once and reused from
question to question (a tap only changes captions), so the next question is drawn in one frame.
"""

from __future__ import annotations

import re
from pathlib import Path

from kivy.clock import Clock
from kivy.factory import Factory
from kivy.lang import Builder
from kivy.properties import BooleanProperty, ListProperty, NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.widget import Widget

from rating.questionnaire.model import Question
from ..fonts import SYMBOL_CHARS, SYMBOLS
from .. import spoken as voice
from ..strings import NBSP, keep_whole, level_label, t
from ..widgets import LEVEL_COLOURS, LevelButton, Themed, fit_font_size
from .citizen import KioskScreen

KV = Path(__file__).resolve().parents[1] / "kv"
CHOICE_COLOUR = (0.13, 0.33, 0.58, 1)  # a profile question's choices (age band…): one colour, told apart by number
# A number and the word after it ("44 tuổi", "60 or"), and "trở lên": a line broken inside reads as two things.
_NUMBER_UNIT = re.compile(r"(\d+) (?=\w)")
_WHOLE = ("trở lên", "or over")


def card_words(text: str) -> str:
    """A choice's words for its card: the rating phrases (:func:`keep_whole`), a number with its unit and
    "trở lên" joined by no-break spaces, so lines break only between phrases (the card's font shrinks to fit)."""
    text = _NUMBER_UNIT.sub(lambda m: m.group(1) + NBSP, keep_whole(text))
    for phrase in _WHOLE:
        text = text.replace(phrase, phrase.replace(" ", NBSP))
    return text


class IconCard(Themed, ButtonBehavior, Widget):
    """One large answer: an icon (a symbol or the choice's number), its words and, with a keypad, its key.
    Told apart by icon, words and place, never by colour alone. A column in landscape, a row (``row``)
    in portrait. Layout in question.kv."""

    code = StringProperty("")
    caption = StringProperty("")
    icon = StringProperty("")
    icon_font = StringProperty("Roboto")
    key_hint = StringProperty("")
    row = BooleanProperty(False)
    chosen = BooleanProperty(False)  # the answer given before the citizen came back to this question
    pad = NumericProperty(6)
    natural_font = NumericProperty(24)
    font_cap = NumericProperty(10_000)
    card_colour = ListProperty(list(CHOICE_COLOUR))
    ink = ListProperty([1, 1, 1, 1])


def equal_words(cards) -> None:
    """Every card's words at the size the longest needs: answers that read as one set."""
    shown = [c for c in cards if c.parent is not None and c.ids.words.width > 1]
    sizes = [fit_font_size(c.caption.replace("\n", " "), c.ids.words.width, c.ids.words.height, c.natural_font,
                           10, c.ids.words.font_name, True) for c in shown]
    for c in shown:
        c.font_cap = min(sizes)


class InviteScreen(KioskScreen):
    """After the thank-you: "Xin Ông/Bà dành ít phút trả lời N câu hỏi?" — accept (key 1) or decline (key 0)."""

    count = NumericProperty(0)
    title_text = StringProperty("")
    keypad = BooleanProperty(False)
    has_picker = BooleanProperty(False)

    def __init__(self, app, **kwargs):
        super().__init__(app, name="invite", **kwargs)
        self.keypad = bool(app.cfg.keypad)
        self.has_picker = app.has_picker()
        # The next citizen's way in: the rating cards (a tap is a new rating), or with several counters one
        # button to the counter picker (the cards would rate the previous citizen's counter).
        self.next_cards: list = []
        if self.has_picker:
            pick = Factory.FitButton(text=t("q_next_pick", app.lang))
            pick.bind(on_release=lambda *_: app.go_home())
            self.ids.next_cards.add_widget(pick)
            self.next_pick = pick
        else:
            for level in app.cfg.scale.levels:
                card = LevelButton(level.code, row=True)
                card.bind(on_release=lambda c: app.rate(c.code, source="touch"))
                self.ids.next_cards.add_widget(card)
                self.next_cards.append(card)
            equal = Clock.create_trigger(lambda _dt: equal_words(self.next_cards), -1)
            for card in self.next_cards:
                card.ids.words.fbind("size", equal)
                card.fbind("caption", equal)
                card.fbind("natural_font", equal)
        self.accept, self.decline = self.ids.accept, self.ids.decline
        self.title = self.ids.title
        self.accept.icon, self.decline.icon = SYMBOL_CHARS["accept"], SYMBOL_CHARS["decline"]
        for card in (self.accept, self.decline):
            card.icon_font = SYMBOLS
        self.accept.bind(on_release=lambda *_: app.questionnaire.accept())
        self.decline.bind(on_release=lambda *_: app.questionnaire.decline())
        app.fbind("portrait", self._orient)
        app.fbind("lang", self._captions)
        self._orient()
        self._captions()
        equalise = Clock.create_trigger(lambda _dt: equal_words((self.accept, self.decline)), -1)
        for card in (self.accept, self.decline):  # yes and no in words of one size
            card.ids.words.fbind("size", equalise)
            card.fbind("caption", equalise)
            card.fbind("natural_font", equalise)

    def _orient(self, *_):
        for card in (self.accept, self.decline):
            card.row = self.app.portrait

    def _captions(self, *_):
        lang = self.app.lang
        self.accept.caption, self.decline.caption = t("q_accept", lang), t("q_decline", lang)
        self.accept.says, self.decline.says = voice.accept(lang), voice.decline(lang)
        for card, level in zip(self.next_cards, self.app.cfg.scale.levels):
            card.caption = level_label(level, lang)
            card.says = voice.level(level, lang)
        if self.has_picker:
            self.next_pick.text = t("q_next_pick", lang)
        self.accept.key_hint, self.decline.key_hint = ("1", "0") if self.keypad else ("", "")
        self.refresh()

    def refresh(self) -> None:
        walk = self.app.questionnaire.walk
        self.count = walk.total if walk is not None else 0
        self.title_text = walk.questionnaire.title(self.app.lang) if walk is not None else ""
        self.spoken = (voice.invite(walk.questionnaire, walk.total, self.app.lang),) if walk is not None else ()


class QuestionScreen(KioskScreen):
    """One question: its words large, the choices as big cards (best first, key N = the N-th), "Câu 3/19",
    Back and Skip on every question."""

    progress_text = StringProperty("")
    question_text = StringProperty("")
    can_go_back = BooleanProperty(False)
    keypad = BooleanProperty(False)
    footer_text = StringProperty("")

    def __init__(self, app, **kwargs):
        super().__init__(app, name="question", **kwargs)
        self.keypad = bool(app.cfg.keypad)
        self.cards_box = self.ids.cards
        self.question = self.ids.question
        self.back, self.skip, self.footer = self.ids.back, self.ids.skip, self.ids.footer
        self.finish = self.ids.finish
        self.levels: dict[str, LevelButton] = {}   # a scale's cards with their faces, made on first use
        self.choices: list[IconCard] = []          # numbered cards for profile questions, reused
        self.cards: list = []                      # the cards on screen now, in key order
        self._shown: tuple = ()
        self._equalise = Clock.create_trigger(lambda _dt: equal_words(self.cards), -1)
        app.fbind("portrait", self._orient)
        app.fbind("lang", lambda *_: self.refresh())

    # --- the cards ----------------------------------------------------------------------------

    def _level(self, code: str) -> LevelButton:
        card = self.levels.get(code)
        if card is None:
            card = self.levels[code] = LevelButton(code)
            card.bind(on_release=self._chosen)
            self._watch(card)
        return card

    def _choice(self, index: int) -> IconCard:
        while len(self.choices) <= index:
            # A profile question's answer (an age band, a visit's purpose) is its words: no big number beside
            # them (it read as part of the answer); a keypad's key is the card's small key hint instead.
            card = IconCard()
            card.bind(on_release=self._chosen)
            self._watch(card)
            self.choices.append(card)
        return self.choices[index]

    def _watch(self, card) -> None:
        card.row = self.app.portrait
        card.ids.words.fbind("size", self._equalise)
        card.fbind("caption", self._equalise)
        card.fbind("natural_font", self._equalise)

    def _cards_for(self, question: Question) -> list:
        if all(code in LEVEL_COLOURS for code in question.codes):  # a satisfaction scale: faces, as on the rating screen
            return [self._level(code) for code in question.codes]
        return [self._choice(i) for i in range(len(question.choices))]

    def _orient(self, *_):
        for card in [*self.levels.values(), *self.choices]:
            card.row = self.app.portrait

    def _chosen(self, card) -> None:
        self.app.questionnaire.answer(card.code)

    # --- showing a question -------------------------------------------------------------------

    def refresh(self) -> None:
        """Draw the walk's current question in the citizen's language."""
        walk, lang = self.app.questionnaire.walk, self.app.lang
        question = walk.current if walk is not None else None
        if question is None:
            return
        cards = self._cards_for(question)
        if tuple(cards) != self._shown:  # only a different kind of question changes the cards on screen
            self.cards_box.clear_widgets()
            for card in cards:
                self.cards_box.add_widget(card)
            self._shown = tuple(cards)
        self.cards = cards
        before = walk.previous_answer()
        for n, (card, choice) in enumerate(zip(cards, question.choices), start=1):
            card.code = choice.code
            card.caption = card_words(choice.vi if lang == "vi" else choice.en)
            card.says = voice.choice(walk.questionnaire, question, choice, lang)
            card.key_hint = str(n) if self.keypad else ""
            card.chosen = choice.code == before and question.id in walk.given
        self.progress_text = walk.progress(lang)
        self.question_text = question.text(lang)
        self.spoken = (voice.ask(walk.questionnaire, question, lang),)
        self.can_go_back = walk.can_go_back
        text = t("tap_one", lang)
        if self.keypad:
            text += " — " + t("q_keys", lang, first=1, last=len(question.choices))
        self.footer_text = text


Builder.load_file(str(KV / "question.kv"))
Builder.load_file(str(KV / "invitation.kv"))
