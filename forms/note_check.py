"""Whether a 说明 explains a 警告: it must say something once stock phrases are taken out.

The phrases, the least length and the guide text shown to the user are data
(``resources/note_phrases.yaml``) the district can extend without a new release.
"""

from __future__ import annotations

import functools
import unicodedata
from pathlib import Path

from records import record
from resources import resource_path
from user_error import UserError

__all__ = ["NotePolicy", "NotePolicyError", "note_policy", "note_problem", "note_is_acceptable"]


class NotePolicyError(UserError, ValueError):
    """``note_phrases.yaml`` cannot be used: names the file and what is wrong."""


@record(frozen=True)
class NotePolicy:
    phrases: tuple[str, ...]  # longest first, lower-case
    min_letters: int
    min_length: int
    guide: str


def load_note_policy(path: Path) -> NotePolicy:
    """The policy in ``path``; the one checked from the same bytes before (kept as JSON beside the
    form catalogue's cache, ``_cached``) without importing PyYAML, whose import and parsing were a
    sixth of a headless command's fixed cost."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise NotePolicyError(f"无法读取说明套话文件 {path.name}：{exc}") from None
    key = _cache_key(raw)
    policy = _cached(key)
    if policy is None:
        policy = _checked(path, raw)
        _keep(key, policy)
    return policy


def _checked(path: Path, raw: bytes) -> NotePolicy:
    import yaml  # only when the file changed since it was last checked: PyYAML stays off the start path

    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise NotePolicyError(f"无法读取说明套话文件 {path.name}：{exc}") from None
    if not isinstance(data, dict):
        raise NotePolicyError(f"说明套话文件 {path.name}：内容应为 min_letters、min_length、guide、phrases 四项")
    phrases, guide = data.get("phrases"), data.get("guide")
    numbers = [data.get("min_letters"), data.get("min_length")]
    if not isinstance(phrases, list) or not all(isinstance(p, str) and p.strip() for p in phrases):
        raise NotePolicyError(f"说明套话文件 {path.name}：phrases 应为不空的词语列表")
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n <= 100 for n in numbers):
        raise NotePolicyError(f"说明套话文件 {path.name}：min_letters、min_length 应为 0～100 的整数")
    if not isinstance(guide, str) or not guide.strip():
        raise NotePolicyError(f"说明套话文件 {path.name}：guide（告诉填报人好的说明写什么）不能为空")
    ordered = tuple(sorted({p.strip().lower() for p in phrases}, key=len, reverse=True))
    return NotePolicy(ordered, numbers[0], numbers[1], guide.strip())


# -- r4: the checked policy kept between runs (JSON, never pickle), keyed by the file's bytes and
# this module's code: a changed file or program is checked again; a damaged cache is ignored
_CACHE_NAME = "note-phrases.json"


def _cache_key(raw: bytes) -> str:
    from forms.catalogue_cache import _code_marker, _sha256

    try:
        code = Path(__file__).read_bytes()
    except OSError:  # a frozen build: its version, build date and executable
        code = _code_marker()
    return _sha256(b"note-policy 1\0" + code + b"\0" + raw).hexdigest()


def _cached(key: str) -> NotePolicy | None:
    import json

    from forms.catalogue_cache import cache_files

    for place in cache_files():
        try:
            data = json.loads(place.with_name(_CACHE_NAME).read_text(encoding="utf-8"))
            if data["key"] != key:
                continue
            phrases, min_letters, min_length, guide = data["policy"]
            if (isinstance(phrases, list) and all(isinstance(p, str) for p in phrases)
                    and all(type(n) is int for n in (min_letters, min_length)) and isinstance(guide, str)):
                return NotePolicy(tuple(phrases), min_letters, min_length, guide)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return None


def _keep(key: str, policy: NotePolicy) -> None:
    """Written to a temporary name and renamed; failing to write only costs speed."""
    import json

    from forms.catalogue_cache import keep_text

    keep_text(json.dumps({"key": key, "policy": [list(policy.phrases), policy.min_letters, policy.min_length,
                                                 policy.guide]}, ensure_ascii=False), _CACHE_NAME)


@functools.lru_cache(maxsize=1)
def note_policy() -> NotePolicy:
    """The shipped policy, read once per process."""
    return load_note_policy(resource_path("note_phrases.yaml"))


def note_problem(note: str | None, policy: NotePolicy | None = None) -> str | None:
    """None when ``note`` explains something, else why not and what a good 说明 contains (Chinese)."""
    policy = policy or note_policy()
    text = (note or "").strip()
    if not text:
        return "未填写说明。" + policy.guide + "。"
    rest = text.lower()
    for phrase in policy.phrases:
        rest = rest.replace(phrase, "")
    letters = sum(1 for ch in rest if unicodedata.category(ch).startswith("L"))
    if len(text) < policy.min_length or letters < policy.min_letters:
        return f"“{text[:20]}”没有写出原因。" + policy.guide + "。"
    return None


def note_is_acceptable(note: str | None) -> bool:
    """A 说明 explains a 警告 only if something remains once stock phrases and punctuation are removed."""
    if not (note or "").strip():  # (no policy needed: a blank 说明 never explains)
        return False
    return note_problem(note) is None
