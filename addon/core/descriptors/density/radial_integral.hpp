// Radial integrals I_nl(r) of a Gaussian density on the orthonormalised GTO basis
// (docs/science.md#radial-integral), tabulated once per hyper-parameter set and interpolated by
// cubic Hermite splines (relative accuracy <= 1e-8, derivatives included).
#pragma once
#include <functional>
#include <memory>
#include <vector>

namespace hamd {

struct RadialBasisSpec {
    double cutoff;         // Angstrom, spline domain is [0, cutoff]
    int max_radial;        // n = 0..max_radial
    int max_angular;       // l = 0..max_angular
    double density_width;  // sigma, Angstrom
    bool operator==(const RadialBasisSpec& o) const {
        return cutoff == o.cutoff && max_radial == o.max_radial &&
               max_angular == o.max_angular && density_width == o.density_width;
    }
};

class RadialIntegral {
public:
    explicit RadialIntegral(const RadialBasisSpec& spec);
    const RadialBasisSpec& spec() const { return spec_; }
    int n_radial() const { return spec_.max_radial + 1; }

    // values[l * n_radial() + n] = I_nl(r); derivatives (same layout) = dI_nl/dr if not null.
    // 0 <= r <= cutoff.
    void compute(double r, double* values, double* derivatives) const;

    // Direct evaluation by quadrature, no spline (slow; for tests and tabulation).
    void compute_exact(double r, double* values, double* derivatives) const;

    // The spline (evaluate_radial_spline's arguments), for copies to a GPU.
    const std::vector<double>& table() const { return table_; }
    int n_points() const { return n_points_; }
    double grid_step() const { return grid_step_; }

private:
    RadialBasisSpec spec_;
    double grid_step_ = 0.0;
    int n_points_ = 0;
    // per grid point: values then derivatives, [point][2][l][n], contiguous
    std::vector<double> table_;
    std::vector<double> orthonormalisation_;  // n_radial x n_radial, S^-1/2
};

// Tabulation is costly (milliseconds to seconds for large bases): share one table per spec across
// requests. A table is built outside the cache's lock, so one client's slow first request does not
// hold up requests for other specs; concurrent first requests for one spec wait for one build.
// A build that throws is not cached (the next request tries again).
std::shared_ptr<const RadialIntegral> cached_radial_integral(const RadialBasisSpec& spec);

namespace detail {
// cached_radial_integral with the table's construction supplied (tests: a build that waits).
std::shared_ptr<const RadialIntegral> cached_radial_integral_with(
    const RadialBasisSpec& spec, const std::function<std::shared_ptr<const RadialIntegral>()>& build);
}  // namespace detail

}  // namespace hamd
