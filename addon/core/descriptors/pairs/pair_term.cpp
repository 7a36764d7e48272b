#include "core/descriptors/pairs/pair_term.hpp"

#include "core/descriptors/density/cutoff.hpp"

namespace hamd {

PairTermEvaluator::PairTermEvaluator(const ExpansionSetup& setup)
    : setup_(setup), n_lm_(setup.n_lm()), n_radial_(setup.n_radial()) {
    const size_t radial = static_cast<size_t>(setup.max_angular() + 1) * n_radial_;
    R_.resize(radial);
    dR_.resize(radial);
    Y_.resize(n_lm_);
    dY_.resize(3 * static_cast<size_t>(n_lm_));
}

void PairTermEvaluator::compute(const double vector[3], double r, double* g, double* gradient) {
    const int L = setup_.max_angular(), N = n_radial_;
    double dfc;
    const double fc = cutoff_function(r, setup_.hypers().cutoff, setup_.hypers().cutoff_width, &dfc);
    setup_.radial().compute(r, R_.data(), gradient ? dR_.data() : nullptr);
    setup_.harmonics().compute(vector, Y_.data(), gradient ? dY_.data() : nullptr);
    // The product in this order (fc * Y * I) is what the Hamiltonian models were trained with.
    for (int l = 0; l <= L; ++l)
        for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm)
            for (int n = 0; n < N; ++n) g[lm * N + n] = fc * Y_[lm] * R_[l * N + n];
    if (!gradient) return;
    // d/dv_d [fc I Y] = (fc I)'(r) (v_d / r) Y + fc I dY/dv_d
    const size_t plane = size();
    for (int d = 0; d < 3; ++d) {
        const double direction = vector[d] / r;
        double* out = gradient + d * plane;
        for (int l = 0; l <= L; ++l)
            for (int lm = l * l; lm < (l + 1) * (l + 1); ++lm) {
                const double y = Y_[lm], dy = dY_[static_cast<size_t>(d) * n_lm_ + lm];
                for (int n = 0; n < N; ++n) {
                    const double radial = fc * R_[l * N + n];
                    const double radial_derivative = dfc * R_[l * N + n] + fc * dR_[l * N + n];
                    out[lm * N + n] = radial_derivative * direction * y + radial * dy;
                }
            }
    }
}

}  // namespace hamd
