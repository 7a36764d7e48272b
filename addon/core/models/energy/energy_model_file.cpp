#include "core/models/energy/energy_model_file.hpp"

#include "core/base/errors.hpp"
#include "core/io/json.hpp"
#include "core/models/model_file.hpp"

namespace hamd {

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
    std::vector<int64_t> species(model.species().begin(), model.species().end());
    a["species"] = NpyArray::int64(species, {species.size()});
    const size_t W = model.n_weights();
    a["weights"] = NpyArray::float64(std::vector<double>(model.weights.data(), model.weights.data() + W), {W});
    if (model.covariance.size() > 0) {
        const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> c = model.covariance;
        a["covariance"] = NpyArray::float64(std::vector<double>(c.data(), c.data() + c.size()), {W, W});
        a["uncertainty_scale"] = NpyArray::scalar(model.uncertainty_scale);
    }
    write_model_archive(std::move(a), path);
}

LoadedEnergyModel load_energy_model(const std::string& path) {
    const NpzArchive a = read_model_archive(path, kEnergyModelFormat, kEnergyModelFormatVersion, "hamd energy model");
    if (npz_string(a, "features_kind", path) != "power-spectrum")
        throw InvalidArgument(path + ": features_kind '" + npz_string(a, "features_kind", path) + "' is not supported");
    EnergyFeatureSettings settings;
    settings.hypers.cutoff = npz_get(a, "features_cutoff", NpyType::Float64, path).f64.at(0);
    settings.hypers.cutoff_width = npz_get(a, "features_cutoff_width", NpyType::Float64, path).f64.at(0);
    settings.hypers.max_radial = static_cast<int>(npz_int(a, "features_max_radial", path));
    settings.hypers.max_angular = static_cast<int>(npz_int(a, "features_max_angular", path));
    settings.hypers.density_width = npz_get(a, "features_density_width", NpyType::Float64, path).f64.at(0);
    settings.hypers.center_atom_weight = npz_get(a, "features_center_atom_weight", NpyType::Float64, path).f64.at(0);
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
    model.weights = Eigen::Map<const Eigen::VectorXd>(weights.f64.data(), W);
    if (a.count("covariance")) {
        const NpyArray& c = npz_get(a, "covariance", NpyType::Float64, path);
        if (c.shape != std::vector<size_t>{static_cast<size_t>(W), static_cast<size_t>(W)})
            throw InvalidArgument(path + ": covariance is not weights x weights");
        model.covariance = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(c.f64.data(), W, W);
        model.uncertainty_scale = npz_get(a, "uncertainty_scale", NpyType::Float64, path).f64.at(0);
    }
    if (!model.weights.allFinite() || (model.covariance.size() && !model.covariance.allFinite()))
        throw InvalidArgument(path + ": weights or covariance contain NaN or infinity");
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
    m.cutoff = model.settings().hypers.cutoff;
    m.outputs = energy_outputs();
    m.checksum = loaded.checksum;
    m.extra_json = loaded.metadata_json.empty() ? "{}" : loaded.metadata_json;
    const JsonValue extra = parse_json(m.extra_json, "model metadata");
    if (const JsonValue* validation = extra.find("validation")) m.validation = json_numbers(*validation);
    return m;
}

}  // namespace hamd
