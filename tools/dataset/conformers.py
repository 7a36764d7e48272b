"""RDKit conformer generation, run as a subprocess under an interpreter that has RDKit.

RDKit is only packaged for Debian's python (with its own numpy), while PySCF lives in another
interpreter, so the two never share a process: this script reads a JSON request on stdin and
writes JSON on stdout. It uses the standard library and RDKit only.

Request: {"molecules": [{"name", "smiles", "n_embed", "seed"}], "prune_rms": Angstrom,
          "energy_window": kcal/mol above the lowest minimum}
Reply:   {"rdkit_version", "molecules": [{"name", "symbols", "conformers": [[[x,y,z],...],...],
          "mmff_energies": [...]}]}  (Angstrom, kcal/mol; unique MMFF minima, lowest energy first)
"""
import json
import sys

from rdkit import Chem, rdBase
from rdkit.Chem import AllChem, rdMolAlign


def unique_minima(mol, ids, energies, rms_threshold, window):
    """Indices of MMFF-optimised conformers, lowest energy first, dropping repeats.

    Equal MMFF energies (mirror images, methyl rotamers) or an all-atom best-alignment RMSD
    below the threshold count as the same minimum."""
    order = sorted(range(len(energies)), key=lambda i: energies[i])
    kept = []
    for i in order:
        if energies[i] > energies[order[0]] + window:
            break  # strained embeddings are not thermally accessible
        duplicate = False
        for j in kept:
            if abs(energies[i] - energies[j]) < 1e-3:
                duplicate = True
            elif rdMolAlign.GetBestRMS(mol, mol, prbId=ids[i], refId=ids[j]) < rms_threshold:
                duplicate = True
            if duplicate:
                break
        if not duplicate:
            kept.append(i)
    return kept


def generate(entry, rms_threshold, window):
    mol = Chem.AddHs(Chem.MolFromSmiles(entry["smiles"]))
    params = AllChem.ETKDGv3()
    params.randomSeed = int(entry["seed"])
    params.numThreads = 1  # deterministic
    params.pruneRmsThresh = rms_threshold
    ids = list(AllChem.EmbedMultipleConfs(mol, numConfs=int(entry["n_embed"]), params=params))
    if not ids:
        raise RuntimeError(f"RDKit could not embed {entry['name']} ({entry['smiles']})")
    results = AllChem.MMFFOptimizeMoleculeConfs(mol, numThreads=1, maxIters=2000)
    energies = [e for (_, e) in results]
    kept = unique_minima(mol, ids, energies, rms_threshold, window)
    conformers = [mol.GetConformer(ids[i]).GetPositions().tolist() for i in kept]
    return {
        "name": entry["name"],
        "symbols": [a.GetSymbol() for a in mol.GetAtoms()],
        "conformers": conformers,
        "mmff_energies": [energies[i] for i in kept],
    }


def main():
    request = json.load(sys.stdin)
    rms = float(request.get("prune_rms", 0.1))
    window = float(request.get("energy_window", 15.0))
    reply = {"rdkit_version": rdBase.rdkitVersion,
             "molecules": [generate(m, rms, window) for m in request["molecules"]]}
    json.dump(reply, sys.stdout)


if __name__ == "__main__":
    main()
