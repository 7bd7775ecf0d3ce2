"""The README's verdict tables say what the harness finds: every row of a table under a heading
'Verdicts (quick profile ...)' names registered claims and the verdict each one reaches (the
verdict the test suite pins, ``Claim.expected``)."""
import os
import re

from verify.registry import VERDICTS, all_claims

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _verdict_rows():
    rows, in_table = [], False
    with open(os.path.join(ROOT, "README.md")) as f:
        for line in f:
            if line.startswith("#"):
                in_table = "Verdicts (quick profile" in line
                continue
            if in_table and line.startswith("| `"):
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                ids = re.findall(r"`([a-z]+:[^`]+)`", cells[0])
                word = re.sub(r"[*]", "", cells[1]).split()[0] if cells[1] else ""
                rows.append((ids, word, line.strip()[:80]))
    return rows


def test_readme_verdict_tables_match_the_registry():
    claims = {c.id: c for c in all_claims()}
    rows = _verdict_rows()
    assert len(rows) > 30, "the README's verdict tables were not found"
    bad = []
    for ids, word, line in rows:
        assert word in VERDICTS, f"unknown verdict {word!r} in README row {line}"
        for cid in ids:
            if "..." in cid or cid not in claims:
                continue
            if claims[cid].expected != word:
                bad.append(f"{cid}: README says {word}, the harness {claims[cid].expected}")
    assert not bad, "; ".join(bad)
