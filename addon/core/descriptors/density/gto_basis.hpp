// The radial basis of docs/science.md#radial-basis: GTO primitives x^n exp(-x^2 / (2 s_n^2)),
// s_n = cutoff * max(sqrt(n), 1) / (max_radial + 1), made orthonormal on [0, inf) with
// weight x^2 by Loewdin S^(-1/2) from the analytic overlap (private helper of RadialIntegral).
#pragma once
#include <vector>

namespace hamd {

class GtoBasis {
public:
    // Far beyond what the conditioning allows (the overlap is singular in double precision
    // from max_radial ~ 16 on, which the constructor rejects).
    static constexpr int kMaxSize = 64;

    GtoBasis(double cutoff, int max_radial);
    int size() const { return size_; }
    double width(int n) const { return widths_[n]; }
    // Beyond this x every normalised primitive times x is below e^-50 of its peak.
    double extent() const { return extent_; }

    // Row-major n x n matrix T = S^(-1/2) (S: overlap of the raw primitives), R_n = sum_k T[n][k] primitive_k.
    const std::vector<double>& orthonormalisation() const { return transform_; }
    // Smallest eigenvalue of the normalised primitive overlap (conditioning of the basis).
    double smallest_overlap_eigenvalue() const { return smallest_eigenvalue_; }

    void primitives(double x, double* out) const;  // out[n] = x^n exp(-x^2 / (2 s_n^2))
    void evaluate(double x, double* out) const;    // orthonormal R_n(x)

private:
    int size_;
    std::vector<double> widths_;
    std::vector<double> transform_;
    double extent_ = 0.0;
    double smallest_eigenvalue_ = 0.0;
};

}  // namespace hamd
