"""revlog.repo.open on real repositories: what it reads equals what Mercurial says.

Every repository of the tests (every revlog format, every store layout,
shares), on both backends: requirements, changesets, manifests, file
revisions and copies, revision symbols; unknown requirements are refused;
opening and reading never write anything.
"""
import codecs
import hashlib
import os
import shutil

import pytest

from hgcli import every_repo, extra_repos, hg_oracle, run_revlog  # noqa: F401 (fixtures)
from hgfixtures import raised
from revlog import errors
from revlog import repo as repomod
from revlog.verify import verify

FIELDS = "{rev}\\x01{node}\\x01{manifest.node}\\x01{author}\\x01{date|hgdate}\\x01" \
         "{join(extras, '\\x02')}\\x01{join(files, '\\x02')}\\x01{p1.rev} {p2.rev}\\x01{desc}\\x03"


def _changeset_fields(cs) -> bytes:
    extras = b"\x02".join(b"%s=%s" % (k, _escape(cs.extras[k])) for k in sorted(cs.extras))
    return b"\x01".join([
        b"%d" % cs.rev, cs.node.hex().encode(), cs.manifest.hex().encode(), cs.user,
        b"%d %d" % cs.date, extras, b"\x02".join(cs.files), b"%d %d" % cs.parents,
        cs.description.strip()]) + b"\x03"


def _escape(value: bytes) -> bytes:
    return codecs.escape_encode(value)[0]


def test_every_repository_opens(every_repo, backend):
    for repo in every_repo.values():
        with repomod.open(repo.path, backend=backend) as opened:
            assert sorted(opened.requirements) == repo.requirements, repo.name
            assert len(opened.changelog) and len(opened.manifest)
            for target in repo.tracked:
                assert len(opened.file(target)), (repo.name, target)


def test_heads_and_symbols_equal_mercurials(every_repo, hg_oracle, backend):
    for repo in every_repo.values():
        opened = repomod.open(repo.path, backend=backend)
        nodes = [opened.changelog.node(rev).hex() for rev in range(len(opened.changelog))]
        symbols = ["tip", "null", "0", "-1", "-2", "%d" % (len(nodes) - 1), nodes[3][:8], nodes[-1],
                   nodes[2][:12].upper(), "deadbeefdead", "0000000000"]
        answers = hg_oracle.run([(repo.name, ["log", "-r", s, "-T", "{rev}"]) for s in symbols]
                                + [(repo.name, ["heads", "--closed", "-T", "{rev}\\n"])])
        for symbol, (status, out, _err) in zip(symbols, answers):
            if status and symbol.isupper() and repo.name == "v0":
                continue   # hg's pure v0 index matches prefixes case-sensitively; we do not
            if status:
                with pytest.raises(errors.RevisionNotFound):
                    opened.lookup(symbol)
            else:
                assert opened.lookup(symbol) == int(out), (repo.name, symbol)
        assert opened.heads() == sorted(int(line) for line in answers[-1][1].split()), repo.name


def test_ambiguous_and_refused_symbols(hg_repos, backend):
    opened = repomod.open(hg_repos["zlib"].path, backend=backend)
    with pytest.raises(errors.AmbiguousPrefix, match="ambiguous"):
        opened.lookup("a")   # 100 changesets: every hex digit starts several nodes
    with pytest.raises(errors.RevisionNotFound, match="working directory"):
        opened.lookup(".")
    for bad in ("", "xyz", "1.5", " 1", "+1", "100", "-101", "0" * 41):
        with pytest.raises(errors.RevisionNotFound):
            opened.lookup(bad)


def test_changesets_equal_mercurials(every_repo, hg_oracle, backend):
    for repo in every_repo.values():
        (status, out, err), = hg_oracle.run([(repo.name, ["log", "-r", "0:tip", "-T", FIELDS])])
        assert status == 0, err
        with repomod.open(repo.path, backend=backend) as opened:
            ours = b"".join(_changeset_fields(opened.changeset(rev)) for rev in range(len(opened.changelog)))
            by_node = opened.changeset(opened.changelog.node(1))
        assert ours == out, repo.name
        assert by_node.rev == 1


def _hg_manifest(out: bytes):
    flags = {b" ": b"", b"*": b"x", b"@": b"l"}
    found = {}
    for line in out.splitlines():
        found[line[47:]] = (bytes.fromhex(line[:40].decode()), flags[line[45:46]])
    return found


def test_manifests_equal_mercurials(every_repo, hg_oracle, backend):
    for repo in every_repo.values():
        opened = repomod.open(repo.path, backend=backend)
        count = len(opened.changelog)
        revs = sorted(set(range(0, count, 7)) | {count - 3, count - 2, count - 1})
        answers = hg_oracle.run([(repo.name, ["manifest", "--debug", "-r", "%d" % rev]) for rev in revs])
        for rev, (status, out, err) in zip(revs, answers):
            assert status == 0, err
            expected = _hg_manifest(out)
            mine = opened.manifest_at(rev)
            some = sorted(expected)[::5]
            assert {path: mine[path] for path in some} == {path: expected[path] for path in some}
            assert dict(mine) == expected, (repo.name, rev)
            assert list(mine) == sorted(expected)


def test_flags_and_empty_manifests(extra_repos, hg_repos):
    opened = repomod.open(extra_repos["names"].path)
    tip = opened.manifest_at(opened.lookup("tip"))
    assert tip.flags(b"link") == b"l" and tip.flags(b"bin/tool.sh") == b"x" and tip.flags(b"README") == b""
    assert opened.file_text(b"link", tip.node(b"link")) == b"README"
    fixture = repomod.open(hg_repos["zlib"].path)
    emptied = hg_repos["zlib"].info["marks"]["emptied"]
    assert len(fixture.manifest_at(emptied)) == 0
    assert len(fixture.manifest_at(-1)) == 0 and fixture.changeset(-1).files == ()


def test_file_revisions_equal_recorded(hg_repos, backend):
    """Content without metadata and copy sources, for every filelog revision Mercurial recorded."""
    for repo in hg_repos.values():
        opened = repomod.open(repo.path, backend=backend)
        for rec in repo.filelogs:
            for r in rec["revs"]:
                if raised(r["read"]):
                    with pytest.raises(errors.CensoredRevision):
                        opened.file_text(rec["target"], r["node"])
                    continue
                assert opened.file_text(rec["target"], r["node"]) == r["read"], (repo.name, rec["target"])
                assert opened.file_copy(rec["target"], r["node"]) == r["renamed"]


def test_copies_equal_mercurials(extra_repos, hg_oracle, backend):
    repo = extra_repos["names"]
    opened = repomod.open(repo.path, backend=backend)
    requests, expected = [], []
    for rev in range(len(opened.changelog)):
        manifest = opened.manifest_at(rev)
        for path in opened.changeset(rev).files:
            if path in manifest:
                requests.append((repo.name, ["debugrename", "-r", "%d" % rev, b"path:" + path]))
                expected.append((path, manifest.node(path)))
    copies = 0
    for (path, node), (status, out, err) in zip(expected, hg_oracle.run(requests)):
        assert status == 0, err
        source = opened.file_copy(path, node)
        if source is None:
            assert out == b"%s not renamed\n" % path
        else:
            copies += 1
            assert out == b"%s renamed from %s:%s\n" % (path, source[0], source[1].hex().encode())
    assert copies >= 3


def test_shares_read_their_source(extra_repos, backend):
    source = repomod.open(extra_repos["names"].path, backend=backend)
    for name in ("names-share", "names-relshare"):
        share = repomod.open(extra_repos[name].path, backend=backend)
        assert share.store.root == source.store.root
        assert [share.changeset(r) for r in range(len(share.changelog))] == \
            [source.changeset(r) for r in range(len(source.changelog))]


# ---- refusals ---------------------------------------------------------------------


def _requires(path: str, *lines: str) -> None:
    with open(path, "a") as fp:
        fp.write("".join(line + "\n" for line in lines))


def test_unknown_requirements_are_refused(hg_copy):
    path = hg_copy("zlib")
    _requires(os.path.join(path, ".hg", "store", "requires"), "treemanifest", "frobnicate")
    with pytest.raises(repomod.RepositoryError, match="does not support: frobnicate, treemanifest$"):
        repomod.open(path)
    path = hg_copy("v0")
    _requires(os.path.join(path, ".hg", "requires"), "lfs")
    with pytest.raises(repomod.RepositoryError, match="does not support: lfs"):
        repomod.open(path)


def test_broken_repositories_are_refused(hg_copy, extra_repos, tmp_path):
    with pytest.raises(repomod.RepositoryError, match="no repository found"):
        repomod.open(str(tmp_path))
    path = hg_copy("zlib")
    os.unlink(os.path.join(path, ".hg", "store", "requires"))
    with pytest.raises(repomod.RepositoryError, match="store.requires is missing"):
        repomod.open(path)
    path = hg_copy("zstd")
    with open(os.path.join(path, ".hg", "requires"), "ab") as fp:
        fp.write(b"\xff\xfe\n")
    with pytest.raises(repomod.RepositoryError, match="corrupt"):
        repomod.open(path)
    share = str(tmp_path / "share")
    shutil.copytree(extra_repos["names-relshare"].path, share, symlinks=True)
    with pytest.raises(repomod.RepositoryError, match="share source .* does not exist"):
        repomod.open(share)


def test_tracked_paths_cannot_leave_the_store(hg_repos):
    opened = repomod.open(hg_repos["zlib"].path)
    for bad in (b"../../requires", b"/etc/passwd", b"", b"a\0b"):
        with pytest.raises(ValueError, match="invalid tracked path"):
            opened.file(bad)
    assert len(opened.file(b"no/such/file")) == 0


def test_open_accepts_the_hg_directory_and_find_root_walks_up(hg_repos, tmp_path):
    path = hg_repos["zlib"].path
    assert repomod.open(os.path.join(path, ".hg")).root == repomod.open(path).root
    assert repomod.find_root(os.path.join(path, ".hg", "store", "data")) == path
    assert repomod.find_root(str(tmp_path)) is None


# ---- read-only ---------------------------------------------------------------------


def _snapshot(root: str) -> dict:
    found = {}
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            full = os.path.join(directory, name)
            info = os.lstat(full)
            digest = None
            if os.path.isfile(full) and not os.path.islink(full):
                with open(full, "rb") as fp:
                    digest = hashlib.sha1(fp.read()).hexdigest()
            found[os.path.relpath(full, root)] = (info.st_mode, info.st_size, info.st_mtime_ns, digest)
    return found


@pytest.mark.parametrize("name", ["zlib", "revlogv2", "names-basic", "names-share"])
def test_reading_never_writes(every_repo, backend, tmp_path, name):
    repo = every_repo[name]
    target = repo.share or name
    roots = [repo.path] + ([every_repo[target].path] if repo.share else [])
    before = [_snapshot(root) for root in roots]
    with repomod.open(repo.path, backend=backend) as opened:
        for rev in range(len(opened.changelog)):
            manifest = opened.manifest_at(rev)
            for path, (node, _flag) in list(manifest.items())[::3]:
                try:
                    opened.file_text(path, node)
                except errors.CensoredRevision:
                    pass
        verify(opened)
    for args in (["info", repo.path], ["log", "-R", repo.path], ["verify", "-R", repo.path],
                 ["debugrevlog", "-R", repo.path, "-m"]):
        assert run_revlog(args, backend=backend)[0] == 0
    assert [_snapshot(root) for root in roots] == before
