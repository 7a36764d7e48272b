#include "core/training/charge_loss.hpp"

#include <cmath>
#include <string>

#include "core/base/errors.hpp"

namespace hamd {

Eigen::MatrixXd density_gradient(const Eigen::VectorXd& eps, const Eigen::MatrixXd& c, int n_occ, const Eigen::MatrixXd& d,
                                 double minimum_gap) {
    const Eigen::Index n = eps.size();
    const double gap = eps[n_occ] - eps[n_occ - 1];
    if (!(gap >= minimum_gap))
        throw InvalidArgument("density loss: HOMO-LUMO gap " + std::to_string(gap) + " Eh: the density is not differentiable");
    const Eigen::MatrixXd occ = c.leftCols(n_occ), vir = c.rightCols(n - n_occ);
    Eigen::MatrixXd coupling = occ.transpose() * d * vir;  // c_i^T D c_a
    for (Eigen::Index i = 0; i < n_occ; ++i)
        for (Eigen::Index a = 0; a < n - n_occ; ++a) coupling(i, a) *= 2.0 / (eps[i] - eps[n_occ + a]);
    const Eigen::MatrixXd half = occ * coupling * vir.transpose();  // sum 2 (..)/(..) c_i c_a^T
    return half + half.transpose();
}

DensityLoss density_matrix_loss(const Eigen::VectorXd& eps, const Eigen::MatrixXd& c, int n_occ,
                                const Eigen::MatrixXd& reference, double weight, bool gradient, double minimum_gap) {
    const Eigen::Index n = eps.size();
    if (c.rows() != n || c.cols() != n || reference.rows() != n || reference.cols() != n)
        throw InvalidArgument("density loss: eigenvectors and the reference density must be " + std::to_string(n) + " x " +
                              std::to_string(n));
    if (n_occ <= 0 || n_occ >= n) throw InvalidArgument("density loss: need occupied and virtual levels");
    const Eigen::MatrixXd error = 2.0 * c.leftCols(n_occ) * c.leftCols(n_occ).transpose() - reference;
    DensityLoss out;
    out.value = weight * error.squaredNorm() / static_cast<double>(n);
    if (gradient) out.gradient = density_gradient(eps, c, n_occ, 2.0 * weight / static_cast<double>(n) * error, minimum_gap);
    return out;
}

ChargeLoss loewdin_charge_loss(const Eigen::VectorXd& eps, const Eigen::MatrixXd& c, int n_occ,
                               const std::vector<int>& orbital_atom, const std::vector<int32_t>& z,
                               const std::vector<double>& reference, double weight, bool gradient, double minimum_gap) {
    const Eigen::Index n = eps.size();
    const int atoms = static_cast<int>(z.size());
    if (c.rows() != n || c.cols() != n || static_cast<Eigen::Index>(orbital_atom.size()) != n)
        throw InvalidArgument("charge loss: eigenvectors and orbital_atom must match the " + std::to_string(n) + " levels");
    if (static_cast<int>(reference.size()) != atoms || atoms == 0)
        throw InvalidArgument("charge loss: one reference charge per atom (" + std::to_string(atoms) + "), got " +
                              std::to_string(reference.size()));
    if (n_occ <= 0 || n_occ >= n) throw InvalidArgument("charge loss: need occupied and virtual levels");
    for (int a : orbital_atom)
        if (a < 0 || a >= atoms) throw InvalidArgument("charge loss: orbital_atom out of range");

    ChargeLoss out;
    out.charges = Eigen::Map<const Eigen::Matrix<int32_t, Eigen::Dynamic, 1>>(z.data(), atoms).cast<double>();
    const Eigen::VectorXd diagonal = 2.0 * c.leftCols(n_occ).rowwise().squaredNorm();  // P'_mu,mu
    for (Eigen::Index mu = 0; mu < n; ++mu) out.charges[orbital_atom[mu]] -= diagonal[mu];
    Eigen::VectorXd error(atoms);
    for (int a = 0; a < atoms; ++a) error[a] = out.charges[a] - reference[a];
    out.value = weight * error.squaredNorm() / atoms;
    if (!gradient) return out;

    Eigen::VectorXd d(n);  // dL/dP'_mu,mu
    for (Eigen::Index mu = 0; mu < n; ++mu) d[mu] = -2.0 * weight * error[orbital_atom[mu]] / atoms;
    out.gradient = density_gradient(eps, c, n_occ, d.asDiagonal().toDenseMatrix(), minimum_gap);
    return out;
}

}  // namespace hamd
