"""client.session(..., contributing=...) against the daemon (the default model, ethanol): the
energy is the contributing atoms' share of Predict's per-atom energies, ghosts get forces and
per-atom energy 0, and a mask of the wrong length is refused with the field named."""
import numpy as np
import pytest

import hamd
from test_c_client import ethanol_frames


def test_contributing_mask_in_a_python_session(client):
    numbers, frames = ethanol_frames(1)
    numbers = np.concatenate([numbers, numbers])
    positions = np.vstack([frames[0], frames[0] + [3.0, 0.5, 0.0]])
    flags = [True] * 9 + [False] * 9
    outputs = ("energy", "forces", "energies")
    whole = client.predict((numbers, positions), outputs=outputs)
    with client.session((numbers, positions), outputs=outputs, contributing=flags) as session:
        got = session.step(positions)
    # Per-atom energies depend on each atom's neighbourhood only: the same in both.
    assert got["energy"] == pytest.approx(whole["energies"][:9].sum(), rel=1e-12, abs=1e-12)
    assert np.allclose(got["energies"][:9], whole["energies"][:9], rtol=1e-12, atol=1e-12)
    assert np.all(got["energies"][9:] == 0)
    assert np.abs(got["forces"][9:]).max() > 1e-4
    assert np.abs(got["forces"].sum(axis=0)).max() < 1e-10  # translation invariance


def test_contributing_mask_of_the_wrong_length_is_invalid_argument(client):
    numbers, frames = ethanol_frames(1)
    with pytest.raises(hamd.InvalidArgument, match=r"open\.contributing: 8 flags for 9 atoms"):
        client.session((numbers, frames[0]), contributing=[True] * 8)
