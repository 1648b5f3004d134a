"""Saving a workshop's state as a scenario of the file, and the autosaves beside it."""

from __future__ import annotations

import errno
import io
import json
import multiprocessing
import os
import shutil
import signal
import stat
import struct
import subprocess
import tempfile
import time
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path
from unittest import mock

import pytest
import yaml
from ruamel.yaml import YAML

import scnekit
from scnekit.fileformat.savefile import (
    Draft,
    add_scenario,
    autosave_path,
    legacy_autosave_path,
    pin_overrides,
    read_autosave,
    read_autosave_file,
    read_autosaves,
    write_autosave,
)
from scnekit.fileformat.writing import write_text_atomic
from scnekit.model import Scenario

ROOT = Path(__file__).resolve().parents[1]
CASES = ROOT / "tests" / "cases"
SYRIA = ROOT / "examples" / "syria_scne.yaml"
FEASIBLE = ["case-1000.yaml", "case-1001.yaml", "case-1004.yaml", "case-1005.yaml", "case-1006.yaml",
            "case-1007.yaml", "case-1008.yaml", "case-1009.yaml"]


def copy(name: str, tmp_path: Path) -> Path:
    return Path(shutil.copy(CASES / name, tmp_path / name))


def comments(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip().startswith("#") or " # " in line]


def hidden(folder: Path) -> list[str]:
    """The hidden files in ``folder``: where a write's temporary files would be."""
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


# -- a draft as a scenario ---------------------------------------------------------------------------


def test_pins_become_earliest_latest_and_mandatory() -> None:
    assert pin_overrides({"b": 3, "a": 1}) == {
        "measures.a.earliest": 1, "measures.a.latest": 1, "measures.a.mandatory": True,
        "measures.b.earliest": 3, "measures.b.latest": 3, "measures.b.mandatory": True}


def test_draft_scenario_merges_its_starting_scenario(tmp_path: Path) -> None:
    base = scnekit.load(copy("case-1000.yaml", tmp_path))
    draft = Draft(scenario="shock", set={"rules.max_exposure": 3}, unavailable=("m4",), pins={"m2": 1})
    entry = draft.to_scenario(base, "room", "agreed")
    assert entry.id == "room" and entry.description == "agreed"
    assert entry.unavailable == ("m1", "m4")
    assert entry.set == {"measures.m3.cost": 2, "rules.max_exposure": 3, **pin_overrides({"m2": 1})}


@pytest.mark.parametrize("name", FEASIBLE)
def test_saved_scenario_solves_to_the_drafts_objective(name: str, tmp_path: Path) -> None:
    path = copy(name, tmp_path)
    base = scnekit.load(path)
    first = scnekit.solve(base)
    assert first.is_ok
    # pin the measure the optimum starts last one phase earlier if it can, else where it is
    mid, start = max(first.starts.items(), key=lambda kv: (kv[1], kv[0]))
    m = base.measure_by_id[mid]
    phase = start - 1 if start - 1 >= m.earliest else start
    draft = Draft(scenario="shock", set={"objective.milestones": 2}, pins={mid: phase})
    shown = scnekit.Session().solve(draft.plan(base), pins=dict(draft.pins))
    add_scenario(path, draft.to_scenario(base, "from-the-room"))
    again = scnekit.solve(scnekit.load(path), "from-the-room")
    assert again.status == shown.status
    assert again.objective == shown.objective
    if shown.is_ok:
        assert again.starts[mid] == phase


def test_infeasible_draft_saves_as_an_infeasible_scenario(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    base = scnekit.load(path)
    draft = Draft(set={"rules.max_exposure": 0}, pins={"m1": 1})
    shown = scnekit.Session().solve(draft.plan(base), pins=dict(draft.pins))
    assert shown.status == "infeasible"
    add_scenario(path, draft.to_scenario(base, "too-tight"))
    assert scnekit.solve(scnekit.load(path), "too-tight").status == "infeasible"


# -- the YAML file keeps what the planner wrote ----------------------------------------------------------


@pytest.mark.skipif(not SYRIA.exists(), reason="the Syria example is not there yet")
def test_syria_comments_and_layout_survive(tmp_path: Path) -> None:
    path = Path(shutil.copy(SYRIA, tmp_path / "syria.yaml"))
    before = path.read_text(encoding="utf-8")
    base = scnekit.load(path)
    draft = Draft(scenario="earthquake", set={"rules.max_exposure": {"default": 5, "gos": 3}},
                  unavailable=("return-pilot-lebanon",), pins={"ict-hotline": 2})
    plan = add_scenario(path, draft.to_scenario(base, "workshop-1", "Saved in the room"))
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))
    assert comments(before) == comments(after)[:len(comments(before))]
    added = after[len(before.rstrip("\n")):]
    assert "  - id: workshop-1\n" in added
    assert "      rules.max_exposure: {default: 5, gos: 3}\n" in added
    assert plan.scenario_ids[-1] == "workshop-1"
    assert scnekit.load(path).scenario("workshop-1").horizon.capacity == (6, 5, 5, 5, 6, 6, 6, 6)


def test_four_space_indentation_is_kept(tmp_path: Path) -> None:
    rt = YAML()
    rt.indent(mapping=4, sequence=6, offset=4)
    out = io.StringIO()
    rt.dump(rt.load((CASES / "case-1001.yaml").read_text(encoding="utf-8")), out)
    path = tmp_path / "wide.yaml"
    path.write_text("# four spaces here\n" + out.getvalue(), encoding="utf-8")
    before = path.read_text(encoding="utf-8")
    assert "\n    phases: 3\n" in before and "\n    - id: north\n      name: North\n" in before
    add_scenario(path, Draft(set={"rules.max_exposure": 2}).to_scenario(scnekit.load(path), "wide-1"))
    after = path.read_text(encoding="utf-8")
    assert after.startswith(before.rstrip("\n"))
    assert "\n    - id: wide-1\n" in after
    assert scnekit.load(path).scenario_ids[-1] == "wide-1"


def test_unusual_layout_keeps_its_comments(tmp_path: Path) -> None:
    document = yaml.safe_load((CASES / "case-1001.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "odd.yaml"
    path.write_text("# made by a script\n" + yaml.safe_dump(document, indent=4, sort_keys=False)
                    + "# trailing note\n", encoding="utf-8")
    add_scenario(path, Draft().to_scenario(scnekit.load(path), "odd-1"))
    after = path.read_text(encoding="utf-8")
    assert after.startswith("# made by a script\n") and "# trailing note" in after
    assert scnekit.load(path).scenario_ids[-1] == "odd-1"


def test_file_without_scenarios_gets_a_list(tmp_path: Path) -> None:
    text = (CASES / "case-1001.yaml").read_text(encoding="utf-8")
    path = tmp_path / "bare.yaml"
    path.write_text(text[:text.index("scenarios:")] + "# the end\n", encoding="utf-8")
    base = scnekit.load(path)
    assert base.scenarios == ()
    plan = add_scenario(path, Draft(unavailable=("m1",)).to_scenario(base, "first"))
    assert plan.scenario_ids == ["base", "first"]
    assert "# the end" in path.read_text(encoding="utf-8")


def test_refuses_base_taken_and_malformed_names(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    base = scnekit.load(path)
    before = path.read_text(encoding="utf-8")
    for name, message in (("base", "reserved"), ("shock", "already has a scenario 'shock'"),
                          ("Room A", "cannot name a scenario")):
        with pytest.raises(scnekit.UsageError, match=message):
            add_scenario(path, Draft().to_scenario(base, name))
    assert path.read_text(encoding="utf-8") == before


def test_invalid_draft_is_refused_before_writing(tmp_path: Path) -> None:
    path = copy("case-1004.yaml", tmp_path)
    base = scnekit.load(path)
    before = path.read_text(encoding="utf-8")
    with pytest.raises(scnekit.InputError, match="deadline"):
        add_scenario(path, Draft(set={"horizon.phases": 2}).to_scenario(base, "short"))
    assert path.read_text(encoding="utf-8") == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case-1004.yaml"]  # no temporary file left


def test_json_file_stays_json(tmp_path: Path) -> None:
    document = yaml.safe_load((CASES / "case-1007.yaml").read_text(encoding="utf-8"))
    path = tmp_path / "case.json"
    path.write_text(json.dumps(document, indent=4) + "\n", encoding="utf-8")
    base = scnekit.load(path)
    draft = Draft(set={"horizon.capacity": 2}, pins={"m1": 1})
    add_scenario(path, draft.to_scenario(base, "json-room"))
    text = path.read_text(encoding="utf-8")
    saved = json.loads(text)
    assert saved["scenarios"][-1]["id"] == "json-room"
    assert text.splitlines()[1].startswith("    \"")
    shown = scnekit.Session().solve(draft.plan(base), pins=dict(draft.pins))
    assert scnekit.solve(scnekit.load(path), "json-room").objective == shown.objective


# -- autosave -----------------------------------------------------------------------------------------


def test_autosave_round_trip(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    assert read_autosave(path) is None
    draft = Draft(scenario="shock", set={"rules.max_exposure": {"default": 2, "north": 1}},
                  unavailable=("m4",), pins={"m2": 1})
    written = write_autosave(path, draft, "s1")
    assert written == autosave_path(path, "s1") == tmp_path / "case-1000.yaml.autosave" / "s1.yaml"
    found = read_autosave(path)
    assert found is not None
    assert found.draft == draft and found.session == "s1" and found.path == written
    assert found.saved_at.tzinfo is not None
    assert yaml.safe_load(written.read_text(encoding="utf-8"))["file"] == "case-1000.yaml"


def test_autosaves_of_two_sessions_are_kept_apart(tmp_path: Path) -> None:
    """Two explorers of one file each keep their own autosave; the newest is read first."""
    path = copy("case-1000.yaml", tmp_path)
    first, second = Draft(set={"rules.max_exposure": 1}), Draft(unavailable=("m4",))
    write_autosave(path, first, "room-a")
    write_autosave(path, second, "room-b")
    assert [(a.session, a.draft) for a in read_autosaves(path)] == [("room-b", second), ("room-a", first)]
    write_autosave(path, first, "room-a")  # room-a changes again: now it is the newest
    found = read_autosave(path)
    assert found is not None and (found.session, found.draft) == ("room-a", first)


def test_autosave_of_earlier_versions_is_still_read(tmp_path: Path) -> None:
    """The single ``<file>.autosave.yaml`` written before sessions is listed (after newer ones)."""
    path = copy("case-1000.yaml", tmp_path)
    legacy = legacy_autosave_path(path)
    assert legacy == tmp_path / "case-1000.yaml.autosave.yaml"
    legacy.write_text("scnekit_autosave: 1\nfile: case-1000.yaml\nsaved_at: '2025-05-01T10:00:00+00:00'\n"
                      "scenario: shock\nset: {rules.max_exposure: 2}\nunavailable: []\npins: {m2: 1}\n",
                      encoding="utf-8")
    old = Draft(scenario="shock", set={"rules.max_exposure": 2}, pins={"m2": 1})
    found = read_autosave(path)
    assert found is not None and found.draft == old and found.session is None
    write_autosave(path, Draft(unavailable=("m4",)), "later")
    assert [a.session for a in read_autosaves(path)] == ["later", None]


def test_autosave_that_is_not_one_is_an_input_error(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    for target in (autosave_path(path, "s1"), legacy_autosave_path(path)):
        target.parent.mkdir(exist_ok=True)
        target.write_text("just: text\n", encoding="utf-8")
        with pytest.raises(scnekit.InputError, match="not a scnekit explorer autosave"):
            read_autosave(path)
        target.write_text("scnekit_autosave: 1\nsaved_at: '2026-01-01T10:00:00+00:00'\n"
                          "pins: {m1: first}\n", encoding="utf-8")
        with pytest.raises(scnekit.InputError, match="pins"):
            read_autosave(path)
        target.unlink()


def test_draft_saved_in_the_file(tmp_path: Path) -> None:
    """An autosave is worth offering back only when the file does not hold its state yet."""
    path = copy("case-1000.yaml", tmp_path)
    base = scnekit.load(path)
    assert Draft().saved_in(base) and Draft(scenario="shock").saved_in(base)
    draft = Draft(scenario="shock", set={"rules.max_exposure": 3}, pins={"m2": 1})
    assert not draft.saved_in(base)
    assert draft.saved_in(add_scenario(path, draft.to_scenario(base, "room")))
    assert not Draft(scenario="gone").saved_in(base)


# -- saves from several writers, and the file's own protection ------------------------------------------


def _save_many(path: str, writer: int, count: int, start: Barrier) -> None:
    """One explorer's process: ``count`` saves into ``path``, started together with the others."""
    base = scnekit.load(path)
    start.wait()
    for i in range(count):
        add_scenario(path, Draft(set={"rules.max_exposure": writer + 1}).to_scenario(base, f"w{writer}-{i}"))


def test_concurrent_saves_from_processes_all_land(tmp_path: Path) -> None:
    """Four processes save 20 scenarios each into one file at once: all 80 are there, the file valid."""
    path = copy("case-1000.yaml", tmp_path)
    before = scnekit.load(path).scenario_ids
    writers, count = 4, 20
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(writers)
    processes = [context.Process(target=_save_many, args=(str(path), w, count, start)) for w in range(writers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(300)
    assert [p.exitcode for p in processes] == [0] * writers  # no save raised
    saved = scnekit.load(path).scenario_ids
    expected = [f"w{w}-{i}" for w in range(writers) for i in range(count)]
    assert sorted(saved) == sorted([*before, *expected])
    assert hidden(tmp_path) == []


def test_taken_name_says_someone_else_saved_it(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    base = scnekit.load(path)  # both explorers opened the file before either saved
    add_scenario(path, Draft(pins={"m2": 1}).to_scenario(base, "room-a"))
    saved = path.read_text(encoding="utf-8")
    with pytest.raises(scnekit.UsageError, match=r"already has a scenario 'room-a'.*someone else saved it"):
        add_scenario(path, Draft(unavailable=("m4",)).to_scenario(base, "room-a"))
    assert path.read_text(encoding="utf-8") == saved


def test_mode_and_owner_are_kept(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    path.chmod(0o664)
    owner = (4321, 4322) if os.geteuid() == 0 else (os.getuid(), os.getgid())  # only root may give files away
    os.chown(path, *owner)
    add_scenario(path, Draft().to_scenario(scnekit.load(path), "kept"))
    after = path.stat()
    assert (stat.S_IMODE(after.st_mode), after.st_uid, after.st_gid) == (0o664, *owner)
    assert scnekit.load(path).scenario_ids[-1] == "kept"


def test_symlink_stays_a_link(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    real = copy("case-1000.yaml", shared)
    link = tmp_path / "link.yaml"
    link.symlink_to(Path("shared") / "case-1000.yaml")
    add_scenario(link, Draft().to_scenario(scnekit.load(link), "through-the-link"))
    assert link.is_symlink() and os.readlink(link) == str(Path("shared") / "case-1000.yaml")
    assert scnekit.load(real).scenario_ids[-1] == "through-the-link"
    assert hidden(tmp_path) == hidden(shared) == []


def test_hard_link_is_kept(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    other = tmp_path / "other-name.yaml"
    os.link(path, other)
    inode = path.stat().st_ino
    add_scenario(path, Draft().to_scenario(scnekit.load(path), "both-names"))
    assert path.stat().st_ino == other.stat().st_ino == inode and path.stat().st_nlink == 2
    assert scnekit.load(other).scenario_ids[-1] == "both-names"
    assert hidden(tmp_path) == []


def test_file_whose_owner_cannot_be_given_is_written_in_place(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A writer that may write the file but not give a new file its owner (another user,
    group-writable file) writes into the file itself, so the owner stays."""
    path = copy("case-1000.yaml", tmp_path)
    path.chmod(0o664)
    before = path.stat()
    monkeypatch.setattr(os, "geteuid", lambda: before.st_uid + 1)  # not the owner, not root
    add_scenario(path, Draft().to_scenario(scnekit.load(path), "by-a-colleague"))
    after = path.stat()
    assert (after.st_ino, after.st_uid, after.st_gid) == (before.st_ino, before.st_uid, before.st_gid)
    assert scnekit.load(path).scenario_ids[-1] == "by-a-colleague"


def test_read_only_file_is_refused(tmp_path: Path) -> None:
    """Refused even for root, whom ``os.access`` lets write anything: the mode says read-only."""
    path = copy("case-1000.yaml", tmp_path)
    before = path.read_text(encoding="utf-8")
    path.chmod(0o444)
    with pytest.raises(scnekit.UsageError, match="read-only"):
        add_scenario(path, Draft().to_scenario(scnekit.load(path), "not-here"))
    assert path.read_text(encoding="utf-8") == before
    assert stat.S_IMODE(path.stat().st_mode) == 0o444
    assert hidden(tmp_path) == []


def _save_and_hang(path: str, renaming: Event) -> None:
    """A writer that stops just before its temporary file replaces the scenario file."""
    def hang(*_: object) -> None:
        renaming.set()
        time.sleep(120)

    base = scnekit.load(path)
    with mock.patch("os.replace", hang):
        add_scenario(path, Draft().to_scenario(base, "killed"))


def test_writer_killed_in_a_save_leaves_no_temporary_file(tmp_path: Path) -> None:
    """kill -9 in the middle of a save: the next save removes the dead writer's temporary
    file (a live process's is left alone) and the lock the dead writer held is free."""
    path = copy("case-1000.yaml", tmp_path)
    before = path.read_text(encoding="utf-8")
    context = multiprocessing.get_context("spawn")
    renaming = context.Event()
    writer = context.Process(target=_save_and_hang, args=(str(path), renaming))
    writer.start()
    try:
        assert renaming.wait(120), "the writer never reached the rename"
        os.kill(writer.pid, signal.SIGKILL)
        writer.join(60)
    finally:
        writer.kill()
    assert writer.exitcode == -signal.SIGKILL
    (left,) = hidden(tmp_path)
    assert left.startswith(f".case-1000.yaml.scnekit-{writer.pid}.") and left.endswith(".tmp")
    assert path.read_text(encoding="utf-8") == before
    live = tmp_path / f".case-1000.yaml.scnekit-{os.getppid()}.abcd1234.tmp"
    live.write_text("another writer, still running", encoding="utf-8")

    add_scenario(path, Draft().to_scenario(scnekit.load(path), "after-the-crash"))
    assert hidden(tmp_path) == [live.name]
    assert scnekit.load(path).scenario_ids[-1] == "after-the-crash"


# -- what a save keeps, and how it fails ------------------------------------------------------------------

ACL_XATTR = "system.posix_acl_access"
_UNDEFINED_ID = 0xFFFFFFFF


def _set_xattr_or_skip(path: Path, name: str, value: bytes) -> None:
    try:
        os.setxattr(path, name, value)
    except OSError as err:
        pytest.skip(f"this filesystem refuses the extended attribute {name}: {err.strerror}")


def _acl_reading_for(uid: int) -> bytes:
    """The POSIX ACL ``u::rw-,u:UID:r--,g::r--,m::rw-,o::r--`` as the kernel's xattr value."""
    entries = [(0x01, 6, _UNDEFINED_ID), (0x02, 4, uid), (0x04, 4, _UNDEFINED_ID), (0x10, 6, _UNDEFINED_ID),
               (0x20, 4, _UNDEFINED_ID)]
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)


def test_extended_attributes_are_kept(tmp_path: Path) -> None:
    """A save replaces the file with a new one: every xattr of the old file is on the new one."""
    path = copy("case-1000.yaml", tmp_path)
    _set_xattr_or_skip(path, "user.scnekit_test", b"tagged by the planner")
    add_scenario(path, Draft().to_scenario(scnekit.load(path), "tagged"))
    assert os.getxattr(path, "user.scnekit_test") == b"tagged by the planner"
    assert scnekit.load(path).scenario_ids[-1] == "tagged"
    assert hidden(tmp_path) == []


def test_posix_acl_is_kept(tmp_path: Path) -> None:
    """A colleague given read access by an ACL keeps it after a save (setfacl where it is
    installed, otherwise the ACL's xattr written directly)."""
    path = copy("case-1000.yaml", tmp_path)
    colleague = os.getuid() + 4321
    if shutil.which("setfacl"):
        done = subprocess.run(["setfacl", "-m", f"u:{colleague}:r", str(path)], capture_output=True, check=False)
        if done.returncode:
            pytest.skip(f"setfacl refused: {done.stderr.decode(errors='replace').strip()}")
    else:
        _set_xattr_or_skip(path, ACL_XATTR, _acl_reading_for(colleague))
    acl, mode = os.getxattr(path, ACL_XATTR), stat.S_IMODE(path.stat().st_mode)
    add_scenario(path, Draft().to_scenario(scnekit.load(path), "shared"))
    assert os.getxattr(path, ACL_XATTR) == acl
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert scnekit.load(path).scenario_ids[-1] == "shared"


def test_folder_default_acl_is_not_added_to_the_file(tmp_path: Path) -> None:
    """A new file inherits its folder's default ACL; the saved file has exactly the old
    file's attributes, so it gains no ACL it did not have."""
    folder = tmp_path / "shared"
    folder.mkdir()
    path = copy("case-1000.yaml", folder)
    mode = stat.S_IMODE(path.stat().st_mode)
    assert ACL_XATTR not in os.listxattr(path)
    _set_xattr_or_skip(folder, "system.posix_acl_default", _acl_reading_for(os.getuid() + 4321))
    add_scenario(path, Draft().to_scenario(scnekit.load(path), "no-acl"))
    assert ACL_XATTR not in os.listxattr(path)
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert scnekit.load(path).scenario_ids[-1] == "no-acl"


def test_xattr_that_cannot_be_copied_means_writing_in_place(tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """When the new file cannot carry an xattr of the old one, the old file is written
    itself, which keeps every attribute."""
    path = copy("case-1000.yaml", tmp_path)
    _set_xattr_or_skip(path, "user.scnekit_test", b"kept")
    inode = path.stat().st_ino

    def refuse(*_: object, **__: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "setxattr", refuse)
    add_scenario(path, Draft().to_scenario(scnekit.load(path), "in-place"))
    assert path.stat().st_ino == inode
    assert os.getxattr(path, "user.scnekit_test") == b"kept"
    assert scnekit.load(path).scenario_ids[-1] == "in-place"
    assert hidden(tmp_path) == []


def test_folder_that_cannot_be_written_means_writing_in_place(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """A writable file in a folder the user may not write into: no temporary file can be
    made beside it, so the file is written in place (under the lock)."""
    folder = tmp_path / "shared"
    folder.mkdir()
    path = copy("case-1000.yaml", folder)
    base = scnekit.load(path)
    inode = path.stat().st_ino
    if os.geteuid() == 0:  # root may write into any folder: make mkstemp fail as it does for others
        def refuse(*_: object, **kwargs: object) -> tuple[int, str]:
            raise PermissionError(errno.EACCES, "Permission denied", str(kwargs.get("dir")))

        monkeypatch.setattr(tempfile, "mkstemp", refuse)
    folder.chmod(0o555)
    try:
        add_scenario(path, Draft().to_scenario(base, "no-folder-rights"))
        with pytest.raises(scnekit.UsageError, match=r"new\.yaml.*Permission denied"):
            write_text_atomic(folder / "new.yaml", "a new file\n")
    finally:
        folder.chmod(0o755)
    assert path.stat().st_ino == inode
    assert scnekit.load(path).scenario_ids[-1] == "no-folder-rights"
    assert sorted(p.name for p in folder.iterdir()) == ["case-1000.yaml"]


def test_owner_that_cannot_be_given_after_all_means_writing_in_place(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Root without CAP_CHOWN: ``_may_give`` says yes, fchown then fails with EPERM; the
    file is written in place instead, so its owner stays."""
    path = copy("case-1000.yaml", tmp_path)
    before = path.stat()

    def refuse(*_: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "fchown", refuse)
    add_scenario(path, Draft().to_scenario(scnekit.load(path), "no-chown"))
    after = path.stat()
    assert (after.st_ino, after.st_uid, after.st_gid) == (before.st_ino, before.st_uid, before.st_gid)
    assert scnekit.load(path).scenario_ids[-1] == "no-chown"
    assert hidden(tmp_path) == []


def test_dangling_symlink_names_the_link_and_its_missing_target(tmp_path: Path) -> None:
    link = tmp_path / "link.yaml"
    link.symlink_to(tmp_path / "gone" / "case.yaml")
    with pytest.raises(scnekit.UsageError, match=r"link\.yaml.*gone/case\.yaml.*does not exist"):
        add_scenario(link, Scenario("anything"))
    (tmp_path / "gone").mkdir()  # the folder is there, the file is not
    with pytest.raises(scnekit.UsageError, match=r"link\.yaml.*gone/case\.yaml.*does not exist"):
        add_scenario(link, Scenario("anything"))
    assert not (tmp_path / "gone" / "case.yaml").exists()


def test_missing_file_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(scnekit.UsageError, match=r"nothing\.yaml"):
        add_scenario(tmp_path / "nothing.yaml", Scenario("anything"))


def test_other_os_errors_name_the_file_and_the_reason(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A full disk (or any other OSError) in a save is a UsageError naming the file and
    why; the file is unchanged and no temporary file stays."""
    path = copy("case-1000.yaml", tmp_path)
    base = scnekit.load(path)
    before = path.read_text(encoding="utf-8")

    def full(*_: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(scnekit.UsageError, match=r"case-1000\.yaml.*No space left on device"):
        add_scenario(path, Draft().to_scenario(base, "full"))
    assert path.read_text(encoding="utf-8") == before
    assert hidden(tmp_path) == []
    with pytest.raises(scnekit.UsageError, match=r"s1\.yaml.*No space left on device"):
        write_autosave(path, Draft(), "s1")


def test_saving_under_raised_limits(tmp_path: Path) -> None:
    """A file read with raised limits can be saved to with the same limits (and the default
    limits still refuse it, rather than write a file that ``load`` would refuse)."""
    path = copy("case-1000.yaml", tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("  phases: 4\n", "  phases: 500\n", 1),
                    encoding="utf-8")
    limits = scnekit.Limits(phases=1000)
    base = scnekit.load(path, limits=limits)
    before = path.read_text(encoding="utf-8")
    with pytest.raises(scnekit.InputError, match="500 phases"):
        add_scenario(path, Draft().to_scenario(base, "default-limits"))
    assert path.read_text(encoding="utf-8") == before
    plan = add_scenario(path, Draft(pins={"m2": 450}).to_scenario(base, "long"), limits=limits)
    assert plan.limits == limits and plan.scenario_ids[-1] == "long"
    assert scnekit.load(path, limits=limits).scenario("long").horizon.phases == 500


@pytest.mark.parametrize(("content", "problem"), [
    (b"scnekit_autosave: 1\nscenario: caf\xe9\n", "not a UTF-8 text file"),
    (b"scnekit_autosave: !!int x\n", "not valid YAML|cannot be read"),
    (b"scnekit_autosave: 1\nsaved_at: !!bool maybe\n", "not valid YAML|cannot be read"),
    (b"scnekit_autosave: 1\nsaved_at: !!timestamp 2025-13-45\n", "not valid YAML|cannot be read"),
    (b"scnekit_autosave: [1\n", "not valid YAML"),
])
def test_unreadable_autosave_is_an_input_error_naming_it(content: bytes, problem: str, tmp_path: Path) -> None:
    """Bytes that are not UTF-8, or a value YAML cannot build (``!!int x``), are an
    InputError naming the autosave, as in a scenario file: never a UnicodeDecodeError or
    ValueError that would stop the explorer from opening."""
    path = copy("case-1000.yaml", tmp_path)
    target = autosave_path(path, "broken")
    target.parent.mkdir()
    target.write_bytes(content)
    for read in (lambda: read_autosave_file(target), lambda: read_autosaves(path)):
        with pytest.raises(scnekit.InputError, match=problem) as caught:
            read()
        assert [p.file for p in caught.value.problems] == [str(target)]


def test_oversized_autosave_is_refused_unread(tmp_path: Path) -> None:
    path = copy("case-1000.yaml", tmp_path)
    target = write_autosave(path, Draft(), "big")
    with pytest.raises(scnekit.InputError, match="larger than 100 bytes"):
        read_autosave_file(target, scnekit.Limits(file_bytes=100))
