// Eigen-decomposition of F', the spectrum loss of indirect learning and its gradients:
// dL/dF' and the chain rule to the coupled blocks against central finite differences,
// degenerate levels, and the Loewdin F' of a real overlap matrix under rotation.
#include <cmath>
#include <algorithm>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "check.hpp"
#include "core/base/errors.hpp"
#include "core/qc/block_coupling.hpp"
#include "core/math/eigen_solver.hpp"
#include "core/qc/overlap.hpp"
#include "core/training/spectrum_loss.hpp"
#include "test_hamiltonian_util.hpp"

namespace {


// Error analysis of a central difference (L(F + hE) - L(F - hE)) / 2h against dL/dF . E:
//  - truncation: h^2 / 6 times a third derivative that grows like 1 / gap^2; with h <= 1e-5
//    and level gaps above 1e-2 it stays below 1e-6 relative, the relative part of the bound;
//  - rounding: each evaluation of L carries an absolute error dL, the quotient up to dL / h.
//    A backward-stable symmetric eigensolver (LAPACK dsyevd, any BLAS kernel) returns each
//    eigenvalue within n eps ||F||_2 of the exact one, so for L = sum_k w_k (e_k - r_k)^2 / W,
//    dL <= 2 sum_k w_k |e_k - r_k| n eps ||F||_2 / W, plus eps L for the sum itself.
// On entries of dL/dF near 1e-4 the rounding part dominates (it was 1.5e-6 relative with
// OpenBLAS' generic kernels at h = 1e-6); a wrong gradient is off by O(1) relative instead.
double loss_rounding(const Eigen::MatrixXd& F, const std::vector<double>& reference, const std::vector<double>& weights) {
    const Eigen::VectorXd e = hamd::symmetric_eigen(F, false).values;
    const double norm = e.cwiseAbs().maxCoeff();
    const double eps = std::numeric_limits<double>::epsilon();
    double weighted = 0, total = 0, loss = 0;
    for (std::size_t k = 0; k < reference.size(); ++k) {
        const double w = weights.empty() ? 1.0 : weights[k];
        weighted += w * std::fabs(e[k] - reference[k]);
        loss += w * (e[k] - reference[k]) * (e[k] - reference[k]);
        total += w;
    }
    return (2 * weighted * F.rows() * eps * norm + eps * loss) / total;
}

// |analytic - numeric| measured against the bound above (<= 1 passes).
double difference_ratio(double analytic, double numeric, double rounding, double h) {
    return std::fabs(analytic - numeric) / (1e-6 * std::fabs(numeric) + rounding / h);
}

// Sorted random reference levels (the lowest K of a random spectrum).
std::vector<double> random_levels(int count, std::mt19937& rng) {
    std::normal_distribution<double> normal;
    std::vector<double> levels(count);
    for (double& v : levels) v = 2 * normal(rng);
    std::sort(levels.begin(), levels.end());
    return levels;
}

}  // namespace

int main() {
    std::mt19937 rng(5);

    // Eigen-decomposition: A V = V diag(e), V orthonormal, e ascending, same as Eigen's solver.
    for (int n : {1, 7, 25, 64}) {
        const Eigen::MatrixXd A = hamtest::random_symmetric(n, rng);
        const hamd::SymmetricEigen eigen = hamd::symmetric_eigen(A);
        const Eigen::MatrixXd& V = eigen.vectors;
        bool ascending = true;
        for (int k = 1; k < n; ++k) ascending = ascending && eigen.values[k] >= eigen.values[k - 1];
        const std::string tag = "eigen n=" + std::to_string(n) + ": ";
        check::ok(ascending, tag + "eigenvalues ascending");
        check::ok(hamtest::max_abs(A * V - V * eigen.values.asDiagonal()) < 1e-12, tag + "A V = V diag(e)");
        check::ok(hamtest::max_abs(V.transpose() * V - Eigen::MatrixXd::Identity(n, n)) < 1e-12, tag + "V^T V = 1");
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> reference(A);
        check::ok((reference.eigenvalues() - eigen.values).cwiseAbs().maxCoeff() < 1e-12, tag + "values equal Eigen's solver");
        check::ok(hamtest::max_abs(hamd::symmetric_eigen(A, false).values - eigen.values) < 1e-12, tag + "values-only call agrees");
    }
    bool thrown = false;
    try {
        Eigen::MatrixXd bad = Eigen::MatrixXd::Identity(3, 3);
        bad(1, 2) = bad(2, 1) = std::nan("");
        hamd::symmetric_eigen(bad);
    } catch (const hamd::InvalidArgument&) {
        thrown = true;
    }
    check::ok(thrown, "eigen: NaN entries throw InvalidArgument");

    // Loss value and dL/dF' against central finite differences (symmetric perturbations).
    for (int trial = 0; trial < 3; ++trial) {
        const int n = 12, levels = trial == 0 ? n : 8;
        const Eigen::MatrixXd F = hamtest::random_symmetric(n, rng);
        const std::vector<double> reference = random_levels(levels, rng);
        hamd::SpectrumLossOptions options;
        if (trial == 2) {
            std::uniform_real_distribution<double> uniform(0.2, 2.0);
            for (int k = 0; k < levels; ++k) options.weights.push_back(k < 2 ? 0.0 : uniform(rng));  // first two masked
        }
        const hamd::SpectrumLoss loss = hamd::spectrum_loss(F, reference, options);
        double expected = 0, total = 0;
        for (int k = 0; k < levels; ++k) {
            const double w = options.weights.empty() ? 1 : options.weights[k];
            expected += w * std::pow(loss.eigenvalues[k] - reference[k], 2);
            total += w;
        }
        const std::string tag = "loss trial " + std::to_string(trial) + ": ";
        check::close(loss.value, expected / total, 1e-14, tag + "value is the weighted mean squared level error");
        check::ok(hamtest::max_abs(loss.gradient - loss.gradient.transpose()) < 1e-14, tag + "gradient symmetric");
        double worst = 0;
        const double h = 1e-6;
        const double rounding = loss_rounding(F, reference, options.weights);
        for (int p = 0; p < n; ++p)
            for (int q = p; q < n; ++q) {
                Eigen::MatrixXd plus = F, minus = F;
                plus(p, q) += h;
                minus(p, q) -= h;
                if (p != q) {
                    plus(q, p) += h;
                    minus(q, p) -= h;
                }
                options.gradient = false;
                const double numeric = (hamd::spectrum_loss(plus, reference, options).value -
                                        hamd::spectrum_loss(minus, reference, options).value) / (2 * h);
                options.gradient = true;
                const double analytic = p == q ? loss.gradient(p, q) : loss.gradient(p, q) + loss.gradient(q, p);
                // off-diagonal entries move two matrix elements: twice the rounding
                worst = std::fmax(worst, difference_ratio(analytic, numeric, p == q ? rounding : 2 * rounding, h));
            }
        check::ok(worst < 1, tag + "dL/dF' matches central finite differences (relative 1e-6 + rounding bound)",
                  "worst error / bound " + std::to_string(worst));
    }

    // Degenerate levels with equal targets: the gradient is the projector times 2 (e - r) / K,
    // whatever eigenvectors LAPACK returns, and matches finite differences.
    {
        const int n = 8;
        Eigen::HouseholderQR<Eigen::MatrixXd> qr(Eigen::MatrixXd::Random(n, n));
        const Eigen::MatrixXd Q = qr.householderQ();
        Eigen::VectorXd spectrum(n);
        spectrum << -3, -1, -1, -1, 0.5, 2, 2, 4;
        const Eigen::MatrixXd F = Q * spectrum.asDiagonal() * Q.transpose();
        const std::vector<double> reference = {-2.5, -1.2, -1.2, -1.2, 0.7, 1.0};  // group 6,7 straddles K = 6
        const hamd::SpectrumLoss loss = hamd::spectrum_loss(F, reference);
        const Eigen::MatrixXd P = Q.middleCols(1, 3) * Q.middleCols(1, 3).transpose();
        const Eigen::MatrixXd P2 = Q.middleCols(5, 2) * Q.middleCols(5, 2).transpose();
        const double K = reference.size();
        const Eigen::MatrixXd expected = 2 * (-3 + 2.5) / K * Q.col(0) * Q.col(0).transpose() +
                                         2 * (-1 + 1.2) / K * P + 2 * (0.5 - 0.7) / K * Q.col(4) * Q.col(4).transpose() +
                                         0.5 * 2 * (2 - 1.0) / K * P2;
        check::ok(hamtest::max_abs(loss.gradient - expected) < 1e-10, "degenerate: gradient uses the projector of each group");
        double worst = 0;
        const double h = 1e-5;
        std::normal_distribution<double> normal;
        for (int direction = 0; direction < 5; ++direction) {
            const Eigen::MatrixXd dF = hamtest::random_symmetric(n, rng);
            hamd::SpectrumLossOptions values_only;
            values_only.gradient = false;
            const double numeric = (hamd::spectrum_loss(F + h * dF, {-2.5, -1.2, -1.2, -1.2, 0.7}, values_only).value -
                                    hamd::spectrum_loss(F - h * dF, {-2.5, -1.2, -1.2, -1.2, 0.7}, values_only).value) / (2 * h);
            const double analytic = (hamd::spectrum_loss(F, {-2.5, -1.2, -1.2, -1.2, 0.7}).gradient.cwiseProduct(dF)).sum();
            const double rounding = loss_rounding(F, {-2.5, -1.2, -1.2, -1.2, 0.7}, {}) * dF.cwiseAbs().maxCoeff();
            worst = std::fmax(worst, difference_ratio(analytic, numeric, rounding, h));
        }
        check::ok(worst < 1, "degenerate, equal targets: directional derivatives match finite differences",
                  "worst error / bound " + std::to_string(worst));
    }

    // Chain rule to the coupled blocks: L(h) = sum_s loss(decouple(h)_s); gradient by
    // decouple_adjoint, checked value by value against central differences.
    {
        const hamd::Basis basis = hamd::Basis::sto3g();
        const std::vector<hamd::System> structures = {hamtest::methanol(), hamtest::ethylamine_like()};
        hamd::CoupledHamiltonian h = hamd::coupled_layout(basis, structures, 2.5);
        std::normal_distribution<double> normal;
        for (auto& block : h.blocks)
            for (double& v : block.values) v = 0.3 * normal(rng);
        std::vector<std::vector<double>> references;
        for (const auto& system : structures) references.push_back(random_levels(hamd::OrbitalLayout(basis, system.types).size() - 3, rng));
        auto total_loss = [&](const hamd::CoupledHamiltonian& coupled, std::vector<Eigen::MatrixXd>* gradients) {
            const auto matrices = hamd::decouple(basis, structures, coupled);
            double sum = 0;
            for (std::size_t s = 0; s < structures.size(); ++s) {
                hamd::SpectrumLossOptions options;
                options.gradient = gradients != nullptr;
                const auto loss = hamd::spectrum_loss(matrices[s], references[s], options);
                sum += loss.value;
                if (gradients) gradients->push_back(loss.gradient);
            }
            return sum;
        };
        std::vector<Eigen::MatrixXd> gradients;
        total_loss(h, &gradients);
        const auto analytic = hamd::decouple_adjoint(basis, structures, gradients, h);
        double rounding = 0;
        {
            const auto matrices = hamd::decouple(basis, structures, h);
            for (std::size_t s = 0; s < structures.size(); ++s) rounding += loss_rounding(matrices[s], references[s], {});
        }
        double worst = 0;
        int checked = 0;
        std::set<int> types;
        for (std::size_t b = 0; b < h.blocks.size(); ++b) {
            const std::size_t count = h.blocks[b].values.size();
            for (std::size_t v = 0; v < count; v += std::max<std::size_t>(1, count / 3)) {  // a few values per block
                hamd::CoupledHamiltonian plus = h, minus = h;
                const double step = 1e-6;
                plus.blocks[b].values[v] += step;
                minus.blocks[b].values[v] -= step;
                const double numeric = (total_loss(plus, nullptr) - total_loss(minus, nullptr)) / (2 * step);
                // one block value enters up to two entries of each structure's F' (i j and j i)
                worst = std::fmax(worst, difference_ratio(analytic.blocks[b].values[v], numeric, 2 * rounding, step));
                ++checked;
                types.insert(h.blocks[b].key.block_type);
            }
        }
        check::ok(types.size() == 4 && checked > 100, "chain rule checked on all four block types", std::to_string(checked) + " values");
        check::ok(worst < 1, "chain rule: decouple_adjoint matches finite differences (relative 1e-6 + rounding bound)",
                  "worst error / bound " + std::to_string(worst));
    }

    // A physical F' = S^-1/2 F S^-1/2 with the analytic STO-3G overlap and a covariant F
    // (here F = S + S^2, a function of the geometry that rotates like S): rotation leaves the
    // spectrum unchanged and rotates F' as the orbitals.
    {
        const hamd::Basis basis = hamd::Basis::sto3g();
        const hamd::System molecule = hamtest::ethylamine_like();
        double R[9];
        wigner::random_rotation(rng, R);
        auto orthogonal = [&](const hamd::System& system) {
            const Eigen::MatrixXd S = hamd::overlap_matrix(basis, system);
            const Eigen::MatrixXd F = -S - 0.5 * S * S;
            return hamd::orthogonalise(F, hamd::loewdin(S));
        };
        const Eigen::MatrixXd F1 = orthogonal(molecule), F2 = orthogonal(hamtest::rotated(molecule, R));
        const Eigen::MatrixXd D = hamtest::orbital_rotation(hamd::OrbitalLayout(basis, molecule.types), R);
        check::ok(hamtest::max_abs(F2 - D * F1 * D.transpose()) < 1e-10, "Loewdin F' rotates as D F' D^T");
        const double spread = (hamd::symmetric_eigen(F1, false).values - hamd::symmetric_eigen(F2, false).values).cwiseAbs().maxCoeff();
        check::ok(spread < 1e-10, "Loewdin F' eigenvalues unchanged by rotation", std::to_string(spread));
    }

    thrown = false;
    try {
        hamd::spectrum_loss(Eigen::MatrixXd::Identity(2, 2), {1, 2, 3});
    } catch (const hamd::InvalidArgument&) {
        thrown = true;
    }
    check::ok(thrown, "more reference levels than orbitals throws InvalidArgument");
    return check::finish();
}
