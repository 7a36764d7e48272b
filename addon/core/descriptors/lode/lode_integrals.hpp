// Radial integrals of the LODE expansion (docs/science.md#lode), for the potential of a unit
// Gaussian charge, phi(r) = erf(r / (sqrt(2) sigma)) / r (potential_exponent p = 1), projected on
// the density basis R_n restricted to the sphere r <= cutoff (lode_projection_radius; every
// integral over r below stops there):
//
//  real space:  the projection of phi(|x - d|) on R_n(x) Y_lm(x_hat) is Y_lm(d_hat) J_nl(|d|),
//               J_nl(d) = 4 pi (2 pi sigma^2)^(-3/2) int x^2 U_nl(x) exp(-(x-d)^2/2s^2) [e^-z i_l(z)]_{z = x d/s^2} dx,
//               U_nl(x) = 4 pi / (2l+1) [ x^-(l+1) int_0^x r^(l+2) R_n dr + x^l int_x^rc r^(1-l) R_n dr ]
//               (U_nl Y_lm is the Coulomb potential of the basis function R_n Y_lm; J is its
//               average over the Gaussian at d). Beyond far_field_start() (the projection radius
//               rc plus 10 sigma) J_nl(d) = 4 pi / (2l+1) M_nl / d^(l+1) exactly (mean-value
//               property), M_nl = int_0^rc r^(l+2) R_n dr.
//  reciprocal:  the projection of a plane wave exp(i k.x) is 4 pi i^l Y_lm(k_hat) P_nl(|k|),
//               P_nl(k) = int_0^rc r^2 R_n(r) j_l(k r) dr.
// Both are tabulated once (cubic Hermite, relative accuracy ~1e-9 of each channel's largest
// value, derivatives included) and shared between requests with the same basis.
#pragma once
#include <memory>
#include <vector>

#include "core/descriptors/density/radial_integral.hpp"
#include "core/descriptors/lode/hermite_table.hpp"

namespace hamd {

// The radius of the sphere on which LODE projects the potential: the cutoff. The GTO basis itself
// reaches ~2.6x further (1e-11 at 13 A for cutoff 5 A); truncating it bounds the pair terms that
// are not of the exact far-field form to d < cutoff + 10 sigma, which is what makes the finite
// far field and the periodic real-space sum cheap (docs/science.md#lode, "Cost").
inline double lode_projection_radius(const RadialBasisSpec& spec) { return spec.cutoff; }

class LodePotentialIntegral {
public:
    // `tabulate` false: no table (compute() unavailable; compute_exact and the far field only), for
    // the quick scans that choose the range separation.
    explicit LodePotentialIntegral(const RadialBasisSpec& spec, bool tabulate = true);
    const RadialBasisSpec& spec() const { return spec_; }
    int n_radial() const { return spec_.max_radial + 1; }
    double far_field_start() const { return far_; }
    // values[l * n_radial + n] = J_nl(d), derivatives = dJ_nl/dd (if not null); any d >= 0.
    void compute(double d, double* values, double* derivatives) const;
    // The same by direct quadrature (no table; d <= far_field_start()). For tests and tabulation.
    void compute_exact(double d, double* values, double* derivatives) const;
    // The far-field form 4 pi/(2l+1) M_nl / d^(l+1) at any d > 0.
    void compute_far_field(double d, double* values, double* derivatives) const;
    // J at any d without the table: the quadrature below far_field_start(), the far field beyond
    // (the scans that choose the splits, and the splits' own tables).
    void compute_untabulated(double d, double* values, double* derivatives) const;
    // M_nl = int_0^rc r^(l+2) R_n(r) dr, [l][n].
    const std::vector<double>& moments() const { return moments_; }

private:
    RadialBasisSpec spec_;
    double panel_ = 0.0, far_ = 0.0;
    int n_panels_ = 0;
    std::vector<double> nodes_;       // quadrature nodes x_j
    std::vector<double> weighted_u_;  // [j][l][n] w_j x_j^2 U_nl(x_j)
    std::vector<double> moments_;
    std::unique_ptr<HermiteTable> table_;
};

class LodePlaneWaveIntegral {
public:
    // Tabulated for 0 <= k <= max_k (1/Angstrom); `tabulate` false: compute_exact only.
    LodePlaneWaveIntegral(const RadialBasisSpec& spec, double max_k, bool tabulate = true);
    const RadialBasisSpec& spec() const { return spec_; }
    double max_k() const { return max_k_; }
    // values[l * n_radial + n] = P_nl(k), derivatives dP/dk (if not null).
    void compute(double k, double* values, double* derivatives) const;
    void compute_exact(double k, double* values, double* derivatives) const;

private:
    RadialBasisSpec spec_;
    double max_k_;
    std::vector<double> nodes_, weighted_basis_;  // [j], [j][n] w_j x_j^2 R_n(x_j)
    std::unique_ptr<HermiteTable> table_;
};

// Shared tables, one per spec (and per max_k for the plane waves; a table for a larger max_k
// serves a smaller one).
std::shared_ptr<const LodePotentialIntegral> cached_lode_potential_integral(const RadialBasisSpec& spec);
std::shared_ptr<const LodePlaneWaveIntegral> cached_lode_plane_wave_integral(const RadialBasisSpec& spec, double max_k);

}  // namespace hamd
