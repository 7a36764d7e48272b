"""An in-process stand-in for the daemon, serving the reference implementation's
spherical expansion and power spectrum through the real hamd.v1 service, so that the
client's request and response conversion can be tested without the native addon."""
from concurrent import futures

import grpc
import numpy as np

from hamd._proto import hamd_pb2, hamd_pb2_grpc
from hamd.arrays import array_from_proto, array_to_proto
from reference import Hypers, power_spectrum, spherical_expansion


def labels(names, rows):
    rows = np.asarray(rows, dtype=np.int32).reshape(-1, len(names))
    return hamd_pb2.Labels(names=names, values=array_to_proto(rows, "<i4"))


def structures_from_request(request):
    out = []
    for s in request.structures:
        positions = array_from_proto(s.positions)
        if s.HasField("cell"):
            out.append((list(s.atomic_numbers), positions, array_from_proto(s.cell), list(s.pbc) or [False] * 3))
        else:
            out.append((list(s.atomic_numbers), positions))
    return out


def hypers_from_request(h):
    defaults = Hypers()
    return Hypers(cutoff=h.cutoff or defaults.cutoff, cutoff_width=h.cutoff_width or defaults.cutoff_width,
                  max_radial=h.max_radial if h.HasField("max_radial") else defaults.max_radial,
                  max_angular=h.max_angular if h.HasField("max_angular") else defaults.max_angular,
                  density_width=h.density_width or defaults.density_width,
                  center_atom_weight=h.center_atom_weight if h.HasField("center_atom_weight") else 1.0)


class ReferenceServicer(hamd_pb2_grpc.HamdServicer):
    def GetServerInfo(self, request, context):
        return hamd_pb2.ServerInfo(version="0.0.0-fake", api_version="hamd.v1", threads=1,
                                   descriptor_kinds=["spherical-expansion", "power-spectrum"])

    def ComputeDescriptors(self, request, context):
        structures = structures_from_request(request)
        for i, (_, positions, *_) in enumerate(structures):
            if not np.all(np.isfinite(positions)):
                context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"structure {i}: non-finite position")
        if len(structures) > 3:
            context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, "more than 3 structures")
        hypers = hypers_from_request(request.hypers)
        species = list(request.species) or sorted({z for s in structures for z in s[0]})
        rows = [(s, i, z) for s, st in enumerate(structures) for i, z in enumerate(st[0])]
        centers = sorted({r[2] for r in rows})
        response = hamd_pb2.ComputeDescriptorsResponse()
        if request.kind == "spherical-expansion":
            coefficients = np.concatenate(spherical_expansion(structures, hypers, species))
            keys = []
            # blocks in reverse sample order, to check that the client sorts rows itself
            for z in centers:
                mine = [k for k, r in enumerate(rows) if r[2] == z][::-1]
                for a, neighbor in enumerate(species):
                    for l in range(hypers.max_angular + 1):
                        keys.append((l, 1, z, neighbor))
                        values = coefficients[mine][:, a, l * l:(l + 1) ** 2, :]
                        response.blocks.append(hamd_pb2.Block(
                            samples=labels(["system", "atom"], [rows[k][:2] for k in mine]),
                            components=[labels(["o3_mu"], np.arange(-l, l + 1))],
                            properties=labels(["n"], np.arange(hypers.max_radial + 1)),
                            values=array_to_proto(values, "<f8")))
            response.keys.CopyFrom(labels(["o3_lambda", "o3_sigma", "center_type", "neighbor_type"], keys))
        elif request.kind == "power-spectrum":
            _, properties, values = power_spectrum(structures, hypers, species)
            for z in centers:
                mine = [k for k, r in enumerate(rows) if r[2] == z]
                response.blocks.append(hamd_pb2.Block(
                    samples=labels(["system", "atom"], [rows[k][:2] for k in mine]),
                    properties=labels(["neighbor_1_type", "neighbor_2_type", "l", "n_1", "n_2"], properties),
                    values=array_to_proto(values[mine], "<f8")))
            response.keys.CopyFrom(labels(["o3_lambda", "o3_sigma", "center_type"], [(0, 1, z) for z in centers]))
        else:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, f"kind {request.kind!r} not served by the fake")
        return response


def start(address):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    hamd_pb2_grpc.add_HamdServicer_to_server(ReferenceServicer(), server)
    server.add_insecure_port(address)
    server.start()
    return server
