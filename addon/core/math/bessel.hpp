// Exponentially scaled modified spherical Bessel functions of the first kind,
// e^{-z} i_l(z) for z >= 0: they never overflow, which lets the radial integrand carry
// exp(-(x - r)^2 / (2 sigma^2)) instead of a huge i_l times a tiny Gaussian.
#pragma once
#include <vector>

namespace hamd {

class ScaledSphericalBesselI {
public:
    static constexpr int kMaxOrder = 34;  // the series below stays in double range up to here

    explicit ScaledSphericalBesselI(int max_l);  // 0 <= max_l <= kMaxOrder
    int max_l() const { return max_l_; }

    // out[l] = exp(-z) i_l(z) for l = 0..max_l, z >= 0. Relative accuracy ~1e-14, no allocation.
    void compute(double z, double* out) const;

private:
    double series(int l, double z) const;
    double finite_expansion(int which, double z, double exp_minus_2z) const;

    int max_l_;
    double asymptotic_threshold_;
    int small_terms_, top_terms_;
    std::vector<double> small_series_;   // [l][k-1] = 1 / (k (2l+2k+1)), k <= small_terms_
    std::vector<double> top_series_[2];  // same for l = max_l - which, k <= top_terms_
    std::vector<double> expansion_[2];   // [k-1] = (n+k)(n-k+1)/(2k), n = max_l - which
    std::vector<double> inverse_odd_;    // [j] = 1 / (2j + 1)
};

}  // namespace hamd
