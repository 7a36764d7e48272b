// Native driver of the Hamiltonian models (no daemon), used by bench/hamiltonian:
//
//   hamiltonian_native train --data data/train.npz -o MODEL.npz [--report R.json] [--no-indirect]
//                            [--epochs N] [--learning-rate X] [--penalty X] [--threads N]
//   hamiltonian_native bench --model MODEL.npz --test data/test.npz [--json OUT.json] [--threads N]
//
// bench: on every test structure, MAE (eV) against def2-TZVP of occupied valence levels,
// HOMO, LUMO and gap for three rows measured in the same run (the STO-3G B3LYP calculation's
// stored orbital energies, the direct model, the indirect model), and the prediction wall time
// per structure (features + F' + eigenvalues, one thread, best of 5) against the stored
// per-structure PySCF def2-TZVP wall time.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/hamiltonian/eigen_solver.hpp"
#include "core/model/model_file.hpp"
#include "core/model/prediction.hpp"
#include "core/model/spectrum_metrics.hpp"
#include "core/model/training_run.hpp"

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

int train(int argc, char** argv) {
    TrainingConfig config = default_training_config();
    config.data_path = option(argc, argv, "--data", "data/train.npz");
    config.output_path = option(argc, argv, "-o", "models/default-hamiltonian.npz");
    config.run_indirect = !flag(argc, argv, "--no-indirect");
    config.indirect.epochs = std::atoi(option(argc, argv, "--epochs", std::to_string(config.indirect.epochs).c_str()));
    config.indirect.learning_rate = std::atof(option(argc, argv, "--learning-rate", std::to_string(config.indirect.learning_rate).c_str()));
    config.indirect.penalty = std::atof(option(argc, argv, "--penalty", std::to_string(config.indirect.penalty).c_str()));
    config.indirect.levels.virtuals = std::atof(option(argc, argv, "--virtual-weight", std::to_string(config.indirect.levels.virtuals).c_str()));
    config.indirect.levels.lumo = std::atof(option(argc, argv, "--lumo-weight", std::to_string(config.indirect.levels.lumo).c_str()));
    config.features.hypers.max_radial = std::atoi(option(argc, argv, "--max-radial", std::to_string(config.features.hypers.max_radial).c_str()));
    config.features.hypers.max_angular = std::atoi(option(argc, argv, "--max-angular", std::to_string(config.features.hypers.max_angular).c_str()));
    config.features.hypers.cutoff = std::atof(option(argc, argv, "--cutoff", std::to_string(config.features.hypers.cutoff).c_str()));
    config.command = "bench/hamiltonian_native";
    for (int k = 1; k < argc; ++k) config.command += std::string(" ") + argv[k];
    ThreadPool pool(static_cast<size_t>(std::atoi(option(argc, argv, "--threads", "0"))));
    const double start = now();
    std::string last_stage;
    const std::string report = run_hamiltonian_training(config, pool, [&](const TrainingProgress& p) {
        if (p.stage != last_stage) std::fprintf(stderr, "\n");
        last_stage = p.stage;
        if (p.stage == "indirect")
            std::fprintf(stderr, "\r%-9s %4zu/%zu  train %.3e  validation %.3e  (%.0fs)", p.stage.c_str(), p.step, p.total,
                         p.train_loss, p.validation_loss, now() - start);
        else
            std::fprintf(stderr, "\r%-9s %4zu/%zu  (%.0fs)", p.stage.c_str(), p.step, p.total, now() - start);
    });
    std::fprintf(stderr, "\ntrained in %.0f s -> %s\n", now() - start, config.output_path.c_str());
    const char* report_path = option(argc, argv, "--report", nullptr);
    if (report_path) std::ofstream(report_path) << report << "\n";
    else std::printf("%s\n", report.c_str());
    return 0;
}

int bench(int argc, char** argv) {
    const std::string model_path = option(argc, argv, "--model", "models/default-hamiltonian.npz");
    const std::string test_path = option(argc, argv, "--test", "data/test.npz");
    const auto model = load_hamiltonian_model(model_path);
    const ReferenceDataset test = load_reference_dataset(test_path, model->basis());
    std::vector<const ReferenceStructure*> refs;
    std::vector<std::vector<double>> minimal, direct, indirect;
    double predict_seconds = 0, large_seconds = 0, minimal_seconds = 0;
    PredictionOptions options;
    options.outputs = {"orbital_energies"};
    for (const auto& s : test.structures) {
        refs.push_back(&s);
        minimal.push_back(s.minimal_energies);
        options.variant = ModelVariant::Direct;
        direct.push_back(predict(*model, s.system, options).orbital_energies);
        options.variant = model->has_indirect() ? ModelVariant::Indirect : ModelVariant::Direct;
        double best = 1e300;
        for (int repeat = 0; repeat < 5; ++repeat) {
            const double t0 = now();
            Prediction p = predict(*model, s.system, options);
            best = std::min(best, now() - t0);
            if (repeat == 0) indirect.push_back(std::move(p.orbital_energies));
        }
        predict_seconds += best;
        large_seconds += s.large_seconds;
        minimal_seconds += s.minimal_seconds;
    }
    const double n = static_cast<double>(test.structures.size());
    const SpectrumErrors e_min = spectrum_errors(minimal, refs), e_dir = spectrum_errors(direct, refs),
                         e_ind = spectrum_errors(indirect, refs);
    std::printf("test set: %s (%zu structures, %zu molecules); model: %s\n\n", test_path.c_str(), test.structures.size(),
                test.molecule_names.size(), model_path.c_str());
    std::printf("| MAE vs B3LYP/def2-TZVP (eV) | occupied valence | HOMO | LUMO | gap |\n|---|---|---|---|---|\n");
    auto row = [](const char* name, const SpectrumErrors& e) {
        std::printf("| %s | %.3f | %.3f | %.3f | %.3f |\n", name, e.occupied_valence, e.homo, e.lumo, e.gap);
    };
    row("B3LYP/STO-3G (PySCF)", e_min);
    row("direct model (ridge on STO-3G F')", e_dir);
    row(model->has_indirect() ? "indirect model (def2-TZVP levels)" : "indirect model: not trained", e_ind);
    std::printf("\n| wall time per structure | seconds | ratio |\n|---|---|---|\n");
    std::printf("| PySCF B3LYP/def2-TZVP (density fitting, 1 thread) | %.3f | 1 |\n", large_seconds / n);
    std::printf("| PySCF B3LYP/STO-3G (1 thread) | %.3f | %.0fx faster |\n", minimal_seconds / n, large_seconds / minimal_seconds);
    std::printf("| model prediction (features, F', eigenvalues; 1 thread) | %.6f | %.0fx faster |\n", predict_seconds / n,
                large_seconds / predict_seconds);
    const char* json = option(argc, argv, "--json", nullptr);
    if (json) {
        auto errors = [](const SpectrumErrors& e) {
            return "{\"occupied_valence\": " + std::to_string(e.occupied_valence) + ", \"homo\": " + std::to_string(e.homo) +
                   ", \"lumo\": " + std::to_string(e.lumo) + ", \"gap\": " + std::to_string(e.gap) + "}";
        };
        std::ofstream(json) << "{\"test\": " << json_quote(test_path) << ", \"model\": " << json_quote(model_path)
                            << ", \"structures\": " << test.structures.size() << ", \"mae_ev\": {\"sto3g\": " << errors(e_min)
                            << ", \"direct\": " << errors(e_dir) << ", \"indirect\": " << errors(e_ind)
                            << "}, \"seconds_per_structure\": {\"def2tzvp\": " << large_seconds / n
                            << ", \"sto3g\": " << minimal_seconds / n << ", \"prediction\": " << predict_seconds / n
                            << "}, \"speedup_vs_def2tzvp\": " << large_seconds / predict_seconds << "}\n";
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2 || (std::strcmp(argv[1], "train") != 0 && std::strcmp(argv[1], "bench") != 0)) {
        std::fprintf(stderr, "usage: hamiltonian_native train|bench [options] (see the file header)\n");
        return 2;
    }
    try {
        return std::strcmp(argv[1], "train") == 0 ? train(argc, argv) : bench(argc, argv);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "error: %s\n", e.what());
        return 1;
    }
}
