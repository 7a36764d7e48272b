// Real spherical harmonics (docs/science.md#real-spherical-harmonics): orthonormal, "Wikipedia" real
// convention without Condon-Shortley phase left, index l(l+1)+m, so l=1 is (y, z, x).
// Computed through a recursion on solid harmonics r^l Y_lm (no division by r_xy).
#pragma once
#include <vector>

namespace hamd {

class SphericalHarmonics {
public:
    explicit SphericalHarmonics(int max_angular);  // supports at least max_angular = 20
    int max_angular() const { return max_angular_; }
    int size() const { return (max_angular_ + 1) * (max_angular_ + 1); }

    // values[l(l+1)+m] = Y_lm(r / |r|) for l = 0..max_angular.
    // If gradients != nullptr: gradients[d * size() + lm] = d Y_lm(r/|r|) / d r_d, d = x, y, z
    // (gradient with respect to the un-normalised vector r). |r| must be > 0.
    void compute(const double r[3], double* values, double* gradients) const;

    // F_lm then the recursion pairs (real_spherical_harmonics' factor and recursion), for copies to a GPU.
    const std::vector<double>& coefficients() const { return coefficients_; }

private:
    int max_angular_;
    std::vector<double> coefficients_;  // recursion prefactors, precomputed
};

}  // namespace hamd
