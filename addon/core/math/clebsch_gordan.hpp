// Real Clebsch-Gordan coefficients (docs/science.md#real-clebsch-gordan-coefficients), exact from Racah's formula
// in long double, converted to the real-harmonic basis, cached per (l1, l2, lambda).
#pragma once
#include <memory>
#include <vector>

namespace hamd {

// Coupling of (l1, m1) x (l2, m2) -> (lambda, mu), real basis, m stored as index m + l.
struct CGBlock {
    int l1, l2, lambda;
    // dense[(m1 + l1) * (2 l2 + 1) * (2 lambda + 1) + (m2 + l2) * (2 lambda + 1) + (mu + lambda)]
    std::vector<double> dense;
    // the non-zero entries, for fast contraction
    struct Entry { int m1, m2, mu; double value; };  // m1, m2, mu as indices 0..2l
    std::vector<Entry> nonzero;
};

// |l1 - l2| <= lambda <= l1 + l2, else InvalidArgument. Thread safe; computed once.
std::shared_ptr<const CGBlock> real_clebsch_gordan(int l1, int l2, int lambda);

// out[mu] += scale * sum_{m1 m2} C^{lambda mu}_{l1 m1, l2 m2} a[m1] b[m2]
void cg_couple_add(const CGBlock& cg, const double* a, const double* b, double scale, double* out);

}  // namespace hamd
