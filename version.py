"""Program name, version and build date, shown in 关于 and written into every exported file."""

from __future__ import annotations

import json

APP_NAME = "永川区节能减排统计填报客户端"
APP_NAME_EN = "Yongchuan energy-saving statistics client"
VERSION = "0.1.0"


def build_date() -> str:
    """The date the frozen folder was built (build.spec writes resources/build_info.json);
    "源码运行" when running from source."""
    from resources import resource_path

    try:
        info = json.loads(resource_path("build_info.json").read_text(encoding="utf-8"))
        return str(info["build_date"])
    except (OSError, ValueError, KeyError):
        return "源码运行"


def version_text() -> str:
    return f"{VERSION}（构建日期 {build_date()}）"
