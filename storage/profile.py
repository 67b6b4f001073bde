"""单位信息 checks: what a township's profile must look like before it is stored.

The window's dialog and any other caller get the same Chinese reason from ``Workspace.update_profile``.
"""

from __future__ import annotations

import re

from user_error import UserError

__all__ = ["PROFILE_LABELS", "ProfileError", "profile_problem"]

PROFILE_LABELS = (("name", "名称"), ("stat_code", "统计代码"), ("unit_head", "单位负责人"),
                  ("stat_head", "统计负责人"), ("filler", "填表人"), ("phone", "联系电话"))
_STAT_CODE = re.compile(r"^\d{12}$")
_PHONE = re.compile(r"^[\d\-+() 　转]{5,30}$")


class ProfileError(UserError, ValueError):
    """A profile that cannot be stored, and why."""


def profile_problem(values: dict[str, str]) -> str | None:
    """Why the profile cannot be saved (Chinese), or None. Only the fields given are checked."""
    if "name" in values and not values["name"]:
        return "名称不能为空"
    code = values.get("stat_code", "")
    if code and not _STAT_CODE.match(code):
        return "统计代码应为12位数字（统计用区划代码），不清楚时请留空"
    phone = values.get("phone", "")
    if phone and not _PHONE.match(phone):
        return "联系电话只能包含数字、“-”、括号和空格"
    return None
