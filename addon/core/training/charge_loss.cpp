#include "core/training/charge_loss.hpp"

#include <cmath>
#include <string>

#include "core/base/errors.hpp"

namespace hamd {

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

    const double gap = eps[n_occ] - eps[n_occ - 1];
    if (!(gap >= minimum_gap))
        throw InvalidArgument("charge loss: HOMO-LUMO gap " + std::to_string(gap) + " Eh: the density is not differentiable");
    Eigen::VectorXd d(n);  // dL/dP'_mu,mu
    for (Eigen::Index mu = 0; mu < n; ++mu) d[mu] = -2.0 * weight * error[orbital_atom[mu]] / atoms;
    const Eigen::MatrixXd occ = c.leftCols(n_occ), vir = c.rightCols(n - n_occ);
    Eigen::MatrixXd coupling = occ.transpose() * d.asDiagonal() * vir;  // c_i^T D c_a
    for (Eigen::Index i = 0; i < n_occ; ++i)
        for (Eigen::Index a = 0; a < n - n_occ; ++a) coupling(i, a) *= 2.0 / (eps[i] - eps[n_occ + a]);
    const Eigen::MatrixXd half = occ * coupling * vir.transpose();  // sum 2 (..)/(..) c_i c_a^T
    out.gradient = half + half.transpose();
    return out;
}

}  // namespace hamd
