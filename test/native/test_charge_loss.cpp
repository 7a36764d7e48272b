// The Loewdin-charge and density-matrix losses of indirect training (addon/core/training/charge_loss.hpp): charges sum
// to sum Z - n_electrons and do not depend on how degenerate occupied eigenvectors are chosen
// (only the density counts); the analytic dL/dF' against central finite differences along random
// symmetric directions; clear errors for bad shapes and a closed gap.
#include <cmath>
#include <cstdio>
#include <random>
#include <string>

#include "check.hpp"
#include "core/base/errors.hpp"
#include "core/math/eigen_solver.hpp"
#include "core/training/charge_loss.hpp"

namespace {

Eigen::MatrixXd random_orthogonal(int n, std::mt19937& rng) {
    std::normal_distribution<double> normal;
    Eigen::MatrixXd a(n, n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j < n; ++j) a(i, j) = normal(rng);
    return Eigen::HouseholderQR<Eigen::MatrixXd>(a).householderQ();
}

Eigen::MatrixXd random_symmetric(int n, std::mt19937& rng) {
    std::normal_distribution<double> normal;
    Eigen::MatrixXd a(n, n);
    for (int i = 0; i < n; ++i)
        for (int j = 0; j <= i; ++j) a(i, j) = a(j, i) = normal(rng);
    return a;
}

struct Problem {
    std::vector<int> orbital_atom = {0, 0, 0, 0, 1, 2, 2, 2, 2, 3};
    std::vector<int32_t> z = {6, 1, 8, 1};     // 16 electrons, 8 occupied of 10 levels
    std::vector<double> reference = {0.1, 0.15, -0.4, 0.15};
    int n_occ = 8;
    double weight = 3.0;
};

double loss_of(const Eigen::MatrixXd& f, const Problem& p) {
    const hamd::SymmetricEigen e = hamd::symmetric_eigen(f);
    return hamd::loewdin_charge_loss(e.values, e.vectors, p.n_occ, p.orbital_atom, p.z, p.reference, p.weight, false).value;
}

}  // namespace

int main() {
    std::mt19937 rng(42);
    const Problem p;
    const int n = static_cast<int>(p.orbital_atom.size());
    // F' with a clear gap: occupied levels in [-1.2, -0.3], virtual ones in [0.1, 0.9] Hartree.
    Eigen::VectorXd levels(n);
    for (int k = 0; k < n; ++k) levels[k] = k < p.n_occ ? -1.2 + 0.9 * k / (p.n_occ - 1) : 0.1 + 0.8 * (k - p.n_occ);
    const Eigen::MatrixXd q = random_orthogonal(n, rng);
    const Eigen::MatrixXd f = q * levels.asDiagonal() * q.transpose();
    const hamd::SymmetricEigen e = hamd::symmetric_eigen(f);
    const hamd::ChargeLoss loss = hamd::loewdin_charge_loss(e.values, e.vectors, p.n_occ, p.orbital_atom, p.z, p.reference, p.weight, true);

    check::close(loss.charges.sum(), 16.0 - 2 * p.n_occ, 1e-12, "charges sum to sum Z - n_electrons");
    // The same density from occupied eigenvectors mixed by a random rotation: the same charges.
    Eigen::MatrixXd mixed = e.vectors;
    mixed.leftCols(p.n_occ) = e.vectors.leftCols(p.n_occ) * random_orthogonal(p.n_occ, rng);
    const hamd::ChargeLoss again = hamd::loewdin_charge_loss(e.values, mixed, p.n_occ, p.orbital_atom, p.z, p.reference, p.weight, false);
    check::ok((again.charges - loss.charges).cwiseAbs().maxCoeff() < 1e-13, "charges depend only on the occupied space");
    double expected = 0;
    for (int a = 0; a < 4; ++a) expected += (loss.charges[a] - p.reference[a]) * (loss.charges[a] - p.reference[a]);
    check::close(loss.value, p.weight * expected / 4, 1e-14, "L = weight * mean squared charge error");
    check::ok((loss.gradient - loss.gradient.transpose()).cwiseAbs().maxCoeff() < 1e-15, "dL/dF' is symmetric");

    // Central differences: truncation ~h^2 L''' ~ 1e-10 relative and rounding ~1e-16 L / h
    // ~ 1e-11 at h = 1e-5, so 1e-6 relative is a wide margin that a wrong factor (2, a sign, a
    // missing transpose) cannot meet.
    const double h = 1e-5;
    for (int trial = 0; trial < 5; ++trial) {
        const Eigen::MatrixXd direction = random_symmetric(n, rng);
        const double numeric = (loss_of(f + h * direction, p) - loss_of(f - h * direction, p)) / (2 * h);
        const double analytic = (loss.gradient.array() * direction.array()).sum();
        const bool good = std::fabs(numeric - analytic) <= 1e-6 * std::fmax(std::fabs(numeric), 1e-8);
        char details[128];
        std::snprintf(details, sizeof details, "analytic %.12e numeric %.12e", analytic, numeric);
        check::ok(good, "dL/dF' matches central differences, direction " + std::to_string(trial), details);
    }

    // The density-matrix loss against central differences the same way.
    Eigen::MatrixXd reference_density = Eigen::MatrixXd::Zero(n, n);
    {
        const Eigen::MatrixXd other = random_orthogonal(n, rng);
        reference_density = 2.0 * other.leftCols(p.n_occ) * other.leftCols(p.n_occ).transpose();
    }
    const hamd::DensityLoss dl = hamd::density_matrix_loss(e.values, e.vectors, p.n_occ, reference_density, 0.7, true);
    const Eigen::MatrixXd own = 2.0 * e.vectors.leftCols(p.n_occ) * e.vectors.leftCols(p.n_occ).transpose();
    check::close(dl.value, 0.7 * (own - reference_density).squaredNorm() / n, 1e-13, "density loss value");
    check::ok(hamd::density_matrix_loss(e.values, e.vectors, p.n_occ, own, 0.7, false).value < 1e-25,
              "density loss vanishes at its own density");
    auto density_loss_of = [&](const Eigen::MatrixXd& fm) {
        const hamd::SymmetricEigen x = hamd::symmetric_eigen(fm);
        return hamd::density_matrix_loss(x.values, x.vectors, p.n_occ, reference_density, 0.7, false).value;
    };
    for (int trial = 0; trial < 3; ++trial) {
        const Eigen::MatrixXd direction = random_symmetric(n, rng);
        const double numeric = (density_loss_of(f + h * direction) - density_loss_of(f - h * direction)) / (2 * h);
        const double analytic = (dl.gradient.array() * direction.array()).sum();
        char details[128];
        std::snprintf(details, sizeof details, "analytic %.12e numeric %.12e", analytic, numeric);
        check::ok(std::fabs(numeric - analytic) <= 1e-6 * std::fmax(std::fabs(numeric), 1e-8),
                  "density loss: dL/dF' matches central differences, direction " + std::to_string(trial), details);
    }

    // Errors.
    auto throws = [&](auto call, const std::string& name) {
        bool thrown = false;
        try {
            call();
        } catch (const hamd::InvalidArgument&) {
            thrown = true;
        }
        check::ok(thrown, name);
    };
    throws([&] { hamd::loewdin_charge_loss(e.values, e.vectors, p.n_occ, p.orbital_atom, p.z, {0.1, 0.2}, 1, false); },
           "a reference of the wrong length is InvalidArgument");
    throws([&] { hamd::loewdin_charge_loss(e.values, e.vectors, n, p.orbital_atom, p.z, p.reference, 1, false); },
           "no virtual level is InvalidArgument");
    Eigen::VectorXd closed = e.values;
    closed[p.n_occ] = closed[p.n_occ - 1];
    throws([&] { hamd::loewdin_charge_loss(closed, e.vectors, p.n_occ, p.orbital_atom, p.z, p.reference, 1, true); },
           "a closed gap is InvalidArgument when the gradient is asked");
    return check::finish();
}
