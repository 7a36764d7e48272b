#include "core/models/hamiltonian/model_file.hpp"

#include "core/io/json.hpp"

#include <cstdio>
#include <cstring>

#include "core/base/errors.hpp"

namespace hamd {

namespace {

std::string family_prefix(size_t f) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "family_%03zu_", f);
    return buffer;
}

NpyArray matrix_array(const Eigen::MatrixXd& m) {
    std::vector<double> values(m.size());
    for (Eigen::Index i = 0; i < m.rows(); ++i)
        for (Eigen::Index j = 0; j < m.cols(); ++j) values[i * m.cols() + j] = m(i, j);
    return NpyArray::float64(std::move(values), {static_cast<size_t>(m.rows()), static_cast<size_t>(m.cols())});
}

Eigen::MatrixXd array_matrix(const NpyArray& a, size_t rows, size_t cols, const std::string& what) {
    if (a.shape != std::vector<size_t>{rows, cols})
        throw InvalidArgument(what + " has shape mismatching its family (expected " + std::to_string(rows) + " x " +
                              std::to_string(cols) + ")");
    Eigen::MatrixXd m(rows, cols);
    for (size_t i = 0; i < rows; ++i)
        for (size_t j = 0; j < cols; ++j) m(i, j) = a.f64[i * cols + j];
    return m;
}

// Order-2 pair features (pair_order2.hpp): the sizes, then the fitted projections as a key table
// and one float64 matrix per row: features_pair_order2_pair_keys int64 [n][4] (species_i,
// species_j, lambda1, sigma1) with features_pair_order2_pair_<r> [n_in][n_out], and
// features_pair_order2_density_keys int64 [n][2] (species, l) with features_pair_order2_density_<r>.
void save_pair_order2(const HamiltonianFeaturizer& featurizer, NpzArchive& a) {
    const HamiltonianFeatureSettings& fs = featurizer.settings();
    if (!fs.pair_order2) throw InvalidArgument("the model has order-2 pair features but no fitted projections");
    const PairOrder2& order2 = *featurizer.pair_order2();
    a["features_pair_order2_components"] = NpyArray::scalar_int(fs.pair_order2_components);
    a["features_pair_order2_density_components"] = NpyArray::scalar_int(fs.pair_order2_density_components);
    std::vector<int64_t> keys;
    size_t r = 0;
    for (const auto& [key, u] : fs.pair_order2->pair) {
        keys.insert(keys.end(), key.begin(), key.end());
        const size_t n_out = order2.n_out(key[2], key[3]);
        a["features_pair_order2_pair_" + std::to_string(r++)] = NpyArray::float64(u, {u.size() / n_out, n_out});
    }
    a["features_pair_order2_pair_keys"] = NpyArray::int64(keys, {r, 4});
    keys.clear();
    r = 0;
    for (const auto& [key, u] : fs.pair_order2->density) {
        keys.insert(keys.end(), key.begin(), key.end());
        a["features_pair_order2_density_" + std::to_string(r++)] = NpyArray::float64(u, {order2.density_in(), order2.density_out()});
    }
    a["features_pair_order2_density_keys"] = NpyArray::int64(keys, {r, 2});
}

// Files without the arrays have no order-2 features; shapes are checked by the featurizer.
void load_pair_order2(const NpzArchive& a, const std::string& path, HamiltonianFeatureSettings& fs) {
    if (!a.count("features_pair_order2_components")) return;
    fs.pair_order2_components = static_cast<int>(npz_int(a, "features_pair_order2_components", path));
    fs.pair_order2_density_components = static_cast<int>(npz_int(a, "features_pair_order2_density_components", path));
    auto projection = std::make_shared<PairOrder2Projection>();
    const NpyArray& pair_keys = npz_get(a, "features_pair_order2_pair_keys", NpyType::Int64, path);
    if (pair_keys.size() % 4) throw InvalidArgument(path + ": features_pair_order2_pair_keys must be n x 4");
    for (size_t r = 0; r < pair_keys.size() / 4; ++r) {
        const int64_t* k = pair_keys.i64.data() + 4 * r;
        projection->pair[{static_cast<int>(k[0]), static_cast<int>(k[1]), static_cast<int>(k[2]), static_cast<int>(k[3])}] =
            npz_get(a, "features_pair_order2_pair_" + std::to_string(r), NpyType::Float64, path).f64;
    }
    const NpyArray& density_keys = npz_get(a, "features_pair_order2_density_keys", NpyType::Int64, path);
    if (density_keys.size() % 2) throw InvalidArgument(path + ": features_pair_order2_density_keys must be n x 2");
    for (size_t r = 0; r < density_keys.size() / 2; ++r) {
        const int64_t* k = density_keys.i64.data() + 2 * r;
        projection->density[{static_cast<int>(k[0]), static_cast<int>(k[1])}] =
            npz_get(a, "features_pair_order2_density_" + std::to_string(r), NpyType::Float64, path).f64;
    }
    fs.pair_order2 = std::move(projection);
}

}  // namespace

void save_hamiltonian_model(const HamiltonianModel& model, const std::string& path) {
    NpzArchive a;
    a["format"] = NpyArray::scalar_string(kModelFormat);
    a["format_version"] = NpyArray::scalar_int(kModelFormatVersion);
    a["metadata"] = NpyArray::scalar_string(model.metadata_json.empty() ? "{}" : model.metadata_json);
    a["units"] = NpyArray::scalar_string("energy: hartree; length: angstrom");

    // Basis (self-contained: the model carries its own shells).
    const Basis& basis = model.basis();
    std::vector<int64_t> elements, shell_offsets{0}, shell_n, shell_l, primitive_offsets{0};
    std::vector<double> exponents, coefficients;
    for (int z : basis.elements()) {
        elements.push_back(z);
        for (const Shell& shell : basis.shells(z)) {
            shell_n.push_back(shell.n);
            shell_l.push_back(shell.l);
            exponents.insert(exponents.end(), shell.exponents.begin(), shell.exponents.end());
            coefficients.insert(coefficients.end(), shell.coefficients.begin(), shell.coefficients.end());
            primitive_offsets.push_back(static_cast<int64_t>(exponents.size()));
        }
        shell_offsets.push_back(static_cast<int64_t>(shell_n.size()));
    }
    a["basis_name"] = NpyArray::scalar_string(basis.name);
    a["basis_elements"] = NpyArray::int64(elements, {elements.size()});
    a["basis_shell_offsets"] = NpyArray::int64(shell_offsets, {shell_offsets.size()});
    a["basis_shell_n"] = NpyArray::int64(shell_n, {shell_n.size()});
    a["basis_shell_l"] = NpyArray::int64(shell_l, {shell_l.size()});
    a["basis_primitive_offsets"] = NpyArray::int64(primitive_offsets, {primitive_offsets.size()});
    a["basis_exponents"] = NpyArray::float64(exponents, {exponents.size()});
    a["basis_coefficients"] = NpyArray::float64(coefficients, {coefficients.size()});

    // Feature hyper-parameters.
    const HamiltonianFeatureSettings& fs = model.feature_settings();
    a["features_cutoff"] = NpyArray::scalar(fs.hypers.cutoff);
    a["features_cutoff_width"] = NpyArray::scalar(fs.hypers.cutoff_width);
    a["features_max_radial"] = NpyArray::scalar_int(fs.hypers.max_radial);
    a["features_max_angular"] = NpyArray::scalar_int(fs.hypers.max_angular);
    a["features_density_width"] = NpyArray::scalar(fs.hypers.density_width);
    a["features_center_atom_weight"] = NpyArray::scalar(fs.hypers.center_atom_weight);
    a["features_max_lambda"] = NpyArray::scalar_int(fs.max_lambda);
    std::vector<int64_t> species(fs.species.begin(), fs.species.end());
    a["features_species"] = NpyArray::int64(species, {species.size()});
    if (fs.message_radial > 0) {  // optional: files without them have no message passing
        a["features_message_radial"] = NpyArray::scalar_int(fs.message_radial);
        a["features_message_scale"] = NpyArray::scalar(fs.message_scale);
    }
    if (fs.pair_order2_components > 0) save_pair_order2(model.featurizer(), a);  // optional, like the message settings

    // Weights.
    std::vector<int64_t> family_keys, family_widths;
    size_t f = 0;
    for (const auto& [key, family] : model.families) {
        family_keys.insert(family_keys.end(), {key.block_type, key.species_i, key.species_j, key.lambda, key.sigma});
        family_widths.push_back(family.width);
        const std::string prefix = family_prefix(f++);
        std::vector<int64_t> keys;
        for (const BlockKey& k : family.keys)
            keys.insert(keys.end(), {k.block_type, k.species_i, k.species_j, k.n_i, k.l_i, k.n_j, k.l_j, k.lambda, k.sigma});
        a[prefix + "keys"] = NpyArray::int64(keys, {family.keys.size(), 9});
        a[prefix + "scale"] = NpyArray::float64(family.scale, {family.scale.size()});
        a[prefix + "alpha"] = NpyArray::float64(family.alpha, {family.alpha.size()});
        a[prefix + "direct"] = matrix_array(family.direct);
        if (family.indirect.size() > 0) a[prefix + "indirect"] = matrix_array(family.indirect);
    }
    a["family_keys"] = NpyArray::int64(family_keys, {model.families.size(), 5});
    a["family_widths"] = NpyArray::int64(family_widths, {family_widths.size()});
    write_model_archive(std::move(a), path);
}

std::shared_ptr<HamiltonianModel> load_hamiltonian_model(const std::string& path) {
    const NpzArchive a = read_model_archive(path, kModelFormat, kModelFormatVersion, "hamd Hamiltonian model");
    const std::string stored = npz_string(a, "checksum", path);

    Basis basis;
    basis.name = npz_string(a, "basis_name", path);
    const auto& elements = npz_get(a, "basis_elements", NpyType::Int64, path).i64;
    const auto& shell_offsets = npz_get(a, "basis_shell_offsets", NpyType::Int64, path).i64;
    const auto& shell_n = npz_get(a, "basis_shell_n", NpyType::Int64, path).i64;
    const auto& shell_l = npz_get(a, "basis_shell_l", NpyType::Int64, path).i64;
    const auto& primitive_offsets = npz_get(a, "basis_primitive_offsets", NpyType::Int64, path).i64;
    const auto& exponents = npz_get(a, "basis_exponents", NpyType::Float64, path).f64;
    const auto& coefficients = npz_get(a, "basis_coefficients", NpyType::Float64, path).f64;
    if (shell_offsets.size() != elements.size() + 1 || shell_n.size() != shell_l.size() ||
        static_cast<size_t>(shell_offsets.back()) != shell_n.size() || primitive_offsets.size() != shell_n.size() + 1 ||
        static_cast<size_t>(primitive_offsets.back()) != exponents.size() || coefficients.size() != exponents.size())
        throw InvalidArgument(path + ": inconsistent basis arrays");
    for (size_t e = 0; e < elements.size(); ++e) {
        std::vector<Shell> shells;
        for (int64_t s = shell_offsets[e]; s < shell_offsets[e + 1]; ++s) {
            Shell shell;
            shell.n = static_cast<int>(shell_n[s]);
            shell.l = static_cast<int>(shell_l[s]);
            shell.exponents.assign(exponents.begin() + primitive_offsets[s], exponents.begin() + primitive_offsets[s + 1]);
            shell.coefficients.assign(coefficients.begin() + primitive_offsets[s], coefficients.begin() + primitive_offsets[s + 1]);
            shells.push_back(std::move(shell));
        }
        basis.add_element(static_cast<int>(elements[e]), std::move(shells));
    }

    HamiltonianFeatureSettings fs;
    fs.hypers.cutoff = npz_get(a, "features_cutoff", NpyType::Float64, path).f64.at(0);
    fs.hypers.cutoff_width = npz_get(a, "features_cutoff_width", NpyType::Float64, path).f64.at(0);
    fs.hypers.max_radial = static_cast<int>(npz_int(a, "features_max_radial", path));
    fs.hypers.max_angular = static_cast<int>(npz_int(a, "features_max_angular", path));
    fs.hypers.density_width = npz_get(a, "features_density_width", NpyType::Float64, path).f64.at(0);
    fs.hypers.center_atom_weight = npz_get(a, "features_center_atom_weight", NpyType::Float64, path).f64.at(0);
    fs.max_lambda = static_cast<int>(npz_int(a, "features_max_lambda", path));
    for (int64_t z : npz_get(a, "features_species", NpyType::Int64, path).i64) fs.species.push_back(static_cast<int32_t>(z));
    if (a.count("features_message_radial")) {
        fs.message_radial = static_cast<int>(npz_int(a, "features_message_radial", path));
        fs.message_scale = npz_get(a, "features_message_scale", NpyType::Float64, path).f64.at(0);
    }
    load_pair_order2(a, path, fs);
    std::shared_ptr<HamiltonianModel> model;
    try {
        model = std::make_shared<HamiltonianModel>(std::move(basis), fs);
    } catch (const InvalidArgument& e) {  // e.g. an order-2 projection of the wrong shape: name the file
        throw InvalidArgument(path + ": " + e.what());
    }
    model->metadata_json = npz_string(a, "metadata", path);
    model->orbital_validity = orbital_validity_from_metadata(parse_json(model->metadata_json, path + ": metadata"));
    model->checksum = stored;

    const NpyArray& family_keys = npz_get(a, "family_keys", NpyType::Int64, path);
    const auto& family_widths = npz_get(a, "family_widths", NpyType::Int64, path).i64;
    const size_t F = family_widths.size();
    if (family_keys.size() != 5 * F) throw InvalidArgument(path + ": family_keys must be families x 5");
    for (size_t f = 0; f < F; ++f) {
        const int64_t* k = family_keys.i64.data() + 5 * f;
        FamilyWeights fam;
        fam.family = {static_cast<int>(k[0]), static_cast<int>(k[1]), static_cast<int>(k[2]), static_cast<int>(k[3]),
                      static_cast<int>(k[4])};
        fam.width = static_cast<int>(family_widths[f]);
        const std::string prefix = family_prefix(f);
        const std::string where = path + ": " + prefix;
        if (model->featurizer().width(fam.family) != fam.width)
            throw InvalidArgument(where + " width " + std::to_string(fam.width) + " does not match the feature settings");
        const NpyArray& keys = npz_get(a, prefix + "keys", NpyType::Int64, path);
        if (keys.shape.size() != 2 || keys.shape[1] != 9) throw InvalidArgument(where + "keys must be n x 9");
        for (size_t j = 0; j < keys.shape[0]; ++j) {
            const int64_t* b = keys.i64.data() + 9 * j;
            fam.keys.push_back({static_cast<int>(b[0]), static_cast<int>(b[1]), static_cast<int>(b[2]), static_cast<int>(b[3]),
                                static_cast<int>(b[4]), static_cast<int>(b[5]), static_cast<int>(b[6]), static_cast<int>(b[7]),
                                static_cast<int>(b[8])});
            if (!(feature_family_of(fam.keys.back()) == fam.family)) throw InvalidArgument(where + "keys belong to another family");
        }
        if (!std::is_sorted(fam.keys.begin(), fam.keys.end())) throw InvalidArgument(where + "keys are not sorted");
        const size_t K = fam.keys.size(), width = static_cast<size_t>(fam.width);
        fam.scale = npz_get(a, prefix + "scale", NpyType::Float64, path).f64;
        fam.alpha = npz_get(a, prefix + "alpha", NpyType::Float64, path).f64;
        if (fam.scale.size() != width || fam.alpha.size() != K) throw InvalidArgument(where + "scale/alpha sizes are wrong");
        fam.direct = array_matrix(npz_get(a, prefix + "direct", NpyType::Float64, path), width, K, where + "direct");
        if (a.count(prefix + "indirect"))
            fam.indirect = array_matrix(npz_get(a, prefix + "indirect", NpyType::Float64, path), width, K, where + "indirect");
        if (!fam.direct.allFinite() || (fam.indirect.size() && !fam.indirect.allFinite()))
            throw InvalidArgument(where + "weights contain NaN or infinity");
        model->families[fam.family] = std::move(fam);
    }
    return model;
}

}  // namespace hamd
