"""Mercurial 7.2.4's own revlog writer, in this process, as a test oracle.

write_with_mercurial() appends a history to a new revlog through
mercurial.revlog (mercurial.changelog for a changelog, with the delta rules
Mercurial gives each kind of revlog), configured as a repository of the
given format would configure it.  mercurial_diff() is the diff Mercurial's
revlogs store (its C bdiff on CPython, its pure one elsewhere): given to our
writer (see with_textdiff) it must then write the very same bytes.
"""
import os
import types
from typing import Optional, Sequence

import revlog

import hgoracle
from writespecs import History

KIND_TARGETS = {"changelog": None, "manifest": 3, "filelog": 10, "other": None}


def mercurial_diff():
    """Mercurial's storage diff function."""
    hgoracle.mercurial()
    from mercurial import mdiff

    return mdiff.storage_diff


def with_textdiff(backend, textdiff) -> types.SimpleNamespace:
    """A backend namespace like `backend` but diffing with textdiff."""
    names = {name: getattr(backend, name) for name in dir(backend) if not name.startswith("__")}
    names["textdiff"] = textdiff
    return types.SimpleNamespace(**names)


def _options(fmt: revlog.Format, max_chain_len: Optional[int]) -> dict:
    from mercurial.revlogutils import config

    feature, data, delta = config.FeatureConfig(), config.DataConfig(), config.DeltaConfig()
    feature.compression_engine = fmt.compression.encode()
    data.generaldelta = delta.general_delta = fmt.generaldelta
    delta.sparse_revlog = fmt.sparse
    data.with_sparse_read = fmt.sparse
    delta.candidate_group_chunk_size = 20   # the repository defaults hg applies
    delta.delta_fold_tolerance = 1.05
    delta.delta_fold_estimate = False       # "when-fast": only with Rust
    delta.lazy_delta_base = True            # reuse-external-delta-parent: not format.generaldelta
    delta.filter_suspicious_delta = True    # not reuse-external-suspicious-delta-parent
    if max_chain_len is None and fmt.sparse:
        max_chain_len = 1000
    delta.max_chain_len = max_chain_len
    options = {b"feature-config": feature, b"data-config": data, b"delta-config": delta}
    options[b"revlogv1" if fmt.version == 1 else b"revlogv0"] = True
    if fmt.filelog_meta:
        options[b"filelog_hasmeta_flag"] = True
    if fmt.generaldelta:
        options[b"generaldelta"] = True
    if fmt.delta_info:
        options[b"delta-info-flags"] = True
        data.delta_info = delta.delta_info = True
    return options


def write_with_mercurial(directory: str, radix: str, fmt: revlog.Format, kind: str,
                         history: History, max_chain_len: Optional[int] = None,
                         group: Sequence[tuple] = ()) -> str:
    """Write history to directory/radix.i with Mercurial, then add `group`
    ((node, p1, p2, linkrev, delta base node, delta) items) with its addgroup;
    the index path."""
    hgoracle.mercurial()
    from mercurial import changelog, revlog as hgrevlog, transaction, vfs as vfsmod
    from mercurial.revlogutils import constants

    opener = vfsmod.vfs(directory.encode(), audit=False)
    opener.options = _options(fmt, max_chain_len)
    tr = transaction.transaction(lambda message: None, opener, {b"": opener}, b"journal")
    if kind == "changelog":
        rl = changelog.changelog(opener)
    else:
        target = {"manifest": constants.KIND_MANIFESTLOG, "filelog": constants.KIND_FILELOG,
                  "other": constants.KIND_OTHER}[kind]
        rl = hgrevlog.revlog(opener, target=(target, b"x"), radix=radix.encode(),
                             upperboundcomp=KIND_TARGETS[kind], censorable=kind == "filelog",
                             writable=True, may_inline=fmt.inline)
    nodes = {-1: b"\0" * 20}
    for rev, (text, p1, p2) in enumerate(history):
        nodes[rev] = rl.node(rl.addrevision(text, tr, rev, nodes[p1], nodes[p2]))
    if group:
        from mercurial.revlogutils import InboundRevision

        inbound = [InboundRevision(node, p1, p2, linkrev.to_bytes(4, "big"), base, delta, 0, {})
                   for node, p1, p2, linkrev, base, delta in group]
        rl.addgroup(inbound, lambda link: int.from_bytes(link, "big"), tr)
    tr.close()
    for name in os.listdir(directory):
        if name.startswith(("journal", "undo")):
            os.unlink(os.path.join(directory, name))
    return os.path.join(directory, radix + ".i")
