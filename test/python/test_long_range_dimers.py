"""The long-range benchmark in small (bench/long_range_dimers.py, a few seconds): on the LiF and
water dimer curves beyond the 5 A cutoff, the energy model with the multi-scale family must beat
the local one by at least 5x in MAE (issue 11's goal; measured 11.6x and 9.1x, docs/accuracy.md),
and on LiF the local model's error there must be the whole interaction (it cannot see the other
monomer)."""
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_multi_scale_beats_local_beyond_the_cutoff(tmp_path):
    out = subprocess.run([sys.executable, str(ROOT / "bench" / "long_range_dimers.py"), "--systems",
                          "lif-dimer,water-dimer", "--out", str(tmp_path)],
                         cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    for system in ("lif-dimer", "water-dimer"):
        match = re.search(system + r": MAE beyond 5 A local ([0-9.]+) meV, multi-scale ([0-9.]+) meV", out.stdout)
        assert match, out.stdout[-2000:]
        local, multi = float(match.group(1)), float(match.group(2))
        assert multi * 5 <= local, f"{system}: multi-scale {multi} meV is not 5x better than local {local} meV"
        if system == "lif-dimer":
            assert local > 10.0, "the local model must miss the LiF tail (about 23 meV on average beyond 5 A)"
    lif = out.stdout[out.stdout.index("lif-dimer: trained"):out.stdout.index("water-dimer: trained")]
    rows = re.findall(r"^\| ([0-9.]+) \| (-?[0-9.]+) \| (-?[0-9.]+) \| (-?[0-9.]+) \|$", lif, re.M)
    beyond = [(float(r), float(ref), float(loc)) for r, ref, loc, _ in rows if float(r) > 7.0]  # every atom pair beyond 5 A (LiF is 1.56 A long)
    assert beyond and all(abs(loc + ref) < 1e-6 for _, ref, loc in beyond), \
        "beyond the cutoff the local model's error is minus the interaction energy"
