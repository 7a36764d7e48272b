#include "core/qc/orbital_order.hpp"

#include <algorithm>
#include <numeric>

#include "core/base/errors.hpp"

namespace hamd {
namespace {

// Position, inside a PySCF shell, of hamd's component m (index m + l).
int pyscf_component(int l, int m) {
    if (l == 1) return m == 1 ? 0 : m + 2;  // hamd (y, z, x) -> PySCF (x, y, z)
    return m + l;
}

void check_size(const Eigen::MatrixXd& matrix, const OrbitalPermutation& order, bool square) {
    const auto n = static_cast<Eigen::Index>(order.hamd_index.size());
    if (matrix.rows() != n || (square && matrix.cols() != n))
        throw InvalidArgument("orbital reordering: matrix has " + std::to_string(matrix.rows()) + " x " +
                              std::to_string(matrix.cols()) + " entries, the basis has " +
                              std::to_string(n) + " orbitals");
}

}  // namespace

OrbitalPermutation pyscf_order(const OrbitalLayout& layout) {
    OrbitalPermutation order;
    order.hamd_index.resize(layout.size());
    order.sign.assign(layout.size(), 1.0);
    for (int atom = 0; atom < layout.atom_count(); ++atom) {
        const auto& shells = layout.shells(atom);
        std::vector<int> sorted(shells.size());
        std::iota(sorted.begin(), sorted.end(), 0);
        std::stable_sort(sorted.begin(), sorted.end(), [&](int a, int b) { return shells[a].l < shells[b].l; });
        int position = layout.atom_offset(atom);
        for (int s : sorted) {
            const int l = shells[s].l;
            for (int m = -l; m <= l; ++m) order.hamd_index[position + pyscf_component(l, m)] = shells[s].offset + m + l;
            position += 2 * l + 1;
        }
    }
    return order;
}

Eigen::MatrixXd matrix_hamd_to_pyscf(const Eigen::MatrixXd& hamd, const OrbitalPermutation& order) {
    check_size(hamd, order, true);
    const auto n = hamd.rows();
    Eigen::MatrixXd result(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j)
            result(i, j) = order.sign[i] * order.sign[j] * hamd(order.hamd_index[i], order.hamd_index[j]);
    return result;
}

Eigen::MatrixXd matrix_pyscf_to_hamd(const Eigen::MatrixXd& pyscf, const OrbitalPermutation& order) {
    check_size(pyscf, order, true);
    const auto n = pyscf.rows();
    Eigen::MatrixXd result(n, n);
    for (Eigen::Index i = 0; i < n; ++i)
        for (Eigen::Index j = 0; j < n; ++j)
            result(order.hamd_index[i], order.hamd_index[j]) = order.sign[i] * order.sign[j] * pyscf(i, j);
    return result;
}

Eigen::MatrixXd rows_hamd_to_pyscf(const Eigen::MatrixXd& hamd, const OrbitalPermutation& order) {
    check_size(hamd, order, false);
    Eigen::MatrixXd result(hamd.rows(), hamd.cols());
    for (Eigen::Index i = 0; i < hamd.rows(); ++i) result.row(i) = order.sign[i] * hamd.row(order.hamd_index[i]);
    return result;
}

Eigen::MatrixXd rows_pyscf_to_hamd(const Eigen::MatrixXd& pyscf, const OrbitalPermutation& order) {
    check_size(pyscf, order, false);
    Eigen::MatrixXd result(pyscf.rows(), pyscf.cols());
    for (Eigen::Index i = 0; i < pyscf.rows(); ++i) result.row(order.hamd_index[i]) = order.sign[i] * pyscf.row(i);
    return result;
}

std::string orbital_label_string(const OrbitalLayout& layout, const OrbitalLabel& label) {
    static const char* const p_names[] = {"py", "pz", "px"};
    static const char* const d_names[] = {"dxy", "dyz", "dz^2", "dxz", "dx2-y2"};
    std::string component;
    if (label.l == 0) component = "s";
    else if (label.l == 1) component = p_names[label.m + 1];
    else if (label.l == 2) component = d_names[label.m + 2];
    else component = std::string(1, "spdfghik"[std::min(label.l, 7)]) + (label.m >= 0 ? "+" : "") + std::to_string(label.m);
    return std::to_string(label.atom) + " " + element_symbol(layout.atomic_number(label.atom)) + " " +
           std::to_string(label.n) + component;
}

std::vector<std::string> orbital_label_strings(const OrbitalLayout& layout, bool pyscf) {
    std::vector<std::string> result;
    if (!pyscf) {
        for (const OrbitalLabel& label : layout.labels()) result.push_back(orbital_label_string(layout, label));
        return result;
    }
    for (int index : pyscf_order(layout).hamd_index) result.push_back(orbital_label_string(layout, layout.labels()[index]));
    return result;
}

}  // namespace hamd
