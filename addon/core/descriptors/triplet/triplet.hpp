// Triplet features (docs/science.md#triplet-features-and-completeness; Nigam, Pozdnyakov,
// Huguenin-Dumittan, Ceriotti, "Completeness of atomic structure representations", 2024):
// per centre i and ordered pair (j, k) of its neighbours (every kept neighbour-list pair,
// periodic images included; j == k included, the centre's own density is not a neighbour),
//   g_ij[n l m] = fc(r_ij) R_nl(r_ij) Y_lm(r_ij_hat)       (channel = type of j)
//   t_ijk[a1 n1 l1, n2 l2, n3 l3] = (-1)^l3 / sqrt(2 l3 + 1)
//        sum C^{l3 m3}_{l1 m1, l2 m2} rho_i[a1 n1 l1 m1] g_ij[n2 l2 m2] g_ik[n3 l3 m3]
//   T_i[q] = sum_{j, k} f(t_ijk[q])
// with rho_i the centre's full spherical expansion (its own density included) and f the
// request's nonlinearity (nonlinearity.hpp). t is the bispectrum's coupling B(rho, g_j, g_k)
// (bispectrum.hpp), so with f = identity T_i = B(rho_i, rho_i - c_i, rho_i - c_i), c_i the
// centre's own density: a linear function of the nu <= 3 features.
//
// Block (o3_lambda = 0, o3_sigma = 1, center_type); properties (neighbor_1_type = a1, the
// density's channel; neighbor_2_type = type of j; neighbor_3_type = type of k; l_1, l_2, l_3,
// n_1, n_2, n_3) with l1 + l2 + l3 even and |l2 - l3| <= l1 <= l2 + l3. Swapping j and k maps
// (a2 l2 n2) <-> (a3 l3 n3) up to a sign, so only (a2, l2) <= (a3, l3) are kept, with every
// (n1, n2, n3); order a1, a2, a3, l1, l2, l3, n1, n2, n3 (n3 inner).
//
// Cost per centre with M neighbours, S species, N radial functions: P = S [S n_eq +
// S (S - 1) / 2 n_lt] N^3 properties (n_eq, n_lt: kept l triples for equal / different
// neighbour types); each of the M^2 ordered pairs evaluates f on the S n N^3 properties of
// its two types; position gradients up to ten times that, plus sum (2 l1 + 1) N^3 doubles of
// scratch per thread (docs/science.md gives sizes and measured times).
#pragma once
#include <memory>

#include "core/descriptors/kernels.hpp"
#include "core/descriptors/triplet/nonlinearity.hpp"

namespace hamd {

std::unique_ptr<DescriptorKernel> make_triplet_kernel(const ExpansionSetup& setup, Nonlinearity nonlinearity);

}  // namespace hamd
