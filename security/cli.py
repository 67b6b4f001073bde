"""The ``keys`` commands (issue 15), guarded like every command (``commands.guarded``: one Chinese
line, a documented exit code; a wrong passphrase, a bad key file or a refused key is exit 2):

    keys new-district --out 区密钥 [--name 永川区统计局]        the district key pair (+ 区密钥.pub)
    keys issue --key 区密钥 --township 镇街 --out 镇街.jnjpkey   a township's signing key, certified
    keys import 镇街.jnjpkey --db 镇街库                        the township stores its issued key
    keys trust 区密钥.pub --db 数据库                           pin the district's public key
    keys show --db 数据库                                       what keys the database holds

Passphrases: ``JNJP_PASSPHRASE`` (the key being used) and ``JNJP_NEW_PASSPHRASE`` (a key being
made), else a prompt; never an argument.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from security.passphrase import NEW_PASSPHRASE_ENV, read_passphrase

if TYPE_CHECKING:
    from security.keys import DistrictKey, Signer
    from storage.workspace import Workspace

__all__ = ["run_keys", "unlock_district_key", "export_keys"]


def unlock_district_key(path: Path) -> DistrictKey:
    from security.keys import load_district_key

    return load_district_key(path, read_passphrase(f"区密钥 {Path(path).name} 的口令："))


def export_keys(ws: Workspace) -> tuple[Signer | None, object]:
    """(signer, district public key to seal to) for an export from this township database: the
    signer when a key was imported (from the copy under the database password, else its passphrase
    asked now), the seal when a district key is
    pinned; (None, None) for a township without keys (its files go unsigned, as before)."""
    from security.key_store import remember_under_db_password, stored_signer

    key = ws.township_key()
    if key is None:
        return None, ws.district_public_key()
    signer = stored_signer(ws)  # kept under the database password (unlocked at open): no prompt
    if signer is None:
        signer = key.unlock(read_passphrase("镇街密钥的口令："))
        remember_under_db_password(ws, signer)  # export writes (statuses): the database is open for writing
    return signer, ws.district_public_key()


def _township_row(text: str) -> tuple[str, str]:
    """(name, statistical code) of a township of the catalogue, named by either."""
    from security.suite import SecurityError
    from storage.townships import catalogue_rows

    wanted = text.strip()
    for row in catalogue_rows():
        if wanted in (row["name"], row["stat_code"], row["mca_code"]) and wanted:
            return row["name"], row["stat_code"]
    raise SecurityError(f"镇街名录中没有“{text}”（可写名称或统计代码）")


def run_keys(action: str, *, out: Path | None = None, key: Path | None = None, township: str | None = None,
             db: Path | None = None, file: Path | None = None, name: str | None = None) -> int:
    import commands
    from security import keys as k

    def work() -> int:
        if action == "new-district":
            assert out is not None
            passphrase = read_passphrase("新的区密钥口令：", env=k_env_new_or_current(), confirm=True)
            made = k.new_district_key(out, passphrase, name=name or "永川区统计局")
            print(f"已生成区密钥：{out}（私钥已用口令加密，请妥善保管，遗失无法恢复）")
            print(f"区公钥：{k.public_path(out)}；密钥编号 {made.public.key_id}；算法 {made.public.to_dict()['suite']}")
            return commands.EXIT_OK
        if action == "issue":
            assert key is not None and out is not None and township is not None
            town_name, stat_code = _township_row(township)
            district = unlock_district_key(key)
            passphrase = read_passphrase(f"发给{town_name}的镇街密钥口令：", env=NEW_PASSPHRASE_ENV, confirm=True)
            issued = k.issue_township_key(district, town_name, stat_code, passphrase, out)
            cert = issued.certificate
            print(f"已为{town_name}（{stat_code}）签发密钥：{out}；密钥编号 {cert.key_id}；签发于 {cert.issued_at}")
            print("请把密钥文件和口令分开交给镇街（口令不要与文件放在同一个U盘里）")
            return commands.EXIT_OK
        assert db is not None
        writes = action in ("import", "trust")
        with commands._writer_lock(db) if writes else _nothing():
            ws = commands._open(db, write=writes)
            try:
                return _database_action(ws, action, file)
            finally:
                ws.close()

    return commands.guarded(work)


def k_env_new_or_current() -> str:
    """A new district key's passphrase: ``JNJP_NEW_PASSPHRASE`` when set, else ``JNJP_PASSPHRASE``."""
    import os

    from security.passphrase import PASSPHRASE_ENV

    return NEW_PASSPHRASE_ENV if NEW_PASSPHRASE_ENV in os.environ else PASSPHRASE_ENV


class _nothing:  # noqa: N801 - a null context, named for what it does
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _database_action(ws: Workspace, action: str, file: Path | None) -> int:
    import commands
    from security import keys as k

    if action == "trust":
        assert file is not None
        public = k.load_district_public(file)
        ws.pin_district_public_key(public)
        print(f"已认定区公钥：{public.name}，密钥编号 {public.key_id}")
        return commands.EXIT_OK
    if action == "import":
        assert file is not None
        from security.key_store import import_township_key

        issued = import_township_key(ws, file, read_passphrase("镇街密钥的口令："))
        cert = issued.certificate
        print(f"已导入{cert.township_name}的密钥（编号 {cert.key_id}，签发于 {cert.issued_at}）；"
              f"区公钥编号 {issued.district.key_id} 已认定。以后导出的报送文件将签名并另存密封文件（.jnjp）")
        return commands.EXIT_OK
    public = ws.district_public_key()
    issued = None if ws.is_district else ws.township_key()
    print(f"区公钥：{f'{public.name}，密钥编号 {public.key_id}' if public else '未设置'}")
    if not ws.is_district:
        print("镇街密钥：" + (f"{issued.certificate.township_name}，编号 {issued.certificate.key_id}，"
                             f"签发于 {issued.certificate.issued_at}" if issued else "未导入（导出的文件不签名）"))
    return commands.EXIT_OK


def run_package(*, key: Path, out: Path, version: int, title: str | None, changelog: list[str] | None) -> int:
    """``package``: sign the program's catalogue files (as the district edited them) into a package."""
    import commands
    from security.packages import PACKAGE_SUFFIX, make_package

    def work() -> int:
        if out.suffix.lower() != PACKAGE_SUFFIX:
            raise commands.CommandError(f"任务参数文件须以 {PACKAGE_SUFFIX} 结尾：{out}")
        district = unlock_district_key(key)
        package = make_package(district, out, version=version, title=title or out.stem, changelog=changelog or [])
        print(f"已生成任务参数：{out}（{package.label}，{len(package.files)}个文件，区密钥编号 {district.public.key_id}）")
        return commands.EXIT_OK

    return commands.guarded(work)


def run_task(action: str, *, db: Path, file: Path | None = None, dry_run: bool = False,
             switch: str | None = None) -> int:
    """``task import|rollback|show|local-edits``: the 任务参数 installed beside a database."""
    import commands

    def work() -> int:
        if action in ("local-edits", "rollback"):  # the files beside the database: it need not open
            return _task_files_action(db, action, switch)
        writes = action == "import" and not dry_run
        with commands._writer_lock(db) if writes else _nothing():
            ws = commands._open(db, write=writes)
            try:
                return _task_action(ws, action, file, dry_run, switch)
            finally:
                ws.close()

    return commands.guarded(work)


def _task_files_action(db: Path, action: str, switch: str | None) -> int:
    """``local-edits`` and ``rollback`` change only the task folder beside the database (a database
    whose package was edited cannot be opened, and this is how its user gets out)."""
    import commands
    from security import packages as p

    commands._check_exists(db)
    with commands._writer_lock(db):
        folder = p.task_folder(db)
        if action == "rollback":
            back = p.roll_back(folder)
            print(f"已回退到 {back.package.label}（下次打开数据库时生效）")
            return commands.EXIT_OK
        p.set_local_edits(folder, switch == "on")
    print("已切换到本地修改模式：使用被修改的任务参数，标题栏和每个导出文件都注明“本地修改”" if switch == "on"
          else "已关闭本地修改模式：只使用区里签名的任务参数")
    return commands.EXIT_OK


def _task_action(ws: Workspace, action: str, file: Path | None, dry_run: bool, switch: str | None) -> int:
    import commands
    from security import packages as p

    folder = p.task_folder(ws.path)
    current = p.installed(folder)
    if action == "show":
        print(f"任务参数：{ws.task_package or '内置（第0版）'}；安装位置 {folder}")
        if current is not None:
            for line in current.package.manifest.get("changelog", []):
                print(f"  {line}")
        return commands.EXIT_OK
    assert file is not None
    plan = p.plan_import(ws, file)
    package = plan.package
    print(f"{package.label}（区密钥编号 {package.district.key_id}，签名有效）；原为第{plan.installed_version}版")
    for line in package.manifest.get("changelog", []):
        print(f"  更新说明：{line}")
    for line in plan.changes or ["（表式、规则和系数没有变化）"]:
        print(f"  {line}")
    if dry_run:
        print("（--dry-run：只显示变化，未安装）")
        return commands.EXIT_OK
    p.apply_import(ws, plan)
    print(f"已安装 {package.label}；上一版保留以便回退。下次打开数据库时生效")
    return commands.EXIT_OK
