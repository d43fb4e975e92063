"""Build tests/data/sample: a small repository written by Mercurial 7.2.4.

    python tests/data/make_sample.py [OUTDIR]     (default: tests/data/sample)

Run it with a Python that imports Mercurial 7.2.4.  The history is fixed
(dates, user, contents), so the repository comes out byte for byte the same:
seven changesets with upper-case names, an executable, a copy and a rename,
a named branch and its merge, and a tag.  The working copy is left empty
(updated to the null revision), the caches are removed (only what Mercurial
needs to read the history is kept) and the fncache, a set, is sorted.
"""
import os
import shutil
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))   # tests/: the fixture helpers

import hgrecord  # noqa: E402

USER = "Sample Author <author@example.org>"
README = b"""A sample repository for revlog.

It was written by Mercurial 7.2.4 (tests/data/make_sample.py).
"""
MAIN = b"""#include <stdio.h>

int main(void)
{
    printf("hello\\n");
    return 0;
}
"""


def build(path: str) -> None:
    hgrecord.load_mercurial()
    hgrecord.run_hg(["init", "--config", "format.revlog-compression=zlib", path])
    w = hgrecord.Workdir(path)
    w.write("README", README)
    w.write("src/main.c", MAIN)
    w.write("Makefile", b"all:\n\tcc -o hello src/main.c\n")
    w.commit("Initial import", "-u", USER)
    w.write("src/main.c", MAIN.replace(b"hello", b"hello, world"))
    w.write("tools/Build.SH", b"#!/bin/sh\nmake\n")
    os.chmod(w.file("tools/Build.SH"), 0o755)
    w.commit("Greet the world; add a build script", "-u", USER)
    w.hg("copy", "src/main.c", "src/main-copy.c")
    w.hg("rename", "Makefile", "GNUmakefile")
    w.commit("Copy main.c, rename the Makefile", "-u", USER)
    w.hg("branch", "-q", "stable")
    w.write("README", README + b"\nThis line was written on the stable branch.\n")
    w.commit("Document the stable branch\n\nThe stable branch gets fixes only.", "-u", USER)
    w.hg("update", "-q", "default")
    w.write("src/main.c", w.read("src/main.c").replace(b"return 0;", b"return 0; /* done */"))
    w.commit("Comment the return", "-u", USER)
    w.hg("merge", "-q", "--tool", ":merge", "stable")
    w.commit("Merge stable into default", "-u", USER)
    w.hg("tag", "-d", w.date(), "-u", USER, "-m", "Tag 1.0", "1.0")
    w.hg("update", "-q", "null")
    hg_dir = os.path.join(path, ".hg")
    for name in ("cache", "wcache"):
        shutil.rmtree(os.path.join(hg_dir, name), ignore_errors=True)
    for directory in (hg_dir, os.path.join(hg_dir, "store")):
        for name in os.listdir(directory):
            if name.startswith("undo") or name == "last-message.txt":
                os.unlink(os.path.join(directory, name))
    fncache = os.path.join(hg_dir, "store", "fncache")
    with open(fncache, "rb") as fp:
        entries = sorted(fp.read().splitlines(True))
    with open(fncache, "wb") as fp:
        fp.writelines(entries)


def main(argv) -> None:
    target = argv[0] if argv else os.path.join(HERE, "sample")
    if os.path.exists(target):
        sys.exit("make_sample.py: %s exists; remove it first" % target)
    build(target)


if __name__ == "__main__":
    main(sys.argv[1:])
