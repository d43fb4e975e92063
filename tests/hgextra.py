"""Repositories with awkward file names in every store layout, and hg commands in batches.

A standalone script for a CPython interpreter that imports Mercurial 7.2.4
(like tests/hgrecord.py, whose helpers it uses; it never imports revlog):

    python tests/hgextra.py build OUTDIR
        builds every repository in REPOS under OUTDIR (by real Mercurial
        commands, run in-process) and writes OUTDIR/NAME.pickle: what
        Mercurial says about it (requirements, the filelogs its store lists,
        the encoded path of every filelog file, heads).

    python tests/hgextra.py batch < requests.pickle > answers.pickle
        runs hg command lines in this one process: requests are
        [(cwd, [arg bytes, ...]), ...], answers [(status, stdout, stderr), ...].

The same history goes into every layout; the names exercise the store
encoding: upper case, ``_``, ``~``, Windows-reserved names and characters,
leading and trailing dots and spaces, directories named like revlog files,
non-ASCII bytes, and paths long enough to be hashed (``dh/``) in several
ways.  The history has copies, renames, a symlink, an executable, a branch,
a merge, removals and a tag.
"""
import io
import os
import pickle
import sys

import hgrecord

LONG = "a-rather-long-directory-name-%02d"
NAMES = [
    "README",
    "UPPER/MiXeD.Txt",
    "_under_/_score_.txt",
    "tilde~name~.txt",
    "aux", "aux.txt", "con/prn.txt", "nul.d/lpt1.c", "com9", "COM1.txt", "lpt0", "auxiliary.txt",
    "dir/foo.", "dir/bar ", " leading space", ".dotfile", "dir/.hidden/.x",
    "colon:star*query?.txt", "quote\"lt<gt>pipe|.txt", "back\\slash.txt", "tab\tname.txt",
    "dir.i/x.d/y.hg/z.txt", "data/x.i", "meta/y",
    "\u00fcnic\u00f6de/f\u00efle.txt",
    "long/" + "b" * 130,
    "long/" + "c" * 118 + ".txt",
    "/".join(LONG % i for i in range(6)) + "/leaf.txt",
    "/".join("Q" * 20 + "%d" % i for i in range(4)) + "/UPPER-LEAF.TXT",
    "prn/con/" + "d" * 110 + "/nul.txt",
    "abcdefg.hijklmnop/abcdefg hijklmnop/" + "e" * 100 + ".dat",
    "x" * 56 + "/" + "Y" * 35,                        # short, but long once encoded
    "/".join("g%d" % i for i in range(40)) + "/" + "h" * 60,   # many short directories
    "ends-with-dot./" + "i" * 115,
    " space-dir /" + "j" * 115,
    "bin/tool.sh",
    "link",
]
LATIN1_NAME = b"caf\xe9/men\xfc.txt"   # not UTF-8: the store keeps bytes as they are

# name -> (hg init --config pairs, how it is made)
REPOS = {
    "names": {"init": {}},
    "names-hybrid": {"init": {"format.dotencode": "no"}},
    "names-encoded": {"init": {"format.usefncache": "no"}},
    "names-basic": {"init": {"format.usestore": "no"}},
    "names-share": {"share": "names"},
    "names-relshare": {"share": "names", "relative": True},
}


def _write(w, rel, data: bytes) -> None:
    full = os.path.join(w.path.encode(), *rel.split(b"/"))
    os.makedirs(os.path.dirname(full), exist_ok=True)
    with open(full, "wb") as fp:
        fp.write(data)


def _paths():
    return [name.encode("utf-8") for name in NAMES] + [LATIN1_NAME]


def fits_unhashed(path: bytes) -> bool:
    """Whether every name of path stays under 255 bytes when escaped without hashing.

    Stores without fncache never hash names, so long upper-case names do
    not fit in a file system there.
    """
    def escaped(name: bytes) -> int:
        return sum(3 if c < 32 or c >= 126 or c in b'\\:*?"<>|' else 2 if c in b"_" or 65 <= c <= 90 else 1
                   for c in name)
    return max(escaped(name) for name in path.split(b"/")) + len(".hg.i") < 255


def build_history(w, hashing: bool) -> None:
    """The same history in any repository: awkward names, copies, a merge, a tag.

    Without hashing (stores without fncache) the names too long to store
    are left out.
    """
    paths = [path for path in _paths() if hashing or fits_unhashed(path)]
    for number, path in enumerate(paths):
        if path not in (b"link",):
            _write(w, path, b"%s\nfirst version of file %d\n" % (path, number))
    os.symlink("README", os.path.join(w.path, "link"))
    os.chmod(os.path.join(w.path, "bin", "tool.sh"), 0o755)
    w.commit("add awkward names")
    for path in paths[1::3]:
        if path != b"link":
            _write(w, path, b"%s\nsecond version\n" % path)
    _write(w, b"meta/y", b"\x01\nstarts with the metadata marker\n")
    w.commit("change every third file")
    w.hg("copy", "UPPER/MiXeD.Txt", "UPPER/COPY-OF-MIXED.txt")
    if hashing:
        w.hg("rename", "long/" + "b" * 130, "long/" + "B" * 125 + "-renamed")
    w.hg("rename", "tilde~name~.txt", "nul/renamed~.txt")
    w.commit("copy and renames")
    fork = w.changesets - 1
    _write(w, b"README", b"README\nmain line\n")
    w.commit("main line")
    w.hg("update", "-q", str(fork))
    w.hg("branch", "-q", "side branch")
    _write(w, b"con/prn.txt", b"con/prn.txt\nchanged on the side\n")
    _write(w, b"side/NEW.txt", b"new on the side\n")
    w.commit("side change\n\nwith a body,  \n\tindented, and trailing blanks  \n\n",
             "-u", "Jane Q. Public <jane.q@example.org>")
    w.hg("update", "-q", "default")
    hgrecord.merge(w, "side branch", "merge the side branch")
    w.hg("update", "-q", "side branch")
    w.commit("close the side branch", "--close-branch", "-u", "nobody")
    w.hg("update", "-q", "default")
    w.hg("remove", "-q", "aux", "com9", "dir/foo.")
    w.commit("remove a few")
    w.hg("tag", "-d", w.date(), "-m", "tag it", "v1")


def record(path: str) -> dict:
    """What Mercurial says about the repository at path."""
    repo = hgrecord.hg.repository(hgrecord.uimod.ui.load(), path.encode()).unfiltered()
    store_root = os.fsdecode(repo.svfs.join(b""))
    tracked = sorted(e.target_id for e in repo.store.data_entries() if e.is_filelog)
    encoded = {}
    for target in tracked:
        for suffix in (b".i", b".d"):
            joined = os.fsdecode(repo.svfs.join(b"data/" + target + suffix))
            encoded[target + suffix] = os.path.relpath(joined, store_root).replace(os.sep, "/").encode(
                "utf-8", "surrogateescape")
    return {
        "requirements": sorted(r.decode() for r in repo.requirements),
        "tracked": tracked,
        "encoded": encoded,
        "heads": sorted(repo.changelog.headrevs()),
        "tip": len(repo.changelog) - 1,
    }


def build(outdir: str) -> None:
    hgrecord.load_mercurial()
    os.makedirs(outdir, exist_ok=True)
    for name, spec in REPOS.items():
        path = os.path.join(outdir, name)
        if "share" in spec:
            args = ["--config", "extensions.share=", "share", "-q", "-U"]
            if spec.get("relative"):
                args.append("--relative")
            hgrecord.run_hg(args + [os.path.join(outdir, spec["share"]), path])
        else:
            hgrecord.run_hg(["init"] + hgrecord.config_args(spec["init"]) + [path])
            hashing = spec["init"].get("format.usefncache") != "no" and spec["init"].get("format.usestore") != "no"
            build_history(hgrecord.Workdir(path), hashing)
        hgrecord.run_hg(["-R", path, "verify", "-q"])
        with open(os.path.join(outdir, name + ".pickle"), "wb") as fp:
            pickle.dump(record(path), fp, protocol=hgrecord.PICKLE_PROTOCOL)


def batch(requests):
    """Run hg command lines in this process; [(status, stdout, stderr)]."""
    hgrecord.load_mercurial()
    answers = []
    for cwd, args in requests:
        out, err = io.BytesIO(), io.BytesIO()
        request = hgrecord.main_script.request([b"--cwd", os.fsencode(cwd)] + list(args),
                                               fin=io.BytesIO(), fout=out, ferr=err)
        status = hgrecord.dispatch.dispatch(request)
        answers.append((status or 0, out.getvalue(), err.getvalue()))
    return answers


def main(argv) -> None:
    if argv[:1] == ["build"] and len(argv) == 2:
        build(argv[1])
    elif argv == ["batch"]:
        requests = pickle.load(sys.stdin.buffer)
        pickle.dump(batch(requests), sys.stdout.buffer, protocol=hgrecord.PICKLE_PROTOCOL)
    else:
        sys.exit("usage: hgextra.py build OUTDIR | batch < requests.pickle")


if __name__ == "__main__":
    main(sys.argv[1:])
