// Native driver of the Hamiltonian models (no daemon), used by bench/hamiltonian:
//
//   hamiltonian_native train --data data/train.npz -o MODEL.npz [--report R.json] [--no-indirect]
//                            [--epochs N] [--optimizer lbfgs|adam] [--learning-rate X] [--penalty X]
//                            [--lumo-weight X] [--virtual-weight X] [--core-weight X] [--charge-weight X] [--validate-on-largest]
//                            [--valence-virtuals N] [--valence-character C] [--valence-virtual-weight X]
//                            [--density-matrix-weight X]
//                            [--per-feature-scale] [--cutoff X] [--max-radial N] [--max-angular N]
//                            [--density-width X] [--message-radial M] [--message-scale X]
//                            [--pair-order2 K] [--pair-order2-density D] [--seed N] [--threads N]
//   hamiltonian_native experiment --data TRAIN.npz --test TEST.npz [train options]
//                            (trains in memory, then prints the bench tables; no model file)
//   hamiltonian_native bench --model MODEL.npz --test data/test.npz [--json OUT.json] [--baseline OLD.npz] [--threads N]
//
// bench: on every test structure, MAE (eV) against def2-TZVP of occupied valence levels,
// HOMO, LUMO and gap for three rows measured in the same run (the STO-3G B3LYP calculation's
// stored orbital energies, the direct model, the indirect model), and the prediction wall time
// per structure (features + F' + eigenvalues, one thread, best of 5) against the stored
// per-structure PySCF def2-TZVP wall time.
#include <algorithm>
#include <cmath>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/base/errors.hpp"
#include "core/math/eigen_solver.hpp"
#include "core/models/hamiltonian/model_file.hpp"
#include "core/models/hamiltonian/prediction.hpp"
#include "core/training/hamiltonian_training.hpp"
#include "core/training/spectrum_metrics.hpp"
#include "core/training/training_run.hpp"

using namespace hamd;

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

const char* option(int argc, char** argv, const char* name, const char* fallback) {
    for (int k = 2; k + 1 < argc; ++k)
        if (std::strcmp(argv[k], name) == 0) return argv[k + 1];
    return fallback;
}
bool flag(int argc, char** argv, const char* name) {
    for (int k = 2; k < argc; ++k)
        if (std::strcmp(argv[k], name) == 0) return true;
    return false;
}

int bench_model(const HamiltonianModel& model, const std::string& model_path, const std::string& test_path,
                const char* json, const HamiltonianModel* baseline, const std::string& baseline_path);

int train(int argc, char** argv, bool evaluate) {
    TrainingConfig config = default_training_config();
    config.data_path = option(argc, argv, "--data", "data/train.npz");
    config.output_path = option(argc, argv, "-o", evaluate ? "" : "models/default-hamiltonian.npz");
    config.run_indirect = !flag(argc, argv, "--no-indirect");
    config.indirect.epochs = std::atoi(option(argc, argv, "--epochs", std::to_string(config.indirect.epochs).c_str()));
    config.indirect.learning_rate = std::atof(option(argc, argv, "--learning-rate", std::to_string(config.indirect.learning_rate).c_str()));
    config.indirect.penalty = std::atof(option(argc, argv, "--penalty", std::to_string(config.indirect.penalty).c_str()));
    config.indirect.levels.virtuals = std::atof(option(argc, argv, "--virtual-weight", std::to_string(config.indirect.levels.virtuals).c_str()));
    config.indirect.levels.lumo = std::atof(option(argc, argv, "--lumo-weight", std::to_string(config.indirect.levels.lumo).c_str()));
    config.features.hypers.max_radial = std::atoi(option(argc, argv, "--max-radial", std::to_string(config.features.hypers.max_radial).c_str()));
    config.features.hypers.max_angular = std::atoi(option(argc, argv, "--max-angular", std::to_string(config.features.hypers.max_angular).c_str()));
    config.features.hypers.cutoff = std::atof(option(argc, argv, "--cutoff", std::to_string(config.features.hypers.cutoff).c_str()));
    config.features.hypers.density_width = std::atof(option(argc, argv, "--density-width", std::to_string(config.features.hypers.density_width).c_str()));
    config.features.message_radial = std::atoi(option(argc, argv, "--message-radial", std::to_string(config.features.message_radial).c_str()));
    config.features.message_scale = std::atof(option(argc, argv, "--message-scale", std::to_string(config.features.message_scale).c_str()));
    // The seed of the CV folds and of the indirect fit's held-out molecules (default 0, as in training).
    config.indirect.seed = config.ridge.seed = std::strtoull(option(argc, argv, "--seed", "0"), nullptr, 10);
    config.features.pair_order2_components =
        std::atoi(option(argc, argv, "--pair-order2", std::to_string(config.features.pair_order2_components).c_str()));
    config.features.pair_order2_density_components =
        std::atoi(option(argc, argv, "--pair-order2-density", std::to_string(config.features.pair_order2_density_components).c_str()));
    config.features.hypers.cutoff_width = std::atof(option(argc, argv, "--cutoff-width", std::to_string(config.features.hypers.cutoff_width).c_str()));
    config.ridge.per_feature_scale = flag(argc, argv, "--per-feature-scale");
    const std::string optimizer = option(argc, argv, "--optimizer", "");
    if (optimizer == "adam") config.indirect.optimizer = IndirectOptimizer::Adam;
    if (optimizer == "lbfgs") config.indirect.optimizer = IndirectOptimizer::Lbfgs;
    config.indirect.first_step = std::atof(option(argc, argv, "--first-step", std::to_string(config.indirect.first_step).c_str()));
    config.indirect.levels.virtual_match_ev = std::atof(option(argc, argv, "--virtual-match-ev", std::to_string(config.indirect.levels.virtual_match_ev).c_str()));
    config.indirect.levels.core = std::atof(option(argc, argv, "--core-weight", std::to_string(config.indirect.levels.core).c_str()));
    config.indirect.levels.charges = std::atof(option(argc, argv, "--charge-weight", std::to_string(config.indirect.levels.charges).c_str()));
    config.indirect.levels.density_matrix = std::atof(option(argc, argv, "--density-matrix-weight", std::to_string(config.indirect.levels.density_matrix).c_str()));
    config.indirect.levels.valence_virtuals = std::atoi(option(argc, argv, "--valence-virtuals", std::to_string(config.indirect.levels.valence_virtuals).c_str()));
    config.indirect.levels.valence_character = std::atof(option(argc, argv, "--valence-character", std::to_string(config.indirect.levels.valence_character).c_str()));
    config.indirect.levels.valence_virtual_weight = std::atof(option(argc, argv, "--valence-virtual-weight", std::to_string(config.indirect.levels.valence_virtual_weight).c_str()));
    if (flag(argc, argv, "--validate-on-largest")) config.indirect.validate_on_largest = true;
    if (flag(argc, argv, "--validate-random")) config.indirect.validate_on_largest = false;
    config.indirect.validation_fraction = std::atof(option(argc, argv, "--validation-fraction", std::to_string(config.indirect.validation_fraction).c_str()));
    config.indirect.patience = std::atoi(option(argc, argv, "--patience", std::to_string(config.indirect.patience).c_str()));
    config.command = "bench/hamiltonian_native";
    for (int k = 1; k < argc; ++k) config.command += std::string(" ") + argv[k];
    ThreadPool pool(static_cast<size_t>(std::atoi(option(argc, argv, "--threads", "0"))));
    const double start = now();
    std::string last_stage;
    std::shared_ptr<HamiltonianModel> model;
    const std::string report = run_hamiltonian_training(config, pool, [&](const TrainingProgress& p) {
        if (p.stage != last_stage) std::fprintf(stderr, "\n");
        last_stage = p.stage;
        if (p.stage == "indirect")
            std::fprintf(stderr, "\r%-9s %4zu/%zu  train %.3e  validation %.3e  (%.0fs)", p.stage.c_str(), p.step, p.total,
                         p.train_loss, p.validation_loss, now() - start);
        else
            std::fprintf(stderr, "\r%-9s %4zu/%zu  (%.0fs)", p.stage.c_str(), p.step, p.total, now() - start);
    }, &model);
    std::fprintf(stderr, "\ntrained in %.0f s -> %s\n", now() - start, config.output_path.c_str());
    const char* report_path = option(argc, argv, "--report", nullptr);
    if (report_path) std::ofstream(report_path) << report << "\n";
    else if (!evaluate) std::printf("%s\n", report.c_str());
    if (evaluate) {
        // The validation metrics (held-out training molecules), then the test set.
        const auto at = model->metadata_json.find("\"validation\":");
        std::printf("%s\n\n", at == std::string::npos ? "" : model->metadata_json.substr(at).c_str());
        const char* baseline_path = option(argc, argv, "--baseline", nullptr);
        const auto baseline = baseline_path ? load_hamiltonian_model(baseline_path) : nullptr;
        return bench_model(*model, "(in memory)", option(argc, argv, "--test", "data/test.npz"), option(argc, argv, "--json", nullptr),
                           baseline.get(), baseline_path ? baseline_path : "");
    }
    return 0;
}

// Mean absolute error (eV) of the first `slots` predicted virtual levels against the large-basis
// virtuals of valence character, paired in order (the pairing of training's level_targets, so
// diffuse Rydberg-like levels in between are skipped): what the sTDA excitations build on.
// Structures without characters in the dataset are not counted.
struct PairedVirtualErrors {
    std::vector<double> mae_ev;  // per slot (LUMO, LUMO+1, ...)
    std::vector<int> count;
};
PairedVirtualErrors paired_virtual_errors(const std::vector<std::vector<double>>& predicted,
                                          const std::vector<const ReferenceStructure*>& refs, int slots) {
    LevelWeights pairing;
    pairing.valence_virtuals = slots;
    PairedVirtualErrors e{std::vector<double>(slots, 0.0), std::vector<int>(slots, 0)};
    for (size_t k = 0; k < refs.size(); ++k) {
        if (refs[k]->large_character.empty()) continue;
        const int n = static_cast<int>(predicted[k].size()), occ = refs[k]->occupied();
        const LevelTargets t = level_targets(*refs[k], n, pairing);
        for (int slot = 0; slot < slots && occ + slot < n; ++slot) {
            if (t.weights[static_cast<size_t>(occ + slot)] <= 0) continue;
            e.mae_ev[slot] += std::fabs(predicted[k][occ + slot] - t.targets[static_cast<size_t>(occ + slot)]) * kHartreeEv;
            ++e.count[slot];
        }
    }
    for (int slot = 0; slot < slots; ++slot) e.mae_ev[slot] /= std::max(e.count[slot], 1);
    return e;
}

std::string errors_json(const SpectrumErrors& e) {
    return "{\"occupied_valence\": " + std::to_string(e.occupied_valence) + ", \"homo\": " + std::to_string(e.homo) +
           ", \"lumo\": " + std::to_string(e.lumo) + ", \"gap\": " + std::to_string(e.gap) +
           ", \"structures\": " + std::to_string(e.structures) + "}";
}

// One model's predictions on every test structure (its served variant: indirect when trained),
// timed (best of 5, one thread), with the density errors against the STO-3G density.
struct ModelRun {
    std::vector<std::vector<double>> direct, served;
    double predict_seconds = 0;
    double density_rms[2] = {0, 0}, density_max[2] = {0, 0};  // direct, served
};
ModelRun run_model(const HamiltonianModel& model, const ReferenceDataset& test) {
    ModelRun run;
    PredictionOptions options;
    options.outputs = {"orbital_energies"};
    const ModelVariant served = model.has_indirect() ? ModelVariant::Indirect : ModelVariant::Direct;
    for (const ReferenceStructure& s : test.structures) {
        options.variant = ModelVariant::Direct;
        run.direct.push_back(predict(model, s.system, options).orbital_energies);
        options.variant = served;
        double best = 1e300;
        for (int repeat = 0; repeat < 5; ++repeat) {
            const double t0 = now();
            Prediction p = predict(model, s.system, options);
            best = std::min(best, now() - t0);
            if (repeat == 0) run.served.push_back(std::move(p.orbital_energies));
        }
        run.predict_seconds += best;
        const int occ = s.occupied();
        auto density = [occ](const Eigen::MatrixXd& f) {
            const SymmetricEigen e = symmetric_eigen(f);
            return Eigen::MatrixXd(2.0 * e.vectors.leftCols(occ) * e.vectors.leftCols(occ).transpose());
        };
        const Eigen::MatrixXd reference_density = density(s.orthogonal_fock);
        for (int v = 0; v < 2; ++v) {
            const Eigen::MatrixXd error = density(model.predict_orthogonal(s.system, v == 0 ? ModelVariant::Direct : served)) - reference_density;
            run.density_rms[v] += std::sqrt(error.squaredNorm() / static_cast<double>(error.size()));
            run.density_max[v] = std::max(run.density_max[v], error.cwiseAbs().maxCoeff());
        }
    }
    return run;
}

// Whether the def2-TZVP LUMO of a test structure is a valence level: with characters in the
// dataset, its own minimal-basis character decides (LevelWeights::valence_character); else
// training's criterion, the STO-3G LUMO within virtual_match_ev.
bool large_lumo_is_valence(const ReferenceStructure& s) {
    const int occ = s.occupied();
    if (s.large_character.empty())
        return std::fabs(s.minimal_energies[occ] - s.large_energies[occ]) * kHartreeEv < LevelWeights{}.virtual_match_ev;
    return s.large_character[static_cast<size_t>(occ)] >= LevelWeights{}.valence_character;
}

// Test-set errors of one model (and optionally of a baseline model, e.g. the one shipped before
// a retraining, measured in the same run); `json` (optional) receives them. Also prints the
// direct model's errors against the STO-3G levels themselves (diagnostic: the direct model fits
// STO-3G F', so this measures how well the fit transfers, independently of the basis-set error).
int bench_model(const HamiltonianModel& model, const std::string& model_path, const std::string& test_path,
                const char* json, const HamiltonianModel* baseline, const std::string& baseline_path) {
    const ReferenceDataset test = load_reference_dataset(test_path, model.basis());
    std::vector<const ReferenceStructure*> refs, minimal_refs;
    std::vector<ReferenceStructure> as_minimal(test.structures);  // references = STO-3G levels
    std::vector<std::vector<double>> minimal;
    double large_seconds = 0, minimal_seconds = 0;
    for (size_t k = 0; k < test.structures.size(); ++k) {
        const ReferenceStructure& s = test.structures[k];
        refs.push_back(&s);
        as_minimal[k].large_energies = s.minimal_energies;
        minimal_refs.push_back(&as_minimal[k]);
        minimal.push_back(s.minimal_energies);
        large_seconds += s.large_seconds;
        minimal_seconds += s.minimal_seconds;
    }
    const ModelRun run = run_model(model, test);
    ModelRun base;
    if (baseline) base = run_model(*baseline, test);
    const std::vector<std::vector<double>>& direct = run.direct;
    const std::vector<std::vector<double>>& indirect = run.served;
    const double n = static_cast<double>(test.structures.size());
    const SpectrumErrors e_min = spectrum_errors(minimal, refs), e_dir = spectrum_errors(direct, refs),
                         e_ind = spectrum_errors(indirect, refs);
    std::printf("test set: %s (%zu structures, %zu molecules); model: %s%s%s\n\n", test_path.c_str(), test.structures.size(),
                test.molecule_names.size(), model_path.c_str(), baseline ? "; baseline: " : "", baseline_path.c_str());
    std::printf("| MAE vs B3LYP/def2-TZVP (eV) | occupied valence | HOMO | LUMO | gap |\n|---|---|---|---|---|\n");
    auto row = [](const char* name, const SpectrumErrors& e) {
        std::printf("| %s | %.3f | %.3f | %.3f | %.3f |\n", name, e.occupied_valence, e.homo, e.lumo, e.gap);
    };
    row("B3LYP/STO-3G (PySCF)", e_min);
    row("direct model (ridge on STO-3G F')", e_dir);
    if (baseline) row("baseline model (served variant)", spectrum_errors(base.served, refs));
    row(model.has_indirect() ? "indirect model (def2-TZVP levels)" : "indirect model: not trained", e_ind);
    std::printf("\n| diagnostic: MAE vs B3LYP/STO-3G itself (eV) | occupied valence | HOMO | LUMO | gap |\n|---|---|---|---|---|\n");
    row("direct model", spectrum_errors(direct, minimal_refs));
    // Per molecule, signed errors of the served model (indirect when trained): systematic or not.
    std::printf("\n| per molecule, served model - def2-TZVP (eV, mean signed) | occupied valence | HOMO | LUMO | gap |\n|---|---|---|---|---|\n");
    for (size_t m = 0; m < test.molecule_names.size(); ++m) {
        double occ_sum = 0, homo = 0, lumo = 0, count = 0, levels = 0;
        for (size_t k = 0; k < refs.size(); ++k) {
            if (refs[k]->molecule != static_cast<int>(m)) continue;
            const int occ = refs[k]->occupied();
            int heavy = 0;
            for (int32_t z : refs[k]->system.types) heavy += z > 2;
            for (int l = heavy; l < occ; ++l, ++levels) occ_sum += indirect[k][l] - refs[k]->large_energies[l];
            homo += indirect[k][occ - 1] - refs[k]->large_energies[occ - 1];
            lumo += indirect[k][occ] - refs[k]->large_energies[occ];
            ++count;
        }
        if (count == 0) continue;
        std::printf("| %s | %+.3f | %+.3f | %+.3f | %+.3f |\n", test.molecule_names[m].c_str(), occ_sum / levels * kHartreeEv,
                    homo / count * kHartreeEv, lumo / count * kHartreeEv, (lumo - homo) / count * kHartreeEv);
    }
    // Which LUMOs the served model vouches for (core/models/hamiltonian/orbital_validity.hpp)
    // against whether the test structure's def2-TZVP LUMO is a valence level, and the errors of
    // what is served.
    int valence_served = 0, valence_withheld = 0, rydberg_served = 0, rydberg_withheld = 0;
    std::vector<std::vector<double>> served_pred;
    std::vector<const ReferenceStructure*> served_refs;
    std::vector<size_t> class_members[2];  // valence LUMO, Rydberg-like LUMO
    for (size_t k = 0; k < refs.size(); ++k) {
        const int occ = refs[k]->occupied();
        const bool valence = large_lumo_is_valence(*refs[k]);
        class_members[valence ? 0 : 1].push_back(k);
        const Eigen::VectorXd eps = Eigen::Map<const Eigen::VectorXd>(indirect[k].data(), static_cast<Eigen::Index>(indirect[k].size()));
        const bool served = lumo_served(model.orbital_validity, eps, occ);
        (valence ? (served ? valence_served : valence_withheld) : (served ? rydberg_served : rydberg_withheld))++;
        if (served) {
            served_pred.push_back(indirect[k]);
            served_refs.push_back(refs[k]);
        }
    }
    std::printf("\n| LUMO validity (served model, threshold %.2f eV) | served | withheld |\n|---|---|---|\n",
                model.orbital_validity.lumo_below_eh * kHartreeEv);
    std::printf("| def2-TZVP LUMO is a valence level | %d | %d |\n", valence_served, valence_withheld);
    std::printf("| def2-TZVP LUMO is Rydberg-like (no minimal-basis counterpart) | %d | %d |\n", rydberg_served, rydberg_withheld);
    std::printf("(valence: %s)\n", test.structures.empty() || test.structures[0].large_character.empty()
                                        ? "STO-3G LUMO within 5 eV of the def2-TZVP one"
                                        : "the def2-TZVP LUMO's minimal-basis character >= 0.6");
    SpectrumErrors e_served;
    if (!served_refs.empty()) {
        e_served = spectrum_errors(served_pred, served_refs);
        std::printf("LUMO and gap MAE over the %zu structures whose LUMO is served: %.3f / %.3f eV\n", served_refs.size(), e_served.lumo,
                    e_served.gap);
    }
    // Errors per class of molecule, every row of the first table: for the models, LUMO and gap
    // only where the LUMO is a valence level (for the others Predict withholds them; STO-3G's are
    // shown for what they are, a level the large basis does not have).
    std::printf("\n| per class (eV) | structures | occupied valence | HOMO | LUMO | gap |\n|---|---|---|---|---|---|\n");
    const char* class_names[2] = {"valence (pi*-type) def2-TZVP LUMO: conjugated, carbonyl", "Rydberg-like def2-TZVP LUMO: saturated"};
    SpectrumErrors class_errors[2];  // served model
    for (int c = 0; c < 2; ++c) {
        if (class_members[c].empty()) {
            std::printf("| %s | 0 | | | | |\n", class_names[c]);
            continue;
        }
        std::vector<const ReferenceStructure*> r;
        for (size_t k : class_members[c]) r.push_back(refs[k]);
        auto pick = [&](const std::vector<std::vector<double>>& all) {
            std::vector<std::vector<double>> out;
            for (size_t k : class_members[c]) out.push_back(all[k]);
            return spectrum_errors(out, r);
        };
        auto class_row = [&](const char* name, const SpectrumErrors& e, bool withheld) {
            if (withheld)
                std::printf("| %s: %s | %zu | %.3f | %.3f | withheld | withheld |\n", class_names[c], name, r.size(), e.occupied_valence, e.homo);
            else
                std::printf("| %s: %s | %zu | %.3f | %.3f | %.3f | %.3f |\n", class_names[c], name, r.size(), e.occupied_valence, e.homo,
                            e.lumo, e.gap);
        };
        class_row("STO-3G", pick(minimal), false);
        class_row("direct", pick(direct), c == 1);
        if (baseline) class_row("baseline", pick(base.served), c == 1);
        class_errors[c] = pick(indirect);
        class_row("served model", class_errors[c], c == 1);
    }
    // Virtual levels above the LUMO, paired by character (what the excitations use).
    constexpr int kSlots = 3;
    const PairedVirtualErrors paired = paired_virtual_errors(indirect, refs, kSlots);
    const PairedVirtualErrors paired_sto3g = paired_virtual_errors(minimal, refs, kSlots);
    if (paired.count[0] > 0) {
        std::printf("\n| valence virtual levels, paired by character (MAE eV; structures) | LUMO | LUMO+1 | LUMO+2 |\n|---|---|---|---|\n");
        auto paired_row = [](const char* name, const PairedVirtualErrors& e) {
            std::printf("| %s | %.3f (%d) | %.3f (%d) | %.3f (%d) |\n", name, e.mae_ev[0], e.count[0], e.mae_ev[1], e.count[1], e.mae_ev[2],
                        e.count[2]);
        };
        paired_row("B3LYP/STO-3G", paired_sto3g);
        if (baseline) paired_row("baseline model", paired_virtual_errors(base.served, refs, kSlots));
        paired_row("served model", paired);
    }
    std::printf("\n| minimal-basis density P' vs the STO-3G one (what an SCF guess needs) | mean RMS element error | max element error |\n|---|---|---|\n");
    std::printf("| direct model | %.4f | %.4f |\n", run.density_rms[0] / n, run.density_max[0]);
    std::printf("| indirect model | %.4f | %.4f |\n", run.density_rms[1] / n, run.density_max[1]);
    const double predict_seconds = run.predict_seconds;
    std::printf("\n| wall time per structure | seconds | ratio |\n|---|---|---|\n");
    std::printf("| PySCF B3LYP/def2-TZVP (density fitting, 1 thread) | %.3f | 1 |\n", large_seconds / n);
    std::printf("| PySCF B3LYP/STO-3G (1 thread) | %.3f | %.0fx faster |\n", minimal_seconds / n, large_seconds / minimal_seconds);
    std::printf("| model prediction (features, F', eigenvalues; 1 thread, best of 5) | %.6f | %.0fx faster |\n", predict_seconds / n,
                large_seconds / predict_seconds);
    if (json) {
        std::string paired_json = "[";
        for (int slot = 0; slot < kSlots; ++slot)
            paired_json += (slot ? ", " : "") + std::to_string(paired.count[slot] > 0 ? paired.mae_ev[slot] : 0.0);
        paired_json += "]";
        std::ofstream(json) << "{\"test\": " << json_quote(test_path) << ", \"model\": " << json_quote(model_path)
                            << ", \"structures\": " << test.structures.size() << ", \"mae_ev\": {\"sto3g\": " << errors_json(e_min)
                            << ", \"direct\": " << errors_json(e_dir) << ", \"indirect\": " << errors_json(e_ind)
                            << (baseline ? ", \"baseline\": " + errors_json(spectrum_errors(base.served, refs)) : std::string())
                            << "}, \"direct_vs_sto3g_mae_ev\": " << errors_json(spectrum_errors(direct, minimal_refs))
                            << ", \"served_lumo_gap_mae_ev\": " << errors_json(e_served)
                            << ", \"per_class_served_mae_ev\": {\"valence_lumo\": " << errors_json(class_errors[0])
                            << ", \"rydberg_lumo\": " << errors_json(class_errors[1]) << "}"
                            << ", \"paired_virtual_mae_ev\": " << paired_json
                            << ", \"lumo_validity\": {\"valence_served\": " << valence_served << ", \"valence_withheld\": "
                            << valence_withheld << ", \"rydberg_served\": " << rydberg_served << ", \"rydberg_withheld\": "
                            << rydberg_withheld << "}"
                            << ", \"seconds_per_structure\": {\"def2tzvp\": " << large_seconds / n
                            << ", \"sto3g\": " << minimal_seconds / n << ", \"prediction\": " << predict_seconds / n
                            << "}, \"speedup_vs_def2tzvp\": " << large_seconds / predict_seconds << "}\n";
    }
    return 0;
}

int bench(int argc, char** argv) {
    const std::string model_path = option(argc, argv, "--model", "models/default-hamiltonian.npz");
    const std::string test_path = option(argc, argv, "--test", "data/test.npz");
    const auto model = load_hamiltonian_model(model_path);
    const char* baseline_path = option(argc, argv, "--baseline", nullptr);
    const auto baseline = baseline_path ? load_hamiltonian_model(baseline_path) : nullptr;
    return bench_model(*model, model_path, test_path, option(argc, argv, "--json", nullptr), baseline.get(),
                       baseline_path ? baseline_path : "");
}

}  // namespace

int main(int argc, char** argv) {
    const std::string mode = argc >= 2 ? argv[1] : "";
    if (mode != "train" && mode != "bench" && mode != "experiment") {
        std::fprintf(stderr, "usage: hamiltonian_native train|bench|experiment [options] (see the file header)\n");
        return 2;
    }
    try {
        if (mode == "bench") return bench(argc, argv);
        return train(argc, argv, mode == "experiment");
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
