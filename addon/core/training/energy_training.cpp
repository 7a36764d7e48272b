#include "core/training/energy_training.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <random>
#include <set>
#include <sstream>

#include "core/base/errors.hpp"
#include "core/descriptors/registry.hpp"
#include "core/io/npz.hpp"
#include "core/math/eigen_solver.hpp"
#include "core/models/energy/energy_fit.hpp"
#include "core/models/energy/energy_model_file.hpp"
#include "core/io/model_archive.hpp"

namespace hamd {

namespace {

EnergyTrainingSet subset(const EnergyTrainingSet& all, const std::vector<size_t>& indices) {
    EnergyTrainingSet out;
    for (size_t i : indices) {
        out.systems.push_back(all.systems[i]);
        out.energies.push_back(all.energies[i]);
        out.forces.push_back(all.forces[i]);
    }
    return out;
}

struct Errors {
    double energy_mae = 0, energy_per_atom_mae = 0, force_mae = 0, force_rmse = 0;
    double mean_uncertainty = 0, rms_error = 0;
};

// Errors summed one structure and one force component at a time, then averaged: the one
// bookkeeping of the served predictions (evaluate) and of the design rows (design_errors).
class ErrorSums {
public:
    void energy(double error, size_t atoms, double uncertainty) {
        e_.energy_mae += std::fabs(error);
        e_.energy_per_atom_mae += std::fabs(error) / static_cast<double>(atoms);
        e_.rms_error += error * error;
        e_.mean_uncertainty += uncertainty;
        ++structures_;
    }
    void force(double difference) {
        e_.force_mae += std::fabs(difference);
        e_.force_rmse += difference * difference;
        ++components_;
    }
    Errors mean() const {
        Errors e = e_;
        const double n = static_cast<double>(std::max<size_t>(structures_, 1));
        const double components = static_cast<double>(std::max<size_t>(components_, 1));
        e.energy_mae /= n;
        e.energy_per_atom_mae /= n;
        e.mean_uncertainty /= n;
        e.rms_error = std::sqrt(e.rms_error / n);
        e.force_mae /= components;
        e.force_rmse = std::sqrt(e.force_rmse / components);
        return e;
    }

private:
    Errors e_;
    size_t structures_ = 0, components_ = 0;
};

Errors evaluate(const EnergyModel& model, const EnergyTrainingSet& set, ThreadPool& pool,
                std::vector<double>* reference = nullptr, std::vector<double>* predicted = nullptr) {
    ErrorSums sums;
    for (size_t s = 0; s < set.systems.size(); ++s) {
        const EnergyPrediction p = model.predict(set.systems[s], true, false, pool);
        sums.energy(p.energy - set.energies[s], set.systems[s].size(), p.energy_uncertainty);
        for (size_t k = 0; k < p.forces.size(); ++k) sums.force(p.forces[k] - set.forces[s][k]);
        if (reference) reference->push_back(set.energies[s]);
        if (predicted) predicted->push_back(p.energy);
    }
    return sums.mean();
}

// The same errors from design rows (energy, forces) times weights (no uncertainty).
Errors design_errors(const EnergyDesign& d, const Eigen::VectorXd& weights, const EnergyTrainingSet& set) {
    const Eigen::VectorXd energies = d.energy * weights, forces = d.forces * weights;
    ErrorSums sums;
    for (size_t s = 0; s < set.systems.size(); ++s) {
        sums.energy(energies[static_cast<Eigen::Index>(s)] - set.energies[s], set.systems[s].size(), 0.0);
        for (size_t k = 0; k < set.forces[s].size(); ++k)
            sums.force(forces[static_cast<Eigen::Index>(3 * d.atom_offsets[s] + k)] - set.forces[s][k]);
    }
    return sums.mean();
}

std::string errors_json(const Errors& e) {
    return "{\"energy_mae_ev\": " + json_number(e.energy_mae) + ", \"energy_per_atom_mae_ev\": " + json_number(e.energy_per_atom_mae) +
           ", \"force_mae_ev_per_angstrom\": " + json_number(e.force_mae) + ", \"force_rmse_ev_per_angstrom\": " +
           json_number(e.force_rmse) + ", \"energy_rmse_ev\": " + json_number(e.rms_error) + ", \"mean_energy_uncertainty_ev\": " +
           json_number(e.mean_uncertainty) + "}";
}

}  // namespace

EnergyDataset load_energy_dataset(const std::string& path) {
    const NpzArchive a = read_npz(path);
    if (npz_string(a, "format", path) != "hamd-energy-dataset")
        throw InvalidArgument(path + ": not a hamd energy dataset (format '" + npz_string(a, "format", path) + "')");
    if (npz_int(a, "format_version", path) != 1)
        throw InvalidArgument(path + ": energy dataset format_version " + std::to_string(npz_int(a, "format_version", path)) +
                              " is not supported (this hamd reads 1)");
    const auto& offsets = npz_get(a, "atom_offsets", NpyType::Int64, path).i64;
    const auto& species = npz_get(a, "species", NpyType::Int64, path).i64;
    const auto& positions = npz_get(a, "positions", NpyType::Float64, path).f64;
    const auto& cell = npz_get(a, "cell", NpyType::Float64, path).f64;
    const auto& pbc = npz_get(a, "pbc", NpyType::Bool, path).i64;
    const auto& energy = npz_get(a, "energy", NpyType::Float64, path).f64;
    const auto& forces = npz_get(a, "forces", NpyType::Float64, path).f64;
    const size_t S = energy.size();
    if (offsets.size() != S + 1 || static_cast<size_t>(offsets.back()) != species.size() || positions.size() != 3 * species.size() ||
        forces.size() != positions.size() || cell.size() != 9 * S || pbc.size() != 3 * S)
        throw InvalidArgument(path + ": inconsistent array sizes (atom_offsets, species, positions, forces, cell, pbc, energy)");
    EnergyDataset d;
    for (size_t s = 0; s < S; ++s) {
        System system;
        std::vector<double> f;
        for (int64_t i = offsets[s]; i < offsets[s + 1]; ++i) {
            system.types.push_back(static_cast<int32_t>(species[i]));
            for (int x = 0; x < 3; ++x) {
                system.positions.push_back(positions[3 * i + x]);
                f.push_back(forces[3 * i + x]);
            }
        }
        for (int k = 0; k < 9; ++k) system.cell[k] = cell[9 * s + k];
        for (int k = 0; k < 3; ++k) system.pbc[k] = pbc[3 * s + k] != 0;
        validate_system(system, s);
        if (!std::isfinite(energy[s])) throw InvalidArgument(path + ": structure " + std::to_string(s) + " has a non-finite energy");
        d.structures.systems.push_back(std::move(system));
        d.structures.energies.push_back(energy[s]);
        d.structures.forces.push_back(std::move(f));
    }
    if (a.count("structure_molecule")) d.molecule = npz_get(a, "structure_molecule", NpyType::Int64, path).i64;
    else d.molecule.assign(S, 0);
    if (a.count("molecule_names")) d.molecule_names = npz_get(a, "molecule_names", NpyType::Unicode, path).strings;
    if (a.count("provenance")) d.provenance = npz_string(a, "provenance", path);
    return d;
}

EnergyTrainingConfig default_energy_training_config() {
    EnergyTrainingConfig c;
    c.hypers.cutoff = 5.0;
    c.hypers.cutoff_width = 0.5;
    c.hypers.max_radial = 5;
    c.hypers.max_angular = 4;
    c.hypers.density_width = 0.4;
    return c;
}

std::string run_energy_training(const EnergyTrainingConfig& config, ThreadPool& pool,
                                const std::function<void(const EnergyTrainingProgress&)>& progress,
                                std::shared_ptr<EnergyModel>* trained) {
    const auto start = std::chrono::steady_clock::now();
    auto report_progress = [&](const char* stage, size_t step, size_t total) {
        if (progress) progress(EnergyTrainingProgress{stage, step, total});
    };
    const EnergyDataset data = load_energy_dataset(config.data_path);
    const size_t S = data.structures.systems.size();
    if (S < 3) throw InvalidArgument(config.data_path + ": " + std::to_string(S) + " structures; training needs at least 3");
    if (!(config.validation_fraction > 0 && config.test_fraction >= 0 && config.validation_fraction + config.test_fraction < 1))
        throw InvalidArgument("validation_fraction must be in (0, 1) and test_fraction in [0, 1), together below 1");
    if (config.force_sigmas.empty() || config.ridges.empty()) throw InvalidArgument("force_sigmas, ridges: give at least one of each");
    for (double x : config.force_sigmas)
        if (!(x > 0)) throw InvalidArgument("force_sigmas must be positive");
    for (double x : config.ridges)
        if (!(x >= 0)) throw InvalidArgument("ridges must be non-negative");

    // Seeded split by structure: test first, then validation, the rest trains.
    std::vector<size_t> order(S);
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(config.seed);
    std::shuffle(order.begin(), order.end(), rng);
    const size_t n_test = static_cast<size_t>(std::round(config.test_fraction * S));
    const size_t n_validation = std::max<size_t>(1, static_cast<size_t>(std::round(config.validation_fraction * S)));
    if (n_test + n_validation >= S) throw InvalidArgument("validation and test fractions leave no training structure");
    auto sorted = [&](size_t begin, size_t end) {
        std::vector<size_t> v(order.begin() + static_cast<std::ptrdiff_t>(begin), order.begin() + static_cast<std::ptrdiff_t>(end));
        std::sort(v.begin(), v.end());
        return v;
    };
    const EnergyTrainingSet test = subset(data.structures, sorted(0, n_test));
    const EnergyTrainingSet validation = subset(data.structures, sorted(n_test, n_test + n_validation));
    const EnergyTrainingSet train = subset(data.structures, sorted(n_test + n_validation, S));

    std::set<int32_t> species;
    for (const auto& system : data.structures.systems) species.insert(system.types.begin(), system.types.end());
    EnergyFeatureSettings features;
    features.hypers = config.hypers;
    features.extra = config.extra_features;
    features.species.assign(species.begin(), species.end());
    auto model = std::make_shared<EnergyModel>(features);

    // Descriptors once: the training structures into normal matrices, the validation ones into
    // design rows that score every candidate by two matrix-vector products.
    const size_t feature_steps = train.systems.size() + validation.systems.size();
    const EnergyNormalEquations normal = accumulate_normal_equations(
        *model, train, pool, [&](size_t done, size_t) { report_progress("features", done, feature_steps); });
    const EnergyDesign validation_design = model->design(validation.systems, true, false, pool);
    report_progress("features", feature_steps, feature_steps);

    const size_t candidates = config.force_sigmas.size() * config.ridges.size();
    double best_score = INFINITY;
    EnergyFitSettings best;
    std::string scan = "[";
    for (size_t k = 0; k < candidates; ++k) {
        report_progress("fit", k, candidates);
        EnergyFitSettings fit;
        fit.energy_sigma = config.energy_sigma;
        fit.force_sigma = config.force_sigmas[k / config.ridges.size()];
        fit.ridge = config.ridges[k % config.ridges.size()];
        fit.block_ridge = config.block_ridge;
        scan += std::string(k ? ", " : "") + "{\"force_sigma\": " + json_number(fit.force_sigma) + ", \"ridge\": " + json_number(fit.ridge);
        if (!solve_energy_model(*model, normal, fit, false)) {
            scan += ", \"validation\": null}";  // not positive definite at this ridge
            continue;
        }
        const Errors e = design_errors(validation_design, model->weights(), validation);
        scan += ", \"validation\": " + errors_json(e) + "}";
        const double score = e.force_mae + e.energy_per_atom_mae;
        if (score < best_score) {
            best_score = score;
            best = fit;
        }
    }
    scan += "]";
    if (!std::isfinite(best_score)) throw std::runtime_error("energy training: no candidate ridge gave a positive definite system");
    solve_energy_model(*model, normal, best, false);
    report_progress("fit", candidates, candidates);

    // The uncertainty (docs/science.md#energy-and-force-model): one eigendecomposition of X serves
    // every prior p, since (X + p I)^-1 = V diag(1 / (lambda + p)) V^T.
    report_progress("uncertainty", 0, 1);
    double mean_diagonal = 0;
    const SymmetricEigen spectrum = symmetric_eigen(data_normal_matrix(*model, normal, best, nullptr, &mean_diagonal), true);
    const Eigen::MatrixXd projections = spectrum.vectors.transpose() * validation_design.energy.transpose();  // W x validation
    const Eigen::VectorXd residuals = validation_design.energy * model->weights() -
                                      Eigen::Map<const Eigen::VectorXd>(validation.energies.data(), static_cast<Eigen::Index>(validation.energies.size()));
    const auto W = spectrum.values.size();
    double best_nll = INFINITY, chosen_prior = 0;
    std::string prior_scan = "[";
    // When none of the given priors fits the budget, larger ones (x10 each) are tried until one does.
    std::vector<double> priors = config.uncertainty_priors;
    for (size_t k = 0; k < priors.size(); ++k) {
        const double prior = priors[k] * mean_diagonal;
        size_t kept = 0;
        for (Eigen::Index j = 0; j < W; ++j) kept += spectrum.values[j] > config.covariance_band * prior;
        const size_t bytes = kept * static_cast<size_t>(W) * 4;
        prior_scan += std::string(k ? ", " : "") + "{\"prior\": " + json_number(priors[k]) + ", \"vectors\": " +
                      std::to_string(kept) + ", \"bytes\": " + std::to_string(bytes);
        if (bytes > config.covariance_max_bytes || !(prior > 0)) {
            prior_scan += ", \"nll\": null}";
            if (k + 1 == priors.size() && !(chosen_prior > 0) && kept > 0 && priors.size() < config.uncertainty_priors.size() + 40)
                priors.push_back(priors.back() * 10);
            continue;
        }
        Eigen::ArrayXd variance = Eigen::ArrayXd::Zero(residuals.size());
        for (Eigen::Index s = 0; s < residuals.size(); ++s)
            for (Eigen::Index j = 0; j < W; ++j) variance[s] += projections(j, s) * projections(j, s) / (std::max(spectrum.values[j], 0.0) + prior);
        const double alpha2 = (residuals.array().square() / variance).mean();
        const double nll = 0.5 * ((2 * M_PI * alpha2 * variance).log() + residuals.array().square() / (alpha2 * variance)).mean();
        prior_scan += ", \"nll\": " + json_number(nll) + "}";
        if (nll < best_nll) {
            best_nll = nll;
            chosen_prior = priors[k];
        }
    }
    prior_scan += "]";
    if (!(chosen_prior > 0))
        throw InvalidArgument("energy training: no uncertainty prior gives a covariance within " + std::to_string(config.covariance_max_bytes) +
                              " bytes; give larger uncertainty_priors or covariance_max_bytes");
    best.uncertainty_prior = chosen_prior;
    best.covariance_band = config.covariance_band;
    model->covariance = uncertainty_covariance(spectrum, mean_diagonal, best);
    report_progress("uncertainty", 1, 1);

    // alpha with the stored (compact) C, from the validation design rows already computed.
    const double alpha = calibrate_uncertainty(*model, validation_design.energy, validation.energies);

    // Reported errors from the served evaluation path (one descriptor pass per structure).
    const size_t metric_steps = S;
    size_t metric_done = 0;
    auto counted = [&](size_t n) {
        metric_done += n;
        report_progress("metrics", metric_done, metric_steps);
    };
    std::vector<double> parity_reference, parity_predicted;
    const Errors train_errors = evaluate(*model, train, pool);
    counted(train.systems.size());
    const Errors validation_errors = evaluate(*model, validation, pool, &parity_reference, &parity_predicted);
    counted(validation.systems.size());
    Errors test_errors;
    if (!test.systems.empty()) test_errors = evaluate(*model, test, pool);
    counted(test.systems.size());
    if (trained) *trained = model;
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

    const Hypers& h = config.hypers;
    std::ostringstream meta;
    std::string extra = "[";
    for (size_t k = 0; k < config.extra_features.size(); ++k) {
        const EnergyFeatureSet& set = config.extra_features[k];
        extra += std::string(k ? ", " : "") + "{\"kind\": \"" + descriptor_kind_info(set.kind).name +
                 "\", \"cutoff\": " + json_number(set.hypers.cutoff) + ", \"cutoff_width\": " + json_number(set.hypers.cutoff_width) +
                 ", \"max_radial\": " + std::to_string(set.hypers.max_radial) + ", \"max_angular\": " + std::to_string(set.hypers.max_angular) +
                 ", \"density_width\": " + json_number(set.hypers.density_width) + ", \"center_atom_weight\": " +
                 json_number(set.hypers.center_atom_weight) + "}";
    }
    extra += "]";
    meta << "{\"kind\": \"linear energy model on the power spectrum" << (config.extra_features.empty() ? "" : " and further invariants")
         << ", per-species baselines, ridge on energies and forces\""
         << ", \"units\": {\"energy\": \"eV\", \"length\": \"angstrom\"}"
         << ", \"hyper_parameters\": {\"cutoff\": " << json_number(h.cutoff) << ", \"cutoff_width\": " << json_number(h.cutoff_width)
         << ", \"max_radial\": " << h.max_radial << ", \"max_angular\": " << h.max_angular << ", \"density_width\": "
         << json_number(h.density_width) << ", \"center_atom_weight\": " << json_number(h.center_atom_weight)
         << ", \"extra_features\": " << extra << ", \"energy_sigma_ev_per_atom\": " << json_number(config.energy_sigma) << ", \"force_sigma_ev_per_angstrom\": " << json_number(best.force_sigma)
         << ", \"ridge\": " << json_number(best.ridge) << ", \"block_ridge\": " << (config.block_ridge ? "true" : "false") << ", \"validation_fraction\": " << json_number(config.validation_fraction)
         << ", \"test_fraction\": " << json_number(config.test_fraction)
         << ", \"seed\": " << config.seed << ", \"uncertainty_scale\": " << json_number(alpha)
         << ", \"uncertainty_prior\": " << json_number(chosen_prior) << ", \"covariance_band\": " << json_number(config.covariance_band)
         << ", \"covariance_vectors\": " << model->covariance.basis.cols() << "}"
         << ", \"training\": {\"dataset\": " << json_quote(config.data_path) << ", \"dataset_provenance\": "
         << (data.provenance.empty() ? "null" : data.provenance.front() == '{' ? data.provenance : json_quote(data.provenance))
         << ", \"structures\": " << train.systems.size() << ", \"validation_structures\": " << validation.systems.size()
         << ", \"test_structures\": " << test.systems.size()
         << ", \"command\": " << json_quote(config.command) << ", \"seconds\": " << json_number(seconds) << "}"
         << ", \"validation\": {\"train\": " << errors_json(train_errors) << ", \"validation\": " << errors_json(validation_errors);
    if (!test.systems.empty()) meta << ", \"test\": " << errors_json(test_errors);
    meta << "}}";
    const std::string metadata = meta.str();
    if (!config.output_path.empty()) save_energy_model(*model, metadata, config.output_path);

    std::ostringstream report;
    report << "{\"model\": " << json_quote(config.output_path) << ", \"metadata\": " << metadata
           << ", \"scan\": " << scan << ", \"uncertainty_scan\": " << prior_scan << ", \"rows\": " << (normal.energy_rows + normal.force_rows)
           << ", \"parity\": {\"set\": \"validation\", \"reference_ev\": [";
    for (size_t k = 0; k < parity_reference.size(); ++k) report << (k ? ", " : "") << json_number(parity_reference[k]);
    report << "], \"predicted_ev\": [";
    for (size_t k = 0; k < parity_predicted.size(); ++k) report << (k ? ", " : "") << json_number(parity_predicted[k]);
    report << "]}}";
    return report.str();
}

}  // namespace hamd
