// A vector of smooth functions of one variable on [0, upper], tabulated with their exact
// derivatives on a uniform grid and interpolated by cubic Hermite polynomials (private helper of
// the LODE integrals). The grid is refined until, at every interval midpoint (where the Hermite
// error peaks), the interpolant is within `tolerance` of the function, relative to each channel's
// largest value (floored at 1e-6 of the largest value of all channels), as radial_integral.cpp does.
#pragma once
#include <functional>
#include <vector>

namespace hamd {

class HermiteTable {
public:
    // f(x, values, derivatives) fills `channels` values and derivatives at x. `feature`: the
    // smallest length scale of the functions (the first grid spacing). ResourceExhausted beyond
    // 64 MiB of table.
    using Function = std::function<void(double x, double* values, double* derivatives)>;
    HermiteTable(const Function& f, double upper, int channels, double feature, double tolerance);

    int channels() const { return channels_; }
    double upper() const { return upper_; }
    size_t points() const { return (size_t)n_points_; }
    // values (and derivatives if not null) of every channel at 0 <= x <= upper.
    void compute(double x, double* values, double* derivatives) const;

private:
    int channels_;
    double upper_;
    double step_ = 0.0;
    int n_points_ = 0;
    std::vector<double> table_;  // [point][values, derivatives][channel]
};

}  // namespace hamd
