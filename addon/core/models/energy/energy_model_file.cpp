#include "core/models/energy/energy_model_file.hpp"

#include <cmath>

#include "core/base/errors.hpp"
#include "core/descriptors/registry.hpp"
#include "core/io/json.hpp"
#include "core/io/model_archive.hpp"

namespace hamd {

namespace {

constexpr const char* kHyperNames[6] = {"cutoff", "cutoff_width", "max_radial", "max_angular", "density_width", "center_atom_weight"};

std::vector<double> hyper_row(const Hypers& h) {
    return {h.cutoff, h.cutoff_width, static_cast<double>(h.max_radial), static_cast<double>(h.max_angular), h.density_width,
            h.center_atom_weight};
}

Hypers hypers_from_row(const double* row, const std::string& path) {
    for (int k : {2, 3})
        if (row[k] != static_cast<double>(static_cast<int>(row[k])))
            throw InvalidArgument(path + ": features_extra_hypers: " + kHyperNames[k] + " is not an integer");
    Hypers h;
    h.cutoff = row[0];
    h.cutoff_width = row[1];
    h.max_radial = static_cast<int>(row[2]);
    h.max_angular = static_cast<int>(row[3]);
    h.density_width = row[4];
    h.center_atom_weight = row[5];
    return h;
}

std::string kind_name(DescriptorKind kind) { return descriptor_kind_info(kind).name; }

}  // namespace

const std::vector<std::string>& energy_outputs() {
    static const std::vector<std::string> outputs = {"energy", "forces", "stress", "energies", "energy_uncertainty"};
    return outputs;
}

void save_energy_model(const EnergyModel& model, const std::string& metadata_json, const std::string& path) {
    NpzArchive a;
    a["format"] = NpyArray::scalar_string(kEnergyModelFormat);
    a["format_version"] = NpyArray::scalar_int(kEnergyModelFormatVersion);
    a["metadata"] = NpyArray::scalar_string(metadata_json.empty() ? "{}" : metadata_json);
    a["units"] = NpyArray::scalar_string("energy: eV; length: angstrom");
    const Hypers& h = model.settings().hypers;
    a["features_kind"] = NpyArray::scalar_string("power-spectrum");
    a["features_cutoff"] = NpyArray::scalar(h.cutoff);
    a["features_cutoff_width"] = NpyArray::scalar(h.cutoff_width);
    a["features_max_radial"] = NpyArray::scalar_int(h.max_radial);
    a["features_max_angular"] = NpyArray::scalar_int(h.max_angular);
    a["features_density_width"] = NpyArray::scalar(h.density_width);
    a["features_center_atom_weight"] = NpyArray::scalar(h.center_atom_weight);
    const auto& extra = model.settings().extra;
    if (!extra.empty()) {
        std::vector<std::string> kinds;
        std::vector<double> rows;
        for (const EnergyFeatureSet& set : extra) {
            kinds.push_back(kind_name(set.kind));
            const std::vector<double> row = hyper_row(set.hypers);
            rows.insert(rows.end(), row.begin(), row.end());
        }
        a["features_extra_kinds"] = NpyArray::unicode(kinds, {kinds.size()});
        a["features_extra_hypers"] = NpyArray::float64(rows, {extra.size(), 6});
    }
    std::vector<int64_t> species(model.species().begin(), model.species().end());
    a["species"] = NpyArray::int64(species, {species.size()});
    const size_t W = model.n_weights();
    a["weights"] = NpyArray::float64(std::vector<double>(model.weights().data(), model.weights().data() + W), {W});
    const EnergyCovariance& c = model.covariance;
    if (!c.empty()) {
        const size_t K = static_cast<size_t>(c.stored.rows());
        const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> rows = c.stored;
        a["covariance_vectors"] = NpyArray::float32(std::vector<double>(rows.data(), rows.data() + rows.size()), {K, W});
        a["covariance_inverse_eigenvalues"] =
            NpyArray::float64(std::vector<double>(c.inverse_values.data(), c.inverse_values.data() + K), {K});
        a["covariance_inverse_ridge"] = NpyArray::scalar(c.inverse_ridge);
        a["uncertainty_scale"] = NpyArray::scalar(model.uncertainty_scale);
    }
    write_model_archive(std::move(a), path);
}

LoadedEnergyModel load_energy_model(const std::string& path) {
    int version = 0;
    const NpzArchive a = read_model_archive(path, kEnergyModelFormat, 1, kEnergyModelFormatVersion, "hamd energy model", &version);
    if (version < 2)  // none was ever shipped; its W x W float64 covariance was 84 MB for ethanol
        throw InvalidArgument(path + ": energy model format_version 1 (full covariance) is no longer read; retrain it with "
                                     "`hamd train energy` (format_version 2)");
    if (npz_string(a, "features_kind", path) != "power-spectrum")
        throw InvalidArgument(path + ": features_kind '" + npz_string(a, "features_kind", path) + "' is not supported");
    EnergyFeatureSettings settings;
    settings.hypers.cutoff = npz_get(a, "features_cutoff", NpyType::Float64, path).f64.at(0);
    settings.hypers.cutoff_width = npz_get(a, "features_cutoff_width", NpyType::Float64, path).f64.at(0);
    settings.hypers.max_radial = static_cast<int>(npz_int(a, "features_max_radial", path));
    settings.hypers.max_angular = static_cast<int>(npz_int(a, "features_max_angular", path));
    settings.hypers.density_width = npz_get(a, "features_density_width", NpyType::Float64, path).f64.at(0);
    settings.hypers.center_atom_weight = npz_get(a, "features_center_atom_weight", NpyType::Float64, path).f64.at(0);
    if (a.count("features_extra_kinds")) {
        const auto& kinds = npz_get(a, "features_extra_kinds", NpyType::Unicode, path).strings;
        const NpyArray& rows = npz_get(a, "features_extra_hypers", NpyType::Float64, path);
        if (rows.shape != std::vector<size_t>{kinds.size(), 6})
            throw InvalidArgument(path + ": features_extra_hypers is not (extra families) x 6");
        for (size_t k = 0; k < kinds.size(); ++k) {
            EnergyFeatureSet set;
            if (kinds[k] == "bispectrum") set.kind = DescriptorKind::Bispectrum;
            else if (kinds[k] == "multi-scale") set.kind = DescriptorKind::MultiScale;
            else if (kinds[k] != "power-spectrum")
                throw InvalidArgument(path + ": features_extra_kinds: '" + kinds[k] +
                                      "' is not power-spectrum, bispectrum or multi-scale");
            set.hypers = hypers_from_row(rows.f64.data() + 6 * k, path);
            settings.extra.push_back(set);
        }
    }
    for (int64_t z : npz_get(a, "species", NpyType::Int64, path).i64) settings.species.push_back(static_cast<int32_t>(z));
    LoadedEnergyModel loaded;
    try {
        loaded.model = std::make_shared<EnergyModel>(settings);
    } catch (const InvalidArgument& e) {
        throw InvalidArgument(path + ": " + e.what());
    }
    EnergyModel& model = *loaded.model;
    const auto W = static_cast<Eigen::Index>(model.n_weights());
    const NpyArray& weights = npz_get(a, "weights", NpyType::Float64, path);
    if (weights.size() != static_cast<size_t>(W))
        throw InvalidArgument(path + ": " + std::to_string(weights.size()) + " weights but the features need " + std::to_string(W));
    const Eigen::VectorXd values = Eigen::Map<const Eigen::VectorXd>(weights.f64.data(), W);
    if (!values.allFinite()) throw InvalidArgument(path + ": weights contain NaN or infinity");
    model.set_weights(values);
    if (a.count("covariance_vectors")) {
        const NpyArray& vectors = npz_get(a, "covariance_vectors", NpyType::Float32, path);
        const NpyArray& inverse = npz_get(a, "covariance_inverse_eigenvalues", NpyType::Float64, path);
        const size_t K = inverse.size();
        if (vectors.shape != std::vector<size_t>{K, static_cast<size_t>(W)})
            throw InvalidArgument(path + ": covariance_vectors is not (covariance_inverse_eigenvalues) x weights");
        EnergyCovariance& c = model.covariance;
        c.stored = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                       vectors.f64.data(), static_cast<Eigen::Index>(K), W)
                       .cast<float>();
        c.inverse_values = Eigen::Map<const Eigen::VectorXd>(inverse.f64.data(), static_cast<Eigen::Index>(K));
        c.inverse_ridge = npz_get(a, "covariance_inverse_ridge", NpyType::Float64, path).f64.at(0);
        model.uncertainty_scale = npz_get(a, "uncertainty_scale", NpyType::Float64, path).f64.at(0);
        if (!c.stored.allFinite() || !c.inverse_values.allFinite() || !std::isfinite(c.inverse_ridge) ||
            !std::isfinite(model.uncertainty_scale) || c.inverse_ridge < 0 || (c.inverse_values.array() <= 0).any())
            throw InvalidArgument(path + ": the covariance has non-finite or non-positive entries");
        try {
            finish_covariance(c);
        } catch (const InvalidArgument& e) {
            throw InvalidArgument(path + ": " + e.what());
        }
    }
    loaded.metadata_json = npz_string(a, "metadata", path);
    loaded.checksum = npz_string(a, "checksum", path);
    parse_json(loaded.metadata_json, path + ": metadata");  // unreadable metadata: refused now, not when listed
    return loaded;
}

ModelMetadata describe_energy_model(const LoadedEnergyModel& loaded) {
    const EnergyModel& model = *loaded.model;
    ModelMetadata m;
    m.kind = "energy";
    m.format = kEnergyModelFormat;
    m.format_version = kEnergyModelFormatVersion;
    m.species = model.species();
    m.energy_unit = "ev";
    m.cutoff = model.cutoff();
    m.outputs = energy_outputs();  // stress too for every family (the adjoint route)
    m.checksum = loaded.checksum;
    m.extra_json = loaded.metadata_json.empty() ? "{}" : loaded.metadata_json;
    const JsonValue extra = parse_json(m.extra_json, "model metadata");
    if (const JsonValue* validation = extra.find("validation")) m.validation = json_numbers(*validation);
    return m;
}

}  // namespace hamd
