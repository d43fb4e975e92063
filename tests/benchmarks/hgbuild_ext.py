"""Mercurial extension that builds the benchmark's manifest repository.

Loaded only by tests/benchmarks/bench.py --build, as
``hg --config extensions.revlogbench=THIS_FILE revlogbench-manifest``.  It
commits through Mercurial's own API (memctx), so every revlog in the result
is written by real Mercurial with its default format (generaldelta,
sparse-revlog, zstd when available).

The history is deterministic (seeded): an initial commit of --files files,
then --commits commits that each change a few files (and now and then add or
remove one).  Two lines of development interleave in revision order and are
merged back from time to time, so a manifest's delta parent is often not the
previous revision: its delta chain is spread over the file (a sparse chain),
long (up to Mercurial's sparse-revlog limit of 1000), and cut by intermediate
snapshots.
"""
import random

from mercurial import context, registrar

cmdtable = {}
command = registrar.command(cmdtable)

testedwith = b"7.2.4"


def _paths(rng, count, taken):
    """`count` new file paths, spread over a few directory levels."""
    out = []
    while len(out) < count:
        path = b"src/mod%02d/pkg%02d/file%05d.py" % (
            rng.randrange(40), rng.randrange(25), rng.randrange(100000))
        if path not in taken:
            taken.add(path)
            out.append(path)
    return out


def _content(path, version):
    lines = [b"# %s version %d\n" % (path, version)]
    for i in range(4 + version % 7):
        lines.append(b"line %d of %s at version %d\n" % (i, path, version))
    return b"".join(lines)


@command(
    b"revlogbench-manifest",
    [
        (b"", b"files", 3000, b"files in the first commit"),
        (b"", b"commits", 5000, b"commits after the first one"),
        (b"", b"seed", 1, b"random seed"),
    ],
    b"hg revlogbench-manifest [--files N] [--commits N] [--seed N]",
)
def build_manifest(ui, repo, files=3000, commits=5000, seed=1):
    """commit a synthetic history (benchmark input; empty repository only)"""
    if len(repo):
        raise ValueError("revlogbench-manifest needs an empty repository")
    rng = random.Random(seed)
    taken = set()
    version = {}  # path -> last version number used (global, so contents are unique)

    def bump(path):
        version[path] = version.get(path, 0) + 1
        return version[path]

    def commit(parents, state, changed, number):
        def filectxfn(repo_, memctx, path):
            if path not in state:
                return None  # removed
            return context.memfilectx(repo_, memctx, path, _content(path, state[path]))

        ctx = context.memctx(
            repo, parents, b"commit %d" % number, sorted(changed), filectxfn,
            user=b"revlog bench <bench@example.invalid>", date=(1700000000 + number, 0))
        return ctx.commit()

    with repo.wlock(), repo.lock(), repo.transaction(b"revlogbench"):
        main_state = {path: bump(path) for path in _paths(rng, files, taken)}
        main = commit((None, None), main_state, list(main_state), 0)
        side = side_state = None
        side_left = 0
        for number in range(1, commits + 1):
            if side is None and rng.random() < 0.05:
                # fork a second line of development from the main head
                side, side_state, side_left = main, dict(main_state), rng.randint(10, 80)
            on_side = side is not None and rng.random() < 0.5
            if on_side and side_left == 0:
                # merge the side line into the main line
                # sorted: set order varies between processes (hash randomisation)
                changed = sorted(path for path in set(main_state) | set(side_state)
                                 if main_state.get(path) != side_state.get(path))
                for path in changed:
                    if path in main_state and path in side_state:
                        main_state[path] = max(main_state[path], side_state[path])
                    elif path in side_state:
                        main_state[path] = side_state[path]
                    # removed on main (or added on main only): keep main's
                main = commit((main, side), main_state, changed, number)
                side = side_state = None
                continue
            state = side_state if on_side else main_state
            existing = list(state)
            changed = rng.sample(existing, rng.randint(3, 16))
            for path in changed:
                state[path] = bump(path)
            if rng.random() < 0.1:
                (path,) = _paths(rng, 1, taken)
                state[path] = bump(path)
                changed.append(path)
            if rng.random() < 0.03:
                path = rng.choice(existing)
                del state[path]
                changed.append(path)
            node = commit((side if on_side else main, None), state, changed, number)
            if on_side:
                side, side_left = node, side_left - 1
            else:
                main = node
    ui.status(b"%d revisions\n" % len(repo))
