// The LODE pair integral for a potential exponent p != 1 (docs/science.md#lode, "Other
// exponents"), finite structures. The smeared potential is
//   phi_p(r) = P(p/2, r^2 / 2 sigma^2) / r^p   (P: the regularised lower incomplete gamma function;
//   p = 1 gives erf(r / sqrt2 sigma) / r, the potential of LodePotentialIntegral),
// and its projection on R_n Y_lm inside the cutoff sphere, around a centre at distance d, is
// Y_lm(d_hat) J^p_nl(d) with (Funk-Hecke)
//   J^p_nl(d) = 2 pi int_0^rc x^2 R_n(x) int_-1^1 phi_p(rho) P_l(t) dt dx,   rho^2 = x^2 + d^2 - 2 x d t,
// the inner integral taken in rho (dt = -rho drho / (x d)) on Gauss-Legendre panels no wider than
// sigma. phi_p is not harmonic, so there is no exact multipole form; beyond d_far = rc + 10 sigma,
// phi_p = 1/rho^p and the Gegenbauer expansion |x - d|^-p = d^-p sum_k C^(p/2)_k(t) (x/d)^k gives
//   J^p_nl(d) = sum_j a_lj M_n,l+2j / d^(p+l+2j),   a_lj = 2 pi int_-1^1 C^(p/2)_(l+2j)(t) P_l(t) dt,
// M_n,k = int_0^rc x^(k+2) R_n dx, a series in (rc/d)^2 <= (rc/d_far)^2 summed to 1e-16.
// Below d_far J and dJ/dd are tabulated (cubic Hermite, 1e-9 of each channel's largest value;
// its derivative by Leibniz' rule under the integral).
#pragma once
#include <memory>
#include <vector>

#include "core/descriptors/density/radial_integral.hpp"
#include "core/descriptors/lode/hermite_table.hpp"
#include "core/math/quadrature.hpp"

namespace hamd {

class LodePowerIntegral {
public:
    LodePowerIntegral(const RadialBasisSpec& spec, double exponent);
    const RadialBasisSpec& spec() const { return spec_; }
    double exponent() const { return p_; }
    int n_radial() const { return spec_.max_radial + 1; }
    double far_field_start() const { return far_; }
    // values[l * n_radial + n] = J^p_nl(d), derivatives d/dd (if not null); any d >= 0.
    void compute(double d, double* values, double* derivatives) const;
    // By quadrature (no table); any d >= 0, derivatives (if not null) for d > 0 (slow: for the
    // table and tests).
    void compute_exact(double d, double* values, double* derivatives = nullptr) const;
    // The Gegenbauer series, d >= far_field_start().
    void compute_far_field(double d, double* values, double* derivatives) const;
    // phi_p(r).
    double potential(double r) const;

private:
    double tabulated_potential(double r) const;  // phi_p from its table, 1/r^p beyond
    RadialBasisSpec spec_;
    double p_, far_ = 0.0;
    QuadratureRule rule_;                         // 10-point Gauss-Legendre, for every panel
    std::vector<double> nodes_, weighted_basis_;  // outer quadrature: x_q, and w_q x_q^2 R_n(x_q) [q][n]
    std::vector<std::vector<double>> series_;     // [l * N + n][j] = a_lj M_n,l+2j
    std::unique_ptr<HermiteTable> potential_table_, table_;
};

// Shared tables, one per (basis, exponent).
std::shared_ptr<const LodePowerIntegral> cached_lode_power_integral(const RadialBasisSpec& spec, double exponent);

}  // namespace hamd
