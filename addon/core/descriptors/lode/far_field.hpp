// The far field of the finite LODE sum (docs/science.md#lode, "Cost"): beyond
// LodePotentialIntegral::far_field_start() a pair term is exactly
//   J_nl(d) Y_lm(d_hat) = 4 pi / (2l+1) M_nl I_lm(d),   I_lm(d) = Y_lm(d_hat) / |d|^(l+1),
// a moment of the basis times an irregular solid harmonic of the pair vector. So a centre needs,
// per species, only the sum of I_lm over its far atoms ((l_max+1)^2 numbers per pair instead of
// the n_max (l_max+1)^2 products of a near pair), and the basis enters once per centre.
#pragma once
#include <vector>

namespace hamd {

class IrregularHarmonicsSum {
public:
    explicit IrregularHarmonicsSum(int max_angular);
    int max_angular() const { return max_angular_; }
    // sums[l(l+1)+m] += sum_j I_lm(d_j), d_j = (x_j, y_j, z_j) - centre, over the `count` points
    // with |d_j|^2 >= min_distance2 (> 0; the others, the centre among them, add nothing), with the
    // real harmonics of SphericalHarmonics. Vectorised over the points (a mask, not a branch).
    void add_beyond(const double centre[3], const double* x, const double* y, const double* z, int count,
                    double min_distance2, double* sums) const;
    // sums[l(l+1)+m] += sum_j factors[l * count + j] I_lm(x_j, y_j, z_j): vectors (not points; none
    // of length 0) with a factor per l and vector (the screened multipoles of the periodic sum).
    void add_weighted(const double* x, const double* y, const double* z, const double* factors, int count,
                      double* sums) const;

private:
    void accumulate(const double* centre, const double* x, const double* y, const double* z, const double* factors,
                    int count, double min_distance2, double* sums) const;
    int max_angular_;
    std::vector<double> factor_;     // F_lm at l(l+1)+m (SphericalHarmonics' normalisation)
    std::vector<double> recursion_;  // (a_lm, b_lm) per triangular (l, m)
};

}  // namespace hamd
