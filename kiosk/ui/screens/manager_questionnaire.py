"""The manager's questionnaire tab: turn a questionnaire on or off, and see this kiosk's own results.

Touch only, big targets: steppers (« ») choose the questionnaire (shipped and the centre's own), where
(the whole kiosk or one counter) and the last day; two buttons choose how it is asked (``invite``
after the rating, or ``replace`` the rating). Start and stop call the same API as ``python main.py
questionnaire start|stop``; the results are :func:`rating.questionnaire.analysis.analyse` over this
quarter (overall index, element indexes, N, the small-sample flag). Layout in
``kiosk/ui/kv/manager_questionnaire.kv`` (loaded with the other manager layouts).
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from rating import period as periods, vnformat
from rating.questionnaire.analysis import analyse
from ...questionnaire.answers import (DefinitionChanged, active_list, check_definition, start_questionnaire,
                                      stop_questionnaire)
from rating.questionnaire.loader import load_catalogue, questionnaire_dirs
from ...questionnaire.schema import ALL_COUNTERS
from ..strings import t

log = logging.getLogger("kiosk.manager")

class QuestionnairePanel(BoxLayout):
    """Start and stop a questionnaire; what is on; this kiosk's results for the chosen questionnaire."""

    fs = NumericProperty(16)
    portrait = BooleanProperty(False)
    labels = ObjectProperty({}, rebind=True)
    which_text = StringProperty("")
    which_title = StringProperty("")  # the title alone: on a 7" panel (its id and version are on the "Đang bật" line)
    where_text = StringProperty("")
    until_text = StringProperty("")
    mode = StringProperty("invite")
    now_text = StringProperty("")
    message = StringProperty("")
    message_bad = BooleanProperty(False)
    can_stop = BooleanProperty(False)   # something is on at the chosen place: "Tắt phiếu ở đây" does something
    has_end = BooleanProperty(False)    # a last day is chosen: "Bỏ hạn" can clear it (else the row says "Không hạn")
    results_title = StringProperty("")
    results_text = StringProperty("")
    screen = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.catalogue = None
        self.index = 0            # which questionnaire of the catalogue
        self.scope = 0            # 0: the whole kiosk, n: the n-th counter
        self.until: date | None = None

    # --- reading ------------------------------------------------------------------------------

    @property
    def app(self):
        """The kiosk app (through the manager screen)."""
        return self.screen.app

    def questionnaires(self) -> list:
        """The questionnaires that may be started: shipped and the centre's own, read once per opening."""
        return self.catalogue.questionnaires if self.catalogue else []

    def chosen(self):
        """The questionnaire the steppers show, or None when there is none."""
        found = self.questionnaires()
        return found[self.index % len(found)] if found else None

    def counter_id(self) -> str | None:
        """The counter chosen, or None for the whole kiosk."""
        return None if self.scope == 0 else self.app.cfg.counters[self.scope - 1].id

    def refresh(self, reload: bool = True) -> None:
        """Re-read the catalogue (when ``reload``), what is on and the results; redraw the words."""
        app, lang = self.app, self.app.lang
        if reload or self.catalogue is None:
            self.catalogue = load_catalogue(questionnaire_dirs(app.cfg))
            for error in self.catalogue.errors:
                log.error("questionnaire file refused: %s", error)
            self._choose_running(active_list(app.store))
        self.labels = {key: t(key, lang) for key in (
            "mq_which", "mq_where", "mq_how", "mq_until", "mq_invite", "mq_replace", "mq_no_end", "mq_clear_end", "mq_start",
            "mq_stop")}
        q = self.chosen()
        self.which_text = f"{q.title(lang)} ({q.id} v{q.version})" if q else t("mq_none_found", lang)
        self.which_title = q.title(lang) if q else self.which_text
        counter = self.counter_id()
        self.where_text = t("mq_whole_kiosk", lang) if counter is None else app.cfg.counter(counter).name
        self.until_text = vnformat.day(self.until) if self.until else t("mq_no_end", lang)
        self.has_end = self.until is not None
        rows = active_list(app.store)
        # at a counter, a kiosk-wide questionnaire keeps the button live: stopping says why it cannot
        self.can_stop = bool(rows) if counter is None else any(r[0] in (counter, ALL_COUNTERS) for r in rows)
        self.now_text = self._on_now(lang, rows)
        self._results(q, lang)

    def _choose_running(self, rows) -> None:
        """The tab opens on the questionnaire that is running (the kiosk-wide one first, else the first
        counter's), with its place, way of asking and last day: the manager came to see or stop it, not to
        step through the catalogue to find it. Nothing running: the choices stay as they were."""
        found = self.questionnaires()
        rows = sorted(rows, key=lambda r: r[0] != ALL_COUNTERS)
        for counter, qid, version, mode, until in rows:
            at = next((i for i, q in enumerate(found) if q.id == qid and str(q.version) == str(version)),
                      next((i for i, q in enumerate(found) if q.id == qid), None))
            if at is None:
                continue
            ids = [c.id for c in self.app.cfg.counters]
            self.index = at
            self.scope = 0 if counter == ALL_COUNTERS or counter not in ids else ids.index(counter) + 1
            self.mode = mode
            self.until = date.fromisoformat(until) if until else None
            return

    def _on_now(self, lang: str, rows) -> str:
        if not rows:
            return t("mq_nothing_on", lang)
        lines = []
        for counter, qid, version, mode, until in rows:
            where = t("mq_whole_kiosk", lang) if counter == ALL_COUNTERS else t("counter", lang) + " " + counter
            end = t("mq_until_day", lang, day=vnformat.day(date.fromisoformat(until))) if until else ""
            lines.append(t("mq_on_line", lang, id=qid, version=version, where=where,
                           how=t("mq_invite" if mode == "invite" else "mq_replace", lang).lower()) + end)
        return "\n".join(lines)

    def _results(self, q, lang: str) -> None:
        table = self.ids.table
        if q is None:
            self.results_title, self.results_text = "", ""
            table.fill([t("mq_element", lang)], [], self.fs)
            return
        today = self.app.store.today()
        d_from, d_to = periods.this_quarter(today)
        result = analyse(self.app.store, q, d_from, d_to, compare=False)[0]
        self.results_title = t("mq_results", lang, quarter=periods.quarter_label(today),
                               period=vnformat.period(d_from, d_to))
        small = ("  ·  " + t("mq_small", lang)) if result["small_sample"] else ""
        self.results_text = (t("mq_index", lang, index=vnformat.percent(result["index"], lang=lang),
                               n=vnformat.integer(result["responses"], lang))
                             + small + "\n" + t("mq_star", lang))
        rows = []
        for element in result["elements"]:
            name = q.element(element["id"]).vi if lang == "vi" else q.element(element["id"]).en
            rows.append([name + ("" if element["in_index"] else " *"), vnformat.percent(element["index"], lang=lang),
                         vnformat.integer(element["answered"], lang)
                         + (f" ({t('mq_small_short', lang)})" if element["small_sample"] else "")])
        table.fill([t("mq_element", lang), t("mq_col_index", lang), t("mq_col_answered", lang)], rows, self.fs)

    # --- the touch targets --------------------------------------------------------------------

    def step_which(self, by: int) -> None:
        """« » on the questionnaire row."""
        self.app.touched()
        self.index += by
        self.message = ""
        self.refresh(reload=False)

    def step_where(self, by: int) -> None:
        """« » on the where row: the whole kiosk, then each counter."""
        self.app.touched()
        self.scope = (self.scope + by) % (len(self.app.cfg.counters) + 1)
        self.message = ""
        self.refresh(reload=False)

    def choose_mode(self, mode: str) -> None:
        """Ask after the rating (``invite``) or instead of it (``replace``)."""
        self.app.touched()
        self.mode = mode

    def step_until(self, days: int) -> None:
        """« » on the last-day row: a day earlier or later (never before today); from "no end", today + 7 days."""
        self.app.touched()
        today = self.app.store.today()
        self.until = max(today, (self.until or today + timedelta(days=7 - days)) + timedelta(days=days))
        self.refresh(reload=False)

    def no_end(self) -> None:
        """On until stopped."""
        self.app.touched()
        self.until = None
        self.refresh(reload=False)

    def start(self) -> None:
        """"Bật phiếu": turn the chosen questionnaire on, as ``questionnaire start`` does."""
        self.app.touched()
        q, lang = self.chosen(), self.app.lang
        if q is None:
            return
        try:
            check_definition(self.app.store, q)
            start_questionnaire(self.app.store, q, counter_id=self.counter_id(), until=self.until, mode=self.mode)
        except (ValueError, DefinitionChanged) as e:
            self._say(t("mq_not_started", lang, error=e), bad=True)
            return
        log.info("the manager turned questionnaire %s v%s on (%s, %s, until %s)", q.id, q.version,
                 self.counter_id() or "every counter", self.mode, self.until)
        self._say(t("mq_started", lang, id=q.id, where=self.where_text))
        self.refresh(reload=False)

    def stop(self) -> None:
        """"Tắt phiếu": turn off what is on at the chosen place (the whole kiosk: everything)."""
        self.app.touched()
        lang = self.app.lang
        try:
            stopped = stop_questionnaire(self.app.store, self.counter_id())
        except ValueError as e:
            self._say(t("mq_not_stopped", lang, error=e), bad=True)
            return
        log.info("the manager turned questionnaires off at %s", stopped or "nowhere (none was on)")
        self._say(t("mq_stopped", lang) if stopped else t("mq_nothing_on", lang))
        self.refresh(reload=False)

    def _say(self, text: str, bad: bool = False) -> None:
        self.message, self.message_bad = text, bad
