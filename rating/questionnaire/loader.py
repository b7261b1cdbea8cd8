"""Reading questionnaire files: TOML, validated up front, refused with the file, line and key.

The format is documented in ``docs/questionnaire.md``. As with the kiosk's configuration, every
problem is listed at once and unknown keys are errors. A file that asks for personal data (a name, a
phone number, an ID number, an address, an e-mail) is refused: the questionnaires are anonymous.

The catalogue is the shipped folder (``assets/questionnaires``) plus the centre's own folder
(``[questionnaire] dir`` in the kiosk configuration).
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import tomllib
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from rating.textfile import Locator as _Locator, read_text_file
from rating.scales import SCALES, get_scale
from rating.questionnaire.model import CHANNELS, PROFILE_KINDS, TYPING_CHANNELS, Choice, Element, Question, Questionnaire

SHIPPED_DIR = Path(__file__).resolve().parent.parent.parent / "assets" / "questionnaires"

_ID_RE = re.compile(r"^[a-z0-9][a-z0-9_-]{0,47}\Z")
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}\Z")
# Names, phone numbers, ID-card numbers, addresses, e-mail: never asked (in English and Vietnamese
# without diacritics), whether as a question id, a profile kind or a key. Matched as whole words of an
# id, with or without the '_'/'-' between their parts ("so-dien-thoai", "sodienthoai", "phone_number").
_PERSONAL_TERMS = (
    "name", "names", "full_name", "first_name", "last_name", "ho_ten", "ho_va_ten", "ten", "phone", "phone_number",
    "mobile", "tel", "telephone", "dien_thoai", "so_dien_thoai", "sdt", "so_dt", "cccd", "cmnd", "can_cuoc",
    "id_number", "id_card", "identity", "passport", "ho_chieu", "email", "e_mail", "address", "dia_chi",
)
_PERSONAL_WORDS = frozenset(_PERSONAL_TERMS) | {t.replace("_", "") for t in _PERSONAL_TERMS}


def asks_personal_data(name: str) -> bool:
    """True when an id, kind or key names personal data (a name, phone, ID number, address, e-mail)."""
    words = re.split(r"[_\W]+", name.lower().replace("-", "_"))
    joined = [w for w in words if w]
    # every run of consecutive words, joined with '_' and without: catches "so-dien-thoai" and "sodienthoai"
    for i in range(len(joined)):
        for j in range(i + 1, min(len(joined), i + 4) + 1):
            run = joined[i:j]
            if "_".join(run) in _PERSONAL_WORDS or "".join(run) in _PERSONAL_WORDS:
                return True
    return False


PERSONAL_DATA = "asks for personal data: questionnaires are anonymous (never names, phone numbers or ID numbers)"


class QuestionnaireError(ValueError):
    """A questionnaire file cannot be used; ``problems`` lists every reason, one line each."""

    def __init__(self, source: str, problems: list[str]):
        self.source, self.problems = source, problems
        super().__init__(f"{source}: invalid questionnaire\n" + "\n".join(f"  - {p}" for p in problems))


Check = Callable[[Any], str | None]


def _text(v: Any) -> str | None:
    if not isinstance(v, str) or not v.strip():
        return "a non-empty string"
    if unicodedata.normalize("NFC", v) != v:
        return "text in Unicode NFC form (Vietnamese letters precomposed; re-save the file as NFC)"
    return None


def _ident(v: Any) -> str | None:
    ok = isinstance(v, str) and _ID_RE.match(v)
    return None if ok else "an id of lower-case letters, digits, '_' or '-' (at most 48)"


def _version(v: Any) -> str | None:
    ok = isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 9999
    return None if ok else "a whole number from 1 to 9999"


def _scale(v: Any) -> str | None:
    return None if v in SCALES else f"one of {', '.join(SCALES)}"


def _channels(v: Any) -> str | None:
    ok = isinstance(v, list) and v and all(c in CHANNELS for c in v) and len(set(v)) == len(v)
    return None if ok else f"a list of channels from {', '.join(CHANNELS)}, each once"


def _bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "true or false"


def _profile_kind(v: Any) -> str | None:
    return None if v in PROFILE_KINDS else f"one of {', '.join(PROFILE_KINDS)}"


def _max_length(v: Any) -> str | None:
    ok = isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 2000
    return None if ok else "a whole number from 1 to 2000"


def _choices(v: Any) -> str | None:
    expected = "a list of 2 to 9 choices written {code = \"...\", vi = \"...\", en = \"...\"}"
    if not isinstance(v, list) or not 2 <= len(v) <= 9:
        return expected
    codes = set()
    for c in v:
        if not isinstance(c, dict) or set(c) != {"code", "vi", "en"}:
            return expected
        if not isinstance(c["code"], str) or not _CODE_RE.match(c["code"]):
            return f"choice codes of letters, digits, '_' or '-' (got {c['code']!r})"
        if _text(c["vi"]) or _text(c["en"]):
            return f"choice {c['code']!r}: vi and en as " + (_text(c["vi"]) or _text(c["en"]))
        codes.add(c["code"])
    return None if len(codes) == len(v) else "choices with different codes"


Spec = dict[str, tuple[Check, bool, Any]]  # key -> (check, required, default)
_TOP: Spec = {
    "id": (_ident, True, None), "version": (_version, True, None), "scale": (_scale, False, "sipas5"),
    "channels": (_channels, False, list(CHANNELS)),
}
_TOP_TABLES = {"title": "table", "intro": "table", "elements": "array", "questions": "array",
               "profile": "array", "closing": "table"}
_WORDING: Spec = {"vi": (_text, True, None), "en": (_text, True, None)}
_ELEMENT: Spec = {"id": (_ident, True, None), "vi": (_text, True, None), "en": (_text, True, None),
                  "in_index": (_bool, False, True)}
_QUESTION: Spec = {"id": (_ident, True, None), "element": (_ident, True, None), "vi": (_text, True, None),
                   "en": (_text, True, None), "scale": (_scale, False, None), "channels": (_channels, False, None)}
_PROFILE: Spec = {"id": (_ident, True, None), "kind": (_profile_kind, True, None), "vi": (_text, True, None),
                  "en": (_text, True, None), "choices": (_choices, True, None), "channels": (_channels, False, None)}
_CLOSING: Spec = {"id": (_ident, True, None), "vi": (_text, True, None), "en": (_text, True, None),
                  "channels": (_channels, False, list(TYPING_CHANNELS)), "max_length": (_max_length, False, 500)}


class _Checker:
    """Collects problems, each prefixed with the line and the key it is about."""

    def __init__(self, text: str):
        self.loc = _Locator(text)
        self.problems: list[str] = []

    def where(self, section: str | None, index: int | None, key: str | None) -> str:
        label = "" if section is None else (f"[{section}]" if index is None else f"[[{section}]] #{index + 1}")
        label = f"{label} {key}".strip() if key else label
        line = self.loc.line_of(section, index, key) if key or section else None
        if line is None and key and section is not None:
            line = self.loc.line_of(section, index, None)
        return f"line {line}: {label}" if line else label

    def add(self, section: str | None, index: int | None, key: str | None, message: str) -> None:
        self.problems.append(f"{self.where(section, index, key)}: {message}")

    def table(self, table: Any, spec: Spec, section: str | None, index: int | None,
              extra_ok: Iterable[str] = ()) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if not isinstance(table, dict):
            self.add(section, index, None, "expected a table")
            return out
        for key in table:
            if key in spec or key in extra_ok:
                continue
            why = PERSONAL_DATA if asks_personal_data(key) else f"unknown key (known keys: {', '.join(spec)})"
            self.add(section, index, key, why)
        for key, (check, required, default) in spec.items():
            if key not in table:
                if required:
                    self.add(section, index, None, f"missing required key {key!r}")
                out[key] = default
                continue
            expected = check(table[key])
            if expected:
                got = repr(table[key])
                self.add(section, index, key, f"expected {expected}, got {got if len(got) <= 80 else got[:77] + '...'}")
                out[key] = None
            else:
                out[key] = table[key]
        return out

    def array(self, raw: dict, name: str, spec: Spec, required: bool) -> list[dict[str, Any]]:
        items = raw.get(name, [])
        if not isinstance(items, list):
            self.add(None, None, None, f"[{name}]: expected an array of tables, written [[{name}]]")
            return []
        if required and not items:
            self.add(None, None, None, f"[[{name}]]: at least one is needed")
        return [self.table(item, spec, name, i) for i, item in enumerate(items)]


def definition_hash(canonical: str) -> str:
    """Hex SHA-256 of a definition's canonical JSON (UTF-8)."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def canonical_definition(raw: dict[str, Any]) -> str:
    """The file's content as canonical JSON: sorted keys, no whitespace, non-ASCII as itself.

    Comments, key order and layout do not change it; any change of content does.
    """
    return json.dumps(raw, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def parse_questionnaire(text: str, source: str = "<text>") -> Questionnaire:
    """Validate TOML text and build a :class:`Questionnaire`; raise :class:`QuestionnaireError` listing every problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise QuestionnaireError(source, [f"not valid TOML: {e}"]) from None
    c = _Checker(text)
    top = c.table({k: v for k, v in raw.items() if k not in _TOP_TABLES}, _TOP, None, None)
    for name, kind in _TOP_TABLES.items():
        if name in raw and kind == "table" and not isinstance(raw[name], dict):
            c.add(name, None, None, "expected a table")
    title = c.table(raw.get("title", {}), _WORDING, "title", None)
    intro = c.table(raw.get("intro", {}), _WORDING, "intro", None)
    elements_raw = c.array(raw, "elements", _ELEMENT, required=True)
    questions_raw = c.array(raw, "questions", _QUESTION, required=True)
    profile_raw = c.array(raw, "profile", _PROFILE, required=False)
    closing_raw = c.table(raw["closing"], _CLOSING, "closing", None) if isinstance(raw.get("closing"), dict) else None
    all_channels = tuple(top.get("channels") or CHANNELS)

    elements: list[Element] = []
    for i, e in enumerate(elements_raw):
        if e.get("id") is None:
            continue
        if e["id"] in {x.id for x in elements}:
            c.add("elements", i, "id", f"duplicate element id {e['id']!r}")
        elements.append(Element(e["id"], e.get("vi") or "", e.get("en") or "", bool(e.get("in_index", True))))
    element_ids = [e.id for e in elements]
    if elements and not any(e.in_index for e in elements):
        c.add("elements", 0, "in_index", "at least one element must count in the overall index")

    questions: list[Question] = []
    seen: set[str] = set()

    def check_id(section: str, i: int, qid: str | None) -> bool:
        if qid is None:
            return False
        if qid in seen:
            c.add(section, i, "id", f"duplicate question id {qid!r}")
        if asks_personal_data(qid):
            c.add(section, i, "id", f"{qid!r} {PERSONAL_DATA}")
        seen.add(qid)
        return True

    def channels_of(section: str, i: int | None, given: list[str] | None, default: tuple[str, ...]) -> tuple[str, ...]:
        chosen = tuple(given) if given else default
        outside = [ch for ch in chosen if ch not in all_channels]
        if outside:
            c.add(section, i, "channels", f"{', '.join(outside)} not among the questionnaire's channels "
                                          f"({', '.join(all_channels)})")
        return chosen

    default_scale = top.get("scale") or "sipas5"
    for i, q in enumerate(questions_raw):
        ok = check_id("questions", i, q.get("id"))
        if q.get("element") is not None and q["element"] not in element_ids:
            c.add("questions", i, "element", f"unknown element {q['element']!r} (known: {', '.join(element_ids)})")
            ok = False
        if not ok or not q.get("vi") or not q.get("en"):
            continue
        scale = get_scale(q.get("scale") or default_scale)
        questions.append(Question(
            id=q["id"], kind="scale", vi=q["vi"], en=q["en"], element=q["element"],
            choices=tuple(Choice(lv.code, lv.vi, lv.en) for lv in scale.levels),
            channels=channels_of("questions", i, q.get("channels"), all_channels), scale=scale))
    for e in elements:
        if not any(q.element == e.id for q in questions) and not c.problems:
            c.add("elements", element_ids.index(e.id), "id", f"element {e.id!r} has no questions")
    for i, p in enumerate(profile_raw):
        ok = check_id("profile", i, p.get("id"))
        kind = raw["profile"][i].get("kind") if isinstance(raw["profile"][i], dict) else None
        if isinstance(kind, str) and asks_personal_data(kind):
            c.add("profile", i, "kind", f"{kind!r} {PERSONAL_DATA}")
        if not ok or not p.get("kind") or not p.get("choices") or not p.get("vi") or not p.get("en"):
            continue
        questions.append(Question(
            id=p["id"], kind="profile", vi=p["vi"], en=p["en"], element=None,
            choices=tuple(Choice(ch["code"], ch["vi"], ch["en"]) for ch in p["choices"]),
            channels=channels_of("profile", i, p.get("channels"), all_channels), profile_kind=p["kind"]))
    if closing_raw is not None and check_id("closing", None, closing_raw.get("id")):
        chans = channels_of("closing", None, closing_raw.get("channels"),
                            tuple(ch for ch in TYPING_CHANNELS if ch in all_channels))
        no_typing = [ch for ch in chans if ch not in TYPING_CHANNELS]
        if no_typing:
            c.add("closing", None, "channels", f"a free-text question only where a citizen can type "
                                               f"({', '.join(TYPING_CHANNELS)}); not on {', '.join(no_typing)}")
        if closing_raw.get("vi") and closing_raw.get("en"):
            questions.append(Question(
                id=closing_raw["id"], kind="text", vi=closing_raw["vi"], en=closing_raw["en"], element=None,
                choices=(), channels=chans, max_length=closing_raw.get("max_length") or 500))

    if c.problems:
        raise QuestionnaireError(source, c.problems)
    canonical = canonical_definition(raw)
    return Questionnaire(
        id=top["id"], version=top["version"], title_vi=title["vi"], title_en=title["en"],
        intro_vi=intro["vi"], intro_en=intro["en"], elements=tuple(elements), questions=tuple(questions),
        definition_hash=definition_hash(canonical), definition=canonical, source=source)


def load_file(path: str | Path) -> Questionnaire:
    """Read and validate one questionnaire file; :class:`QuestionnaireError` names the file on any problem."""
    p = Path(path)
    return parse_questionnaire(read_text_file(p, QuestionnaireError), source=str(p))


@functools.lru_cache(maxsize=32)  # the kiosk asks for the active questionnaire for every citizen
def from_definition(canonical: str, source: str = "<stored definition>") -> Questionnaire:
    """Rebuild a questionnaire from the canonical JSON a store keeps beside its answers.

    The JSON is the parsed TOML; it is written back as TOML and validated like a file, and must
    hash to the same definition hash.
    """
    q = parse_questionnaire(_to_toml(json.loads(canonical)), source)
    if q.definition != canonical:
        raise QuestionnaireError(source, ["the stored definition does not round-trip; it may have been edited"])
    return q


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(f"cannot write {type(v).__name__} as TOML")


def _to_toml(raw: dict[str, Any]) -> str:
    """The parsed content written back as TOML (for a definition read from the store)."""
    out = [f"{k} = {_toml_value(v)}" for k, v in raw.items() if not isinstance(v, (dict, list)) or k == "channels"]
    for k, v in raw.items():
        if isinstance(v, dict):
            out.append(f"[{k}]")
            out += [f"{kk} = {_toml_value(vv)}" for kk, vv in v.items()]
        elif isinstance(v, list) and k != "channels":
            for item in v:
                out.append(f"[[{k}]]")
                out += [f"{kk} = {_toml_value(vv)}" for kk, vv in item.items()]
    return "\n".join(out) + "\n"


@dataclass
class Catalogue:
    """The questionnaires found in some folders, and the files refused (each with its problems)."""

    questionnaires: list[Questionnaire]
    errors: list[QuestionnaireError]

    def get(self, qid: str, version: int | None = None) -> Questionnaire:
        """The questionnaire ``qid`` (its highest version unless ``version``); ``KeyError`` listing the known ids."""
        found = [q for q in self.questionnaires if q.id == qid and (version is None or q.version == version)]
        if not found:
            known = ", ".join(sorted({q.id for q in self.questionnaires})) or "none"
            what = f"{qid!r}" + (f" version {version}" if version is not None else "")
            raise KeyError(f"no questionnaire {what} (known: {known})")
        return max(found, key=lambda q: q.version)


def questionnaire_dirs(config=None) -> list[Path]:
    """The shipped folder, then the centre's own (``[questionnaire] dir``) when configured."""
    dirs = [SHIPPED_DIR]
    extra = getattr(config, "questionnaire_dir", None) if config is not None else None
    if extra is not None:
        dirs.append(Path(extra))
    return dirs


def load_catalogue(dirs: Iterable[Path]) -> Catalogue:
    """Every ``*.toml`` in ``dirs``: the valid ones, and the refused files with their problems.

    The same id and version in two files is refused too (which one would answers belong to?).
    """
    good: list[Questionnaire] = []
    errors: list[QuestionnaireError] = []
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            errors.append(QuestionnaireError(str(folder), ["the questionnaire folder does not exist"]))
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                q = load_file(path)
            except QuestionnaireError as e:
                errors.append(e)
                continue
            twin = next((x for x in good if x.key == q.key), None)
            if twin is not None:
                errors.append(QuestionnaireError(str(path), [f"{q.id} version {q.version} is already defined in "
                                                             f"{twin.source}; give this one a new version"]))
                continue
            good.append(q)
    good.sort(key=lambda q: (q.id, q.version))
    return Catalogue(good, errors)
