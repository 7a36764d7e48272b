"""Requests larger than one message: split into batches by the daemon's limits, answers joined.

A descriptor or Predict request of many structures may be over what the daemon accepts in one
call (ServerInfo.limits: structures, atoms and bytes per request; the size of the results). The
client splits it into consecutive batches of whole structures, sends them one after the other,
and joins the answers into the response one call would have given: for descriptors the blocks
of equal key are concatenated with their "system" (and gradient "sample") labels shifted, for
Predict the structures are concatenated. A batch still refused for the size of its results
(RESOURCE_EXHAUSTED) is halved and retried; a single structure over the limits is an error.
"""
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np

from ._proto import hamd_pb2
from .arrays import array_from_proto, array_to_proto

# Bytes a structure adds to a request besides its positions (labels, framing): a margin.
_STRUCTURE_OVERHEAD = 256


def plan_batches(atom_counts: Sequence[int], limits: Dict[str, int]) -> List[Tuple[int, int]]:
    """Consecutive [start, stop) ranges of structures within max_structures_per_request,
    max_atoms_per_request and max_message_bytes (24 bytes of positions per atom + overhead)."""
    max_structures = int(limits.get("max_structures_per_request") or 0) or len(atom_counts) or 1
    max_atoms = int(limits.get("max_atoms_per_request") or 0) or (1 << 62)
    max_bytes = int(limits.get("max_message_bytes") or 0) or (1 << 62)
    batches, start, atoms, size = [], 0, 0, 0
    for i, n in enumerate(atom_counts):
        need = 24 * n + 4 * n + _STRUCTURE_OVERHEAD
        if i > start and (i - start >= max_structures or atoms + n > max_atoms or size + need > max_bytes // 2):
            batches.append((start, i))
            start, atoms, size = i, 0, 0
        atoms += n
        size += need
    if atom_counts:
        batches.append((start, len(atom_counts)))
    return batches


def run_batches(send: Callable[[int, int], Any], batches: List[Tuple[int, int]],
                too_large: Callable[[Exception], bool], progress: Optional[Callable[[int], None]] = None
                ) -> Iterator[Tuple[int, int, Any]]:
    """Yields (start, stop, answer) for every batch in order, halving a batch whose answer the
    daemon refuses as too large (too_large(error)); progress(k) after k more structures."""
    pending = list(reversed(batches))
    while pending:
        start, stop = pending.pop()
        try:
            answer = send(start, stop)
        except Exception as error:  # noqa: BLE001 - re-raised unless the batch can be halved
            if stop - start > 1 and too_large(error):
                middle = (start + stop) // 2
                pending.extend([(middle, stop), (start, middle)])
                continue
            raise
        if progress is not None:
            progress(stop - start)
        yield start, stop, answer


def _shifted_labels(message: hamd_pb2.Labels, shifts: Dict[str, int]) -> np.ndarray:
    values = array_from_proto(message.values).astype(np.int32, copy=True) if message.values.shape else \
        np.zeros((0, len(message.names)), dtype=np.int32)
    for column, name in enumerate(message.names):
        if name in shifts:
            values[:, column] += shifts[name]
    return values


def merge_descriptor_responses(parts: List[Tuple[int, hamd_pb2.ComputeDescriptorsResponse]]
                               ) -> hamd_pb2.ComputeDescriptorsResponse:
    """One ComputeDescriptorsResponse from the responses of consecutive batches, each given with
    the index of its first structure. All batches must share the properties (the caller fixes
    `species`), so that equal keys have equal property labels."""
    key_names: Optional[Tuple[str, ...]] = None
    by_key: Dict[Tuple[int, ...], List[Tuple[int, hamd_pb2.Block]]] = {}
    compute_us = queue_us = 0.0
    for offset, response in parts:
        names = tuple(response.keys.names)
        if key_names is None:
            key_names = names
        elif names != key_names:
            raise ValueError(f"batches answered with different key names: {key_names} and {names}")
        keys = array_from_proto(response.keys.values) if response.keys.values.shape else np.zeros((0, len(names)), np.int32)
        for key, block in zip(keys, response.blocks):
            by_key.setdefault(tuple(int(k) for k in key), []).append((offset, block))
        compute_us += response.compute_us
        queue_us += response.queue_us
    merged = hamd_pb2.ComputeDescriptorsResponse(compute_us=compute_us, queue_us=queue_us)
    merged.keys.names.extend(key_names or ())
    ordered = sorted(by_key)
    merged.keys.values.CopyFrom(array_to_proto(np.array(ordered, dtype=np.int32).reshape(len(ordered), len(key_names or ())), "<i4"))
    for key in ordered:
        pieces = by_key[key]
        first = pieces[0][1]
        block = merged.blocks.add()
        block.components.extend(first.components)
        block.properties.CopyFrom(first.properties)
        block.samples.names.extend(first.samples.names)
        samples, values, rows = [], [], 0
        gradient_parts: Dict[str, List[Tuple[hamd_pb2.GradientBlock, int, int]]] = {}
        for offset, piece in pieces:
            if piece.properties != first.properties:
                raise ValueError(f"block {key}: batches have different properties (give species= explicitly)")
            samples.append(_shifted_labels(piece.samples, {"system": offset}))
            values.append(array_from_proto(piece.values))
            for g in piece.gradients:
                gradient_parts.setdefault(g.parameter, []).append((g, offset, rows))
            rows += len(samples[-1])
        block.samples.values.CopyFrom(array_to_proto(np.concatenate(samples), "<i4"))
        block.values.CopyFrom(array_to_proto(np.concatenate(values), "<f8"))
        for parameter, gradient_pieces in gradient_parts.items():
            g0 = gradient_pieces[0][0]
            gradient = block.gradients.add(parameter=parameter)
            gradient.components.extend(g0.components)
            gradient.samples.names.extend(g0.samples.names)
            gradient.samples.values.CopyFrom(array_to_proto(np.concatenate(
                [_shifted_labels(g.samples, {"sample": row0, "system": offset}) for g, offset, row0 in gradient_pieces]), "<i4"))
            gradient.values.CopyFrom(array_to_proto(np.concatenate([array_from_proto(g.values) for g, _, _ in gradient_pieces]), "<f8"))
    return merged
