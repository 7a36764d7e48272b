// Gauss-Legendre quadrature rules (private helper of the radial integrals).
#pragma once
#include <vector>

namespace hamd {

struct QuadratureRule {
    std::vector<double> nodes;
    std::vector<double> weights;
};

// n-point Gauss-Legendre rule on [-1, 1], exact for polynomials of degree 2n-1.
QuadratureRule gauss_legendre(int n);

}  // namespace hamd
