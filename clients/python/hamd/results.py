"""ComputeDescriptorsResponse -> labelled numpy blocks, and the dense per-atom view.

The dense view joins the blocks of equal (o3_lambda, o3_sigma): center_type moves into the
rows (sorted by structure, atom) and any other key column (neighbor_type) into the
properties, in front of the block's own property columns. For pair-features the rows are the
pairs (structure, first_atom, second_atom, cell_shift_a, cell_shift_b, cell_shift_c), sorted,
and the two atom types of the key are left out (the pair's atoms determine them).
"""
import dataclasses
from collections.abc import Mapping
from typing import Any, Dict, Iterator, List, Tuple

import numpy as np

from ._proto import hamd_pb2
from .arrays import Labels, array_from_proto, bytes_view, labels_from_proto

# "correlation" is equivariant even with max_lambda = 0: its blocks always have [o3_mu].
INVARIANT_KINDS = ("power-spectrum", "bispectrum", "triplet")


@dataclasses.dataclass
class GradientBlock:
    """Gradients of a block's values with respect to `parameter` ("positions" or "cell")."""

    parameter: str
    samples: Labels
    components: List[Labels]
    values: np.ndarray


@dataclasses.dataclass
class Block:
    """One labelled block of a descriptor response (metatensor-like)."""

    key: Dict[str, int]
    samples: Labels
    components: List[Labels]
    properties: Labels
    values: np.ndarray
    gradients: Dict[str, GradientBlock]


def block_from_proto(key: Dict[str, int], message: hamd_pb2.Block, region: Any = None) -> Block:
    """A Block message (with its key) -> Block; checks that values and labels agree in shape.
    region: the request's shared-memory region, for arrays the daemon wrote there."""
    gradients = {}
    for g in message.gradients:
        gradients[g.parameter] = GradientBlock(
            parameter=g.parameter,
            samples=labels_from_proto(g.samples, region),
            components=[labels_from_proto(c) for c in g.components],
            values=array_from_proto(g.values, region),
        )
    block = Block(key=key, samples=labels_from_proto(message.samples, region),
                  components=[labels_from_proto(c) for c in message.components],
                  properties=labels_from_proto(message.properties, region),
                  values=array_from_proto(message.values, region), gradients=gradients)
    expected = (len(block.samples), *(len(c) for c in block.components), len(block.properties))
    if block.values.shape != expected:
        raise ValueError(f"block {key}: values of shape {block.values.shape}, labels say {expected}")
    return block


def _sample_codes(samples: Labels) -> np.ndarray:
    """(structure, atom) rows as one sortable int64 each."""
    structure = samples.column("system").astype(np.int64) if "system" in samples.names else samples.values[:, 0].astype(np.int64)
    atom = samples.column("atom").astype(np.int64)
    return (structure << 32) | atom


# Key columns that a sample determines (they are not moved into the dense view's properties).
_SAMPLE_KEYS = ("o3_lambda", "o3_sigma", "center_type", "first_atom_type", "second_atom_type")


def _joined_rows(blocks: List[Block]) -> Tuple[np.ndarray, List[np.ndarray]]:
    """The distinct samples of the blocks, ascending, and each block's rows among them."""
    if "atom" in blocks[0].samples.names:  # (structure, atom): one int64 code per row
        block_codes = [_sample_codes(b.samples) for b in blocks]
        codes = np.unique(np.concatenate(block_codes))
        samples = np.stack([codes >> 32, codes & 0xFFFFFFFF], axis=1).astype(np.int64)
        return samples, [np.searchsorted(codes, c) for c in block_codes]
    # any other samples (pair-features: structure, first atom, second atom, cell shift)
    width = len(blocks[0].samples.names)
    stacked = np.concatenate([np.asarray(b.samples.values, dtype=np.int64).reshape(-1, width) for b in blocks])
    if len(stacked) == 0:
        return stacked, [np.zeros(0, np.int64) for _ in blocks]
    samples, inverse = np.unique(stacked, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    bounds = np.cumsum([0] + [len(b.samples) for b in blocks])
    return samples, [inverse[bounds[k]:bounds[k + 1]] for k in range(len(blocks))]


def join_blocks(blocks: List[Block]) -> Tuple[np.ndarray, Labels, np.ndarray]:
    """Blocks sharing (o3_lambda, o3_sigma) -> (samples [n, sample columns], properties Labels, values)."""
    extra = [name for name in blocks[0].key if name not in _SAMPLE_KEYS]
    property_names = tuple(extra) + blocks[0].properties.names
    samples, block_rows = _joined_rows(blocks)
    component_shape = blocks[0].values.shape[1:-1]
    first = blocks[0].properties.values
    if not extra and all(np.array_equal(b.properties.values, first) for b in blocks[1:]):
        # Every block has the same properties (the invariants of every centre type): the dense
        # array is the blocks' rows interleaved, each element written once (no zero fill and no
        # per-label Python work: this join is most of a large request's client-side time).
        rows_total = sum(len(r) for r in block_rows)
        values = np.empty((len(samples), *component_shape, len(first)))
        if rows_total != len(samples):  # a sample in two blocks: not a partition
            values[...] = 0.0
        for block, rows in zip(blocks, block_rows):
            values[rows] = block.values
        return samples, Labels(property_names, np.array(first, dtype=np.int32).reshape(-1, len(property_names))), values
    column_of = {}
    block_columns = []
    for block in blocks:
        prefix = tuple(block.key[name] for name in extra)
        columns = []
        for row in map(tuple, block.properties.values.tolist()):
            label = prefix + row
            columns.append(column_of.setdefault(label, len(column_of)))
        block_columns.append(np.array(columns, dtype=np.int64))
    values = np.zeros((len(samples), *component_shape, len(column_of)))
    for block, rows, columns in zip(blocks, block_rows, block_columns):
        index = np.ix_(rows, *(np.arange(n) for n in component_shape), columns)
        values[index] = block.values
    properties = Labels(property_names, np.array(list(column_of), dtype=np.int32).reshape(-1, len(property_names)))
    return samples, properties, values


class DescriptorResult(Mapping):
    """What Client.descriptors returns: a read-only mapping with the raw labelled blocks ("keys",
    "blocks", "compute_us", "queue_us") and the dense per-atom view ("values", "samples",
    "properties"). The dense view is joined from the blocks when first asked for, not before:
    the blocks are views of the answer (or of the shared-memory region) and cost nothing, while
    the join copies every value once (~3 ms for 1000 atoms of power spectrum), which a caller
    that reads the blocks never needs."""

    _DENSE = ("values", "samples", "properties")

    def __init__(self, keys: Labels, blocks: List[Block], kind: str, compute_us: int, queue_us: int) -> None:
        self._kind = kind
        self._entries: Dict[str, Any] = {"keys": keys, "blocks": blocks,
                                          "compute_us": compute_us, "queue_us": queue_us}

    def __getitem__(self, name: str) -> Any:
        if name in self._DENSE and name not in self._entries:
            self._entries.update(_dense_view(self._entries["blocks"], self._kind))
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(("keys", "blocks", "compute_us", "queue_us") + self._DENSE)

    def __len__(self) -> int:
        return 7

    def __repr__(self) -> str:
        return f"DescriptorResult(kind={self._kind!r}, blocks={len(self._entries['blocks'])})"


def _dense_view(blocks: List[Block], kind: str) -> Dict[str, Any]:
    """The blocks joined per (o3_lambda, o3_sigma): values, samples and properties."""
    groups: Dict[Tuple[int, int], List[Block]] = {}
    for block in blocks:
        groups.setdefault((block.key.get("o3_lambda", 0), block.key.get("o3_sigma", 1)), []).append(block)
    joined = {lam_sigma: join_blocks(group) for lam_sigma, group in sorted(groups.items())}
    if kind in INVARIANT_KINDS:
        # invariants: the (lambda = 0, sigma = +1) blocks; others (if any) stay in `blocks`
        samples, properties, values = joined.get((0, 1), (np.zeros((0, 2), np.int64), Labels((), np.zeros((0, 0), np.int32)), np.zeros((0, 0))))
        return {"values": values, "samples": samples, "properties": properties}
    out: Dict[str, Any] = {"values": {k: v[2] for k, v in joined.items()},
                           "properties": {k: v[1] for k, v in joined.items()}}
    all_samples = [v[0] for v in joined.values()]
    out["samples"] = all_samples[0] if all_samples else np.zeros((0, 2), np.int64)
    if any(not np.array_equal(s, out["samples"]) for s in all_samples):
        out["samples"] = {k: v[0] for k, v in joined.items()}
    return out


def response_to_result(response: hamd_pb2.ComputeDescriptorsResponse, kind: str, region: Any = None) -> DescriptorResult:
    """The DescriptorResult that Client.descriptors returns (see its docstring); region: the
    request's shared-memory region (hamd.shared_memory.Region) or streamed buffer, if any."""
    keys = labels_from_proto(response.keys)
    if len(keys) != len(response.blocks):
        raise ValueError(f"{len(keys)} keys but {len(response.blocks)} blocks")
    blocks = [block_from_proto(dict(zip(keys.names, map(int, row))), message, region)
              for row, message in zip(keys.values, response.blocks)]
    return DescriptorResult(keys, blocks, kind, response.compute_us, response.queue_us)


class StreamedArrays:
    """The bulk arrays of a ComputeDescriptorsStream answer, gathered from its chunks into one
    buffer (one copy of each byte) and handed out as read-only numpy views, like a shared-memory
    region's (the header's arrays are marked in_region, at their offset in the buffer)."""

    def __init__(self, header: hamd_pb2.ComputeDescriptorsResponse) -> None:
        self._response = hamd_pb2.ComputeDescriptorsResponse()
        self._response.CopyFrom(header)
        self._places: List[Tuple[int, int]] = []   # (offset, bytes) per array, block by block
        self._index: Dict[Tuple[int, int], int] = {}
        offset = 0
        for b, block in enumerate(self._response.blocks):
            for g, array in [(-1, block.values)] + [(g, x.values) for g, x in enumerate(block.gradients)]:
                size = int(np.prod(array.shape, dtype=np.int64)) * np.dtype(array.dtype).itemsize
                array.in_region, array.region_offset = True, offset
                self._index[(b, g)] = len(self._places)
                self._places.append((offset, size))
                offset += -(-size // 64) * 64
        self._buffer = bytearray(offset)
        self._filled = [0] * len(self._places)

    def add(self, chunk: hamd_pb2.DescriptorChunk) -> None:
        """Copies one chunk's bytes to their place."""
        key = (chunk.block, chunk.gradient)
        if key not in self._index:
            raise ValueError(f"chunk for block {chunk.block}, gradient {chunk.gradient}: no such array")
        k = self._index[key]
        start, size = self._places[k]
        if chunk.offset + len(chunk.data) > size:
            raise ValueError(f"chunk for block {chunk.block}, gradient {chunk.gradient} runs past the array's {size} bytes")
        self._buffer[start + chunk.offset:start + chunk.offset + len(chunk.data)] = chunk.data
        self._filled[k] += len(chunk.data)

    def finish(self) -> hamd_pb2.ComputeDescriptorsResponse:
        """The response, once every array's bytes came (else ValueError: the stream was cut)."""
        missing = [k for k, (_, size) in enumerate(self._places) if self._filled[k] != size]
        if missing:
            raise ValueError(f"the stream ended with {len(missing)} arrays incomplete")
        self._bytes = np.frombuffer(self._buffer, dtype=np.uint8)
        return self._response

    def view(self, offset: int, dtype: str, shape: Any) -> np.ndarray:
        """A read-only array of `shape` at byte `offset` of the buffer."""
        return bytes_view(self._bytes, offset, dtype, shape, "the streamed answer")
